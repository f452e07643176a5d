"""Fixtures of the opinions tests: a person of 千代田区 and a request to dan's clinic (千代田内科クリニック)."""

from __future__ import annotations

import datetime as dt

import pytest

from eligibility.models import InsuredCategory

from . import factories
from .factories import opinion_request


@pytest.fixture
def person(orgs):
    return factories.person(insurer=orgs["chiyoda"], name="意見 花子", name_kana="イケン　ハナコ")


@pytest.fixture
def second_person(orgs):
    """A 第2号被保険者 (aged 40–64)."""
    return factories.person(
        insurer=orgs["chiyoda"],
        name="二号 太郎",
        name_kana="ニゴウ　タロウ",
        birth_date=dt.date(1970, 4, 1),
        category=InsuredCategory.SECOND,
    )


@pytest.fixture
def request_(person, orgs, cast):
    return opinion_request(person=person, clinic=orgs["clinic"])


@pytest.fixture(scope="session")
def pki_session():
    from .pki import TestPki

    return TestPki()


@pytest.fixture
def pki(pki_session, settings, tmp_path):
    """The test PKI with its root configured as the only trust anchor."""
    anchor = tmp_path / "opinion-trust-anchor.pem"
    anchor.write_bytes(pki_session.root.pem)
    settings.KAIGO_OPINION_TRUST_ANCHOR_FILES = [str(anchor)]
    return pki_session
