"""The municipal eligibility screens and the card PDF, with the consent rules plugged in (issue 4, item 9)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from consent.tests import factories as cf
from eligibility.tests import factories as ef
from kaigo_portal.audit.models import AccessLogEntry

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture(autouse=True)
def _june():
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=JST), tick=False):
        yield


def test_own_insurer_sees_live_or_not_other_insurer_gets_a_logged_404(login, cast, orgs):
    chiyoda_person = ef.person(insurer=orgs["chiyoda"], insured_number="0000000701")
    hitachi_person = ef.person(insurer=orgs["hitachi"], insured_number="0000000702")
    assert login(cast["alice"]).get("/persons/131011/0000000701/").status_code == 200
    assert login(cast["hank"]).get("/persons/082024/0000000702/").status_code == 200  # not live: still theirs
    assert login(cast["hank"]).get("/persons/131011/0000000701/").status_code == 404
    assert list(AccessLogEntry.objects.filter(outcome="denied").values_list("reason", flat=True)) == [
        "other_insurer"
    ]
    assert chiyoda_person and hitachi_person


def test_offices_with_a_relationship_still_cannot_use_the_municipal_screens(login, cast, orgs):
    person = ef.person(insurer=orgs["chiyoda"], insured_number="0000000703")
    cf.relationship(orgs["kyotaku"], person, by=cast["bob"])
    assert login(cast["bob"]).get("/persons/131011/0000000703/").status_code == 403
    assert login(cast["bob"]).post("/persons/", {"insured_number": "0000000703"}).status_code == 403


def test_the_search_lists_only_own_persons_and_logs_each_shown(login, cast, orgs):
    ef.person(insurer=orgs["chiyoda"], insured_number="0000000704")
    ef.person(insurer=orgs["hitachi"], insured_number="0000000705")
    client = login(cast["alice"])
    client.post("/persons/", {"insured_number": "000000070"})
    page = client.get("/persons/").content.decode()
    assert "0000000704" in page and "0000000705" not in page
    assert list(AccessLogEntry.objects.values_list("insured_number", "outcome")) == [
        ("0000000704", "granted")
    ]
