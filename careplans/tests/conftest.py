"""Fixtures of the care-plan tests: 花子 of 千代田区, certified 要介護2, served by the 居宅 (bob) and the
訪問介護 office (carol), with consent; pia is her person account. Time stands at 2026-11-20 10:00 JST."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from consent.models import PersonAccount
from consent.tests.factories import consent, relationship
from eligibility.tests import factories as ef
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create

JST = dt.timezone(dt.timedelta(hours=9))
TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _november(request):
    if "browser_page" in request.fixturenames:  # the live server runs on the wall clock
        yield
        return
    with time_machine.travel(dt.datetime(2026, 11, 20, 10, tzinfo=JST), tick=False):
        yield


@pytest.fixture
def hanako(orgs, cast):
    person = ef.person(
        insurer=orgs["chiyoda"], insured_number="0000000501", name="髙﨑 花子", name_kana="タカサキ　ハナコ"
    )
    ef.certification(
        person=person,
        valid_from=dt.date(2026, 4, 1),
        valid_to=dt.date(2027, 3, 31),
        panel_opinion="通所リハビリテーションの利用が望ましい。",
    )
    relationship(orgs["kyotaku"], person)
    relationship(orgs["homon"], person)
    consent(person, on=dt.date(2026, 4, 1))
    PersonAccount.objects.create(user=cast["pia"], person=person)
    return person


def actor(user, org=None, role=None) -> Actor:
    """The Actor of a signed-in user acting in their (only) membership."""
    if user.is_person:
        return Actor(user=user, organisation=None, role=None)
    membership = user.memberships.select_related("organisation").get()
    return Actor(user=user, organisation=membership.organisation, role=membership.role)


@pytest.fixture
def bob(cast):
    return actor(cast["bob"])


@pytest.fixture
def carol(cast):
    return actor(cast["carol"])


@pytest.fixture
def pia(cast):
    return actor(cast["pia"])


def api_client(org, scope: str = ApiScope.CAREPLANS) -> APIClient:
    _key, raw = api_key_create(organisation=org, scope=scope, name="介護ソフト", by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client
