"""Pages of the opinions app (clinic queue, the web form, the municipality's receipt queue)."""

from django.urls import path, re_path

from . import views

app_name = "opinions"
PERSON = r"persons/(?P<insurer_no>\d{6})/(?P<insured_no>\d{10})"

urlpatterns = [
    path("requests/", views.clinic_queue, name="clinic_queue"),
    path("requests/<int:pk>/write/", views.write, name="write"),
    path("written/", views.clinic_written, name="clinic_written"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/opinion.pdf", views.opinion_pdf, name="pdf"),
    path("<int:pk>/attachment.pdf", views.attachment, name="attachment"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/receive/", views.receive, name="receive"),
    path("inbox/", views.insurer_queue, name="insurer_queue"),
    path("inbox/requests/<int:pk>/paper/", views.paper, name="paper"),
    re_path(rf"^{PERSON}/$", views.person_opinions, name="person_opinions"),
]
