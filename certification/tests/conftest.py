"""Fixtures of the certification tests: a person of 千代田区 with a certification ending 2027-03-31."""

from __future__ import annotations

import datetime as dt

import pytest

from eligibility.tests import factories as ef


@pytest.fixture
def person(orgs):
    person = ef.person(insurer=orgs["chiyoda"])
    ef.certification(person=person, valid_from=dt.date(2026, 4, 1), valid_to=dt.date(2027, 3, 31))
    return person


@pytest.fixture
def uncertified(orgs):
    return ef.person(insurer=orgs["chiyoda"], name="認定 未了", name_kana="ニンテイ　ミリョウ")
