from django.urls import path, re_path

from . import views

app_name = "certification"
PERSON = r"persons/(?P<insurer_no>\d{6})/(?P<insured_no>\d{10})"

urlpatterns = [
    path("applications/", views.application_list, name="application_list"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/survey/", views.survey_entry, name="survey_entry"),
    path("applications/<int:pk>/survey/view/", views.survey_view, name="survey_view"),
    path("applications/<int:pk>/survey.pdf", views.survey_pdf, name="survey_pdf"),
    path("applications/<int:pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("progress/", views.my_applications, name="my_applications"),
    path("certificates/new/", views.certificate_new, name="certificate_new"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
    re_path(rf"^{PERSON}/$", views.person_progress, name="person_progress"),
]
