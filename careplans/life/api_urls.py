"""LIFE assessments API, mounted at /api/v1/life/."""

from django.urls import re_path

from . import api as life_api

urlpatterns = [
    re_path(r"^assessments/$", life_api.Assessments.as_view(), name="life-api-assessments"),
    re_path(
        r"^persons/(?P<insurer_no>\d{6})/(?P<insured_no>\d{10})/$",
        life_api.PersonLife.as_view(),
        name="life-api-person",
    ),
]
