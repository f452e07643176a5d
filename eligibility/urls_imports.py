from django.urls import path

from . import views_imports as views

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("<int:job_id>/", views.import_detail, name="import_detail"),
    path("<int:job_id>/progress.json", views.import_progress, name="import_progress"),
    path("<int:job_id>/errors.csv", views.import_errors, name="import_errors"),
    path("<int:job_id>/retry/", views.import_retry, name="import_retry"),
]
