from django.urls import path

from . import api

urlpatterns = [
    path("applications/", api.application_list, name="api_subsidy_applications"),
    path("applications/<int:application_id>/", api.application_detail, name="api_subsidy_application"),
]
