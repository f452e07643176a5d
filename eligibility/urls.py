"""Pages of the eligibility app: the municipal import (/imports/) and the person search and pages (/persons/).
Included at the root by kaigo_portal.urls."""

from django.urls import path, re_path

from .views import imports, persons

# A person is named by 保険者番号 (6 digits) and 被保険者番号 (10 digits): the same key the access log keeps.
PERSON = r"(?P<insurer_number>\d{6})/(?P<insured_number>\d{10})"

urlpatterns = [
    path("imports/", imports.import_list, name="import_list"),
    path("imports/format/", imports.import_format, name="import_format"),
    path("imports/<int:job_id>/", imports.import_detail, name="import_detail"),
    path("imports/<int:job_id>/progress.json", imports.import_progress, name="import_progress"),
    path("imports/<int:job_id>/errors.csv", imports.import_errors, name="import_errors"),
    path("imports/<int:job_id>/retry/", imports.import_retry, name="import_retry"),
    path("persons/", persons.person_search, name="person_search"),
    re_path(rf"^persons/{PERSON}/$", persons.person_detail, name="person_detail"),
    re_path(rf"^persons/{PERSON}/card\.pdf$", persons.person_card_pdf, name="person_card_pdf"),
]
