"""`__any_of` finds the rows `__in` finds, and on PostgreSQL sends the values as one array parameter."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaigo_portal.accounts.models import Organisation

pytestmark = pytest.mark.django_db


def test_any_of_finds_what_in_finds(orgs):
    wanted = [orgs["chiyoda"].pk, orgs["clinic"].pk, orgs["clinic"].pk, None]
    by_in = set(Organisation.objects.filter(pk__in=wanted).values_list("name", flat=True))
    by_any = set(Organisation.objects.filter(pk__any_of=wanted).values_list("name", flat=True))
    assert by_any == by_in == {"千代田区", "千代田内科クリニック"}
    numbers = ["131011", "082024", "999999"]
    assert set(
        Organisation.objects.filter(insurer_number__any_of=numbers).values_list("name", flat=True)
    ) == {
        "千代田区",
        "日立市",
    }
    assert not Organisation.objects.filter(pk__any_of=[]).exists()


@pytest.mark.postgres
def test_any_of_is_one_array_parameter_on_postgresql(orgs):
    ids = [orgs["chiyoda"].pk, *range(10_000, 10_500)]
    with CaptureQueriesContext(connection) as queries:
        assert Organisation.objects.filter(pk__any_of=ids).count() == 1
    assert "= ANY(" in queries[0]["sql"] and "IN (" not in queries[0]["sql"]


def test_any_of_takes_a_foreign_key_by_ids(orgs, cast):
    from kaigo_portal.accounts.models import Membership

    found = Membership.objects.filter(organisation_id__any_of=[orgs["clinic"].pk]).values_list(
        "user__email", flat=True
    )
    assert set(found) == {"dan@example.jp", "cathy@example.jp"}
