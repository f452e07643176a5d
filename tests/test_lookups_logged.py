"""A person named by numbers who does not exist is the same 404 as one the actor may not see, and the look-up
is logged under the numbers asked for, on every route that names a person by numbers: the read APIs (the
card, 認定進捗, LIFE), the office's person page and the care-plan pages."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create
from kaigo_portal.audit.models import AccessLogEntry

pytestmark = pytest.mark.django_db
NOBODY = ("131011", "0000009999")


def _key(org, scope) -> APIClient:
    _key, raw = api_key_create(organisation=org, scope=scope, name="介護ソフト", by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.mark.parametrize(
    ("scope", "path"),
    [
        (ApiScope.READ, "/api/v1/persons/{}/{}/eligibility/"),
        (ApiScope.READ, "/api/v1/persons/{}/{}/certification-progress/"),
        (ApiScope.CAREPLANS, "/api/v1/life/persons/{}/{}/"),
    ],
)
def test_an_api_read_of_nobody_is_a_404_logged_under_the_numbers(orgs, scope, path):
    response = _key(orgs["kyotaku"], scope).get(path.format(*NOBODY))
    assert response.status_code == 404
    row = AccessLogEntry.objects.get()
    assert (row.insurer_number, row.insured_number, row.outcome, row.reason) == (
        *NOBODY,
        "denied",
        "no_such_person",
    )


@pytest.mark.parametrize("path", ["/care/persons/{}/{}/", "/careplans/persons/{}/{}/new/"])
def test_a_page_of_nobody_is_a_404_logged_under_the_numbers(login, cast, path):
    response = login(cast["bob"]).get(path.format(*NOBODY))
    assert response.status_code == 404
    row = AccessLogEntry.objects.get()
    assert (row.insurer_number, row.insured_number, row.outcome, row.reason) == (
        *NOBODY,
        "denied",
        "no_such_person",
    )
