"""API of the certification app, mounted at /api/v1/: a person's 要介護認定 progress (scope `read`)."""

from django.urls import re_path

from . import api

urlpatterns = [
    re_path(
        r"^persons/(?P<insurer_no>\d{6})/(?P<insured_no>\d{10})/certification-progress/$",
        api.PersonCertificationProgress.as_view(),
        name="api_person_certification_progress",
    ),
]
