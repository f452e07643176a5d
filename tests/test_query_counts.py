"""Query counts that do not grow: each busy page takes as many queries with 300 items as with 10.

The pages are the ones a working day leans on: the care manager's caseload, the municipal person search and
person page, the person's own access log, the provider's care-plan inbox and the municipality's
certification dashboard. Each is loaded at 10 items and again at 300 (past the first page where it
paginates); a page that runs a query per item fails.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certification.tests.factories import application
from consent.tests import factories as cf
from eligibility.tests import factories as ef
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import Role
from kaigo_portal.audit.models import Category, Channel, Outcome
from kaigo_portal.audit.services import Access, record

# On PostgreSQL a page's access-log rows are one statement, whatever their number; SQLite splits them into
# batches of about 45 rows (its limit of 999 parameters), which is no query per item but would read as one.
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture(autouse=True)
def _june():
    with time_machine.travel(dt.datetime(2026, 6, 15, 10, tzinfo=JST), tick=False):
        yield


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    if DEBUG_QUERIES:
        print(f"--- {url}: {len(queries)}")
        for query in queries.captured_queries:
            print(query["sql"][:300])
    return len(queries)


DEBUG_QUERIES = False


def _at_10_and_300(client, url: str, grow) -> tuple[int, int]:
    """Queries of the page with 10 items, then with 300 (the first load of each warms session and caches)."""
    grow(10)
    client.get(url)
    at_10 = _queries(client, url)
    grow(290)
    client.get(url)
    return at_10, _queries(client, url)


def _numbers():
    n = 0
    while True:
        n += 1
        yield f"13{n:08d}"


def test_the_caseload(login, cast, orgs):
    numbers = _numbers()

    def grow(count: int) -> None:
        for i in range(count):
            person = ef.person(insurer=orgs["chiyoda"], insured_number=next(numbers))
            cf.relationship(orgs["kyotaku"], person, by=cast["bob"])
            if i % 2:
                cf.consent(person)

    at_10, at_300 = _at_10_and_300(login(cast["bob"]), "/care/caseload/", grow)
    assert at_300 == at_10


def test_the_person_search(login, cast, orgs):
    numbers = _numbers()
    client = login(cast["alice"])

    def grow(count: int) -> None:
        for _ in range(count):
            ef.person(insurer=orgs["chiyoda"], insured_number=next(numbers), name_kana="スズキ　イチロウ")

    grow(10)
    client.post("/persons/", {"name_kana": "スズキ"})  # the terms are held; the result page runs the search
    client.get("/persons/")
    at_10 = _queries(client, "/persons/")
    grow(290)
    client.get("/persons/")
    assert _queries(client, "/persons/") == at_10


def test_the_person_page(login, cast, orgs):
    person = ef.person(insurer=orgs["chiyoda"], insured_number="1310000001")
    made = iter(range(1, 1000))

    def grow(count: int) -> None:
        for _ in range(count):
            n = next(made)
            ef.ledger_line(
                person=person,
                line_id=f"H-{n:04}",
                kind="equipment",
                service_date=dt.date(2026, 4, 1) + dt.timedelta(days=n % 60),
                amount=100,
            )

    at_10, at_300 = _at_10_and_300(login(cast["alice"]), "/persons/131011/1310000001/", grow)
    assert at_300 == at_10


def test_the_persons_own_access_log(login, cast, orgs):
    hanako = ef.person(insurer=orgs["chiyoda"], insured_number="1310000001")
    cf.person_user("pia-own@example.jp", hanako)
    account_user = hanako.account.user

    def grow(count: int) -> None:
        record(
            [
                Access(
                    actor_user_id=cast["bob"].pk,
                    actor_name="bob",
                    organisation_number="1370100016",
                    organisation_name="ケアプランセンター神田",
                    role=Role.CARE_MANAGER,
                    api_key_prefix="",
                    insurer_number="131011",
                    insured_number="1310000001",
                    category=Category.ELIGIBILITY,
                    purpose="care_management",
                    method="mynumber_card",
                    channel=Channel.PAGE,
                    outcome=Outcome.GRANTED,
                    reason="relationship",
                    request_id=f"r{i}",
                )
                for i in range(count)
            ]
        )

    at_10, at_300 = _at_10_and_300(login(account_user), f"/me/{hanako.pk}/access-log/", grow)
    assert at_300 == at_10


def test_the_care_plan_inbox(login, cast, orgs):
    from careplans import services as plan_services
    from careplans.tests import factories as pf

    # The plans are made as the careplans tests make them: on their day (a plan is never dated ahead).
    with time_machine.travel(dt.datetime.combine(pf.TODAY, dt.time(10), tzinfo=JST), tick=False):
        _inbox(login, cast, orgs, plan_services, pf)


def _inbox(login, cast, orgs, plan_services, pf):
    numbers = _numbers()
    bob = Actor(user=cast["bob"], organisation=orgs["kyotaku"], role=Role.CARE_MANAGER)

    def grow(count: int) -> None:
        for _ in range(count):
            person = ef.person(insurer=orgs["chiyoda"], insured_number=next(numbers))
            ef.certification(person=person)
            cf.relationship(orgs["kyotaku"], person, by=cast["bob"])
            cf.relationship(orgs["homon"], person)
            cf.consent(person)
            plan = pf.delivered(actor=bob, person=person)
            plan_services.plan_send(actor=bob, plan=plan, office=orgs["homon"])

    at_10, at_300 = _at_10_and_300(login(cast["carol"]), "/careplans/inbox/", grow)
    assert at_300 == at_10


def test_the_certification_dashboard(login, cast, orgs):
    numbers = _numbers()

    def grow(count: int) -> None:
        for _ in range(count):
            person = ef.person(insurer=orgs["chiyoda"], insured_number=next(numbers))
            application(person=person, applied_on=dt.date(2026, 5, 1))

    at_10, at_300 = _at_10_and_300(login(cast["alice"]), "/certification/applications/", grow)
    assert at_300 == at_10
