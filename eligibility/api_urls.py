"""API of the eligibility app, mounted at /api/v1/: the municipal import (scope `imports`) and the read API
of a person's 被保険者証 and 住宅改修 usage (scope `read`)."""

from django.urls import path, re_path

from .api import imports, persons

PERSON = r"persons/(?P<insurer_no>\d{6})/(?P<insured_no>\d{10})"

urlpatterns = [
    path("imports/", imports.ImportListCreate.as_view(), name="api_imports"),
    path("imports/<int:job_id>/", imports.ImportDetail.as_view(), name="api_import_detail"),
    path("imports/<int:job_id>/errors.csv", imports.ImportErrors.as_view(), name="api_import_errors"),
    re_path(rf"^{PERSON}/eligibility/$", persons.PersonEligibility.as_view(), name="api_person_eligibility"),
    re_path(
        rf"^{PERSON}/home-modification/$",
        persons.PersonHomeModification.as_view(),
        name="api_person_home_modification",
    ),
]
