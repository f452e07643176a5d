"""被保険者の検索と閲覧 (municipal staff), mounted at /persons/."""

from django.urls import path, re_path

from . import views_persons

# A person is named by 保険者番号 (6 digits) and 被保険者番号 (10 digits): the same key the access log keeps.
PERSON = r"(?P<insurer_number>\d{6})/(?P<insured_number>\d{10})"

urlpatterns = [
    path("", views_persons.person_search, name="person_search"),
    re_path(rf"^{PERSON}/$", views_persons.person_detail, name="person_detail"),
    re_path(rf"^{PERSON}/card\.pdf$", views_persons.person_card_pdf, name="person_card_pdf"),
]
