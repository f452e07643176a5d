"""Consent, 本人確認 and relationships: office screens (/care/), mounted in kaigo_portal.urls."""

from django.urls import path, re_path

from . import views

app_name = "consent"
PERSON = r"(?P<insurer_number>\d{6})/(?P<insured_number>\d{10})"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("caseload/", views.caseload, name="caseload"),
    path("break-glass/", views.break_glass, name="break_glass"),
    re_path(rf"^persons/{PERSON}/$", views.person_detail, name="office_person"),
    path("relationships/<int:pk>/end/", views.relationship_end, name="relationship_end"),
]
