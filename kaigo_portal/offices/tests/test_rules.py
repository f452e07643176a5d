"""The one rule for a named office (issue 22): known, listed now, and of the service the step needs."""

from __future__ import annotations

import datetime as dt

import pytest

from kaigo_portal.accounts.services import api_key_create
from kaigo_portal.errors import ApplicationError
from kaigo_portal.offices import rules, services

from .factories import master
from .test_master import csv_file, row

pytestmark = pytest.mark.django_db
KYOTAKU, HOMON, KYOTAKU2 = "1370100016", "1370100024", "1370100032"


def code_of(call, *args, **kwargs) -> str:
    with pytest.raises(ApplicationError) as refused:
        call(*args, **kwargs)
    assert refused.value.message and not refused.value.message.isascii()  # Japanese, for people
    return refused.value.code


def test_without_a_master_every_office_passes():
    rules.require_listed("1370100099", ["43"])


def test_unknown_unlisted_and_wrong_service_are_told_apart():
    master({KYOTAKU: ["43"], HOMON: ["11"]})
    rules.require_listed(HOMON, ["11"])
    assert code_of(rules.require_listed, KYOTAKU2) == "office.unknown"
    assert code_of(rules.require_listed, HOMON, ["43"]) == "office.wrong_service"
    # The next data no longer lists 訪問介護ステーション九段.
    services.import_files(
        [("jigyosho_110_all_20270120100000.csv", csv_file([row("1370100040", "別の事業所")]))]
    )
    assert code_of(rules.require_listed, HOMON) == "office.not_listed"
    services.office_add_by_hand(office_number=KYOTAKU2, name="新規指定", by="operator")
    rules.require_listed(KYOTAKU2, ["43"])  # added by hand: the operator vouches for it


def test_an_office_unknown_to_the_master_gets_no_api_key(orgs, cast):
    master({KYOTAKU: ["43"]})
    api_key_create(organisation=orgs["kyotaku"], scope="read", name="受付", by=None)
    assert code_of(api_key_create, organisation=orgs["kyotaku2"], scope="read", name="受付", by=None) == (
        "office.unknown"
    )


def test_a_subsidy_application_names_the_service_types_the_master_lists(orgs, cast):
    from subsidies.models import ProgramYear
    from subsidies.services import application_create

    year = ProgramYear.objects.get(fiscal_year=2026)
    master({KYOTAKU: ["13"]})  # the master lists 訪問看護; the portal's organisation says 居宅介護支援 (43)
    refused = code_of(application_create, office=orgs["kyotaku"], program_year=year, by=cast["olive"])
    assert refused == "office.wrong_service"


def test_a_relationship_is_opened_only_by_a_listed_office(orgs, cast):
    from consent.services import relationship_verify_insurance_card
    from eligibility.tests import factories as ef

    person = ef.person(insurer=orgs["chiyoda"], name_kana="カイゴ ハナコ", birth_date=dt.date(1940, 1, 2))
    master({HOMON: ["11"]})
    assert (
        code_of(
            relationship_verify_insurance_card,
            office=orgs["kyotaku"],
            by=cast["bob"],
            insurer_number="131011",
            insured_number=person.insured_number,
            name_kana="カイゴ ハナコ",
            birth_date=dt.date(1940, 1, 2),
        )
        == "office.unknown"
    )
