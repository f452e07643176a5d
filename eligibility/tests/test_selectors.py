"""The eligibility reads: "as of a date", history, the benefit-limit master, the 住宅改修 / 福祉用具購入
remainders, and the person searches through the access policy."""

from __future__ import annotations

import datetime as dt

import pytest

from kaigo_portal import access
from kaigo_portal.audit.models import AccessLogEntry, Category, Channel, Outcome

from .. import selectors
from ..models import (
    BenefitLimit,
    BurdenRatioVersion,
    CareLevel,
    CertificationVersion,
    CostLimitVersion,
    LedgerKind,
    LedgerLineVersion,
    PersonVersion,
    RestrictionKind,
    RestrictionVersion,
)
from . import factories as f

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def chiyoda(orgs):
    return orgs["chiyoda"]


@pytest.fixture
def person(chiyoda):
    return f.person(insurer=chiyoda, effective_date=D(2020, 1, 1), address="千代田区神田一丁目")


def actor_of(user, org, role) -> access.Actor:
    return access.Actor(user=user, organisation=org, role=role)


# --- as of a date -----------------------------------------------------------------------------------


def test_a_record_exists_from_its_effective_date_on(person):
    assert selectors.current_versions(PersonVersion, person, D(2019, 12, 31)) == []
    [version] = selectors.current_versions(PersonVersion, person, D(2020, 1, 1))
    assert version.address == "千代田区神田一丁目"


def test_a_later_change_wins_from_its_own_date(person):
    f.person_version(person=person, effective_date=D(2024, 4, 1), address="千代田区麹町二丁目")
    assert [v.address for v in selectors.current_versions(PersonVersion, person, D(2024, 3, 31))] == [
        "千代田区神田一丁目"
    ]
    assert [v.address for v in selectors.current_versions(PersonVersion, person, D(2024, 4, 1))] == [
        "千代田区麹町二丁目"
    ]


def test_of_two_versions_on_the_same_day_the_one_recorded_last_wins(person):
    f.person_version(person=person, effective_date=D(2024, 4, 1), address="一回目")
    f.person_version(person=person, effective_date=D(2024, 4, 1), address="二回目")
    [version] = selectors.current_versions(PersonVersion, person, D(2024, 4, 1))
    assert version.address == "二回目"


def test_a_deletion_hides_the_record_from_its_date_and_not_before(person):
    f.person_version(person=person, effective_date=D(2025, 1, 1), deleted=True)
    assert len(selectors.current_versions(PersonVersion, person, D(2024, 12, 31))) == 1
    assert selectors.current_versions(PersonVersion, person, D(2025, 1, 1)) == []
    assert selectors.current_versions(PersonVersion, person, D(2030, 1, 1)) == []


def test_a_record_added_again_after_a_deletion_is_back(person):
    f.person_version(person=person, effective_date=D(2025, 1, 1), deleted=True)
    f.person_version(person=person, effective_date=D(2025, 6, 1), address="再取得")
    assert [v.address for v in selectors.current_versions(PersonVersion, person, D(2025, 6, 1))] == ["再取得"]


def test_a_period_record_counts_only_inside_its_period(person):
    # Recorded on 3/15 for a period that starts on 4/1: known, but not yet in force.
    f.certification(
        person=person, valid_from=D(2026, 4, 1), valid_to=D(2027, 3, 31), effective_date=D(2026, 3, 15)
    )
    assert selectors.current_versions(CertificationVersion, person, D(2026, 3, 20)) == []
    assert len(selectors.current_versions(CertificationVersion, person, D(2026, 4, 1))) == 1
    assert len(selectors.current_versions(CertificationVersion, person, D(2027, 3, 31))) == 1
    assert selectors.current_versions(CertificationVersion, person, D(2027, 4, 1)) == []


def test_a_change_that_shortens_the_period_ends_the_record_earlier(person):
    f.certification(person=person, valid_from=D(2026, 4, 1), valid_to=D(2027, 3, 31))
    f.certification(
        person=person, valid_from=D(2026, 4, 1), valid_to=D(2026, 9, 30), effective_date=D(2026, 8, 20)
    )
    on = D(2026, 10, 1)
    assert selectors.current_versions(CertificationVersion, person, on) == []
    # Before the change was effective, the longer period was what the municipality held.
    assert selectors.current_versions(CertificationVersion, person, D(2026, 8, 19))[0].valid_to == D(
        2027, 3, 31
    )


def test_records_with_different_keys_live_side_by_side(person):
    old = f.certification(
        person=person, care_level=CareLevel.KAIGO1, valid_from=D(2025, 4, 1), valid_to=D(2026, 3, 31)
    )
    new = f.certification(
        person=person, care_level=CareLevel.KAIGO3, valid_from=D(2026, 4, 1), valid_to=D(2027, 3, 31)
    )
    assert selectors.current_versions(CertificationVersion, person, D(2026, 3, 31)) == [old]
    assert selectors.current_versions(CertificationVersion, person, D(2026, 4, 1)) == [new]
    reimbursement = f.restriction(person=person, kind=RestrictionKind.REIMBURSEMENT, valid_from=D(2026, 6, 1))
    reduction = f.restriction(person=person, kind=RestrictionKind.REDUCTION, valid_from=D(2026, 7, 1))
    assert selectors.current_versions(RestrictionVersion, person, D(2026, 7, 1)) == [reimbursement, reduction]
    f.restriction(
        person=person,
        kind=RestrictionKind.REIMBURSEMENT,
        valid_from=D(2026, 6, 1),
        effective_date=D(2026, 8, 1),
        deleted=True,
    )
    assert selectors.current_versions(RestrictionVersion, person, D(2026, 8, 1)) == [reduction]


def test_an_open_ended_restriction_runs_until_changed(person):
    f.restriction(person=person, valid_from=D(2026, 6, 1), valid_to=None)
    assert len(selectors.current_versions(RestrictionVersion, person, D(2040, 1, 1))) == 1


def test_versions_as_of_gives_the_same_answer_on_loaded_versions(person):
    f.certification(person=person, valid_from=D(2025, 4, 1), valid_to=D(2026, 3, 31))
    f.certification(person=person, valid_from=D(2026, 4, 1), valid_to=D(2027, 3, 31))
    f.certification(
        person=person,
        valid_from=D(2026, 4, 1),
        valid_to=D(2027, 3, 31),
        effective_date=D(2026, 9, 1),
        deleted=True,
    )
    loaded = list(CertificationVersion.objects.filter(person=person).order_by("-id"))  # any order
    for on in (D(2025, 3, 31), D(2025, 4, 1), D(2026, 4, 1), D(2026, 9, 1), D(2027, 4, 1)):
        assert selectors.versions_as_of(CertificationVersion, loaded, on) == selectors.current_versions(
            CertificationVersion, person, on
        )


# --- history ----------------------------------------------------------------------------------------


def test_history_is_every_version_by_effective_date_then_recording_order(person, chiyoda):
    job = f.import_job(insurer=chiyoda)
    later = f.person_version(person=person, effective_date=D(2024, 4, 1), address="後", job=job, line=7)
    deletion = f.person_version(person=person, effective_date=D(2025, 1, 1), deleted=True)
    earlier = f.person_version(person=person, effective_date=D(2022, 4, 1), address="前")
    same_day = f.person_version(person=person, effective_date=D(2024, 4, 1), address="同日")
    first = PersonVersion.objects.get(person=person, effective_date=D(2020, 1, 1))
    history = list(selectors.history(PersonVersion, person))
    assert history == [first, earlier, later, same_day, deletion]
    assert (history[2].job, history[2].line) == (job, 7)
    assert history[-1].deleted


def test_history_is_per_person(chiyoda, person):
    other = f.person(insurer=chiyoda)
    assert list(selectors.history(PersonVersion, other)) == list(PersonVersion.objects.filter(person=other))
    assert all(v.person_id == person.pk for v in selectors.history(PersonVersion, person))


# --- 区分支給限度基準額 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "units"),
    [
        (CareLevel.SHIEN1, 5_032), (CareLevel.SHIEN2, 10_531), (CareLevel.KAIGO1, 16_765),
        (CareLevel.KAIGO2, 19_705), (CareLevel.KAIGO3, 27_048), (CareLevel.KAIGO4, 30_938),
        (CareLevel.KAIGO5, 36_217), (CareLevel.JIGYOTAISHO, None), (CareLevel.NOT_APPLICABLE, None),
    ],
)  # fmt: skip
def test_the_benefit_limit_comes_from_the_2019_master(level, units):
    assert selectors.benefit_limit_on(level, D(2026, 4, 1)) == units
    assert selectors.benefit_limit_on(level, D(2019, 10, 1)) == units


def test_no_benefit_limit_before_the_master_starts():
    assert selectors.benefit_limit_on(CareLevel.KAIGO1, D(2019, 9, 30)) is None


def test_a_revised_master_applies_from_its_date():
    BenefitLimit.objects.filter(care_level=CareLevel.KAIGO1).update(effective_to=D(2027, 3, 31))
    BenefitLimit.objects.create(care_level=CareLevel.KAIGO1, effective_from=D(2027, 4, 1), units=17_000)
    assert selectors.benefit_limit_on(CareLevel.KAIGO1, D(2027, 3, 31)) == 16_765
    assert selectors.benefit_limit_on(CareLevel.KAIGO1, D(2027, 4, 1)) == 17_000


def test_the_card_gathers_the_three_panels_as_of_a_date(person):
    f.certification(
        person=person, care_level=CareLevel.KAIGO2, valid_from=D(2026, 4, 1), valid_to=D(2027, 3, 31)
    )
    ratio = f.burden_ratio(person=person, ratio=2, valid_from=D(2025, 8, 1), valid_to=D(2026, 7, 31))
    limit = f.cost_limit(person=person)
    restriction = f.restriction(person=person, valid_from=D(2026, 4, 1))
    card = selectors.card_as_of(person, D(2026, 5, 1))
    assert card.identity.address == "千代田区神田一丁目"
    assert (card.certification.care_level, card.benefit_limit) == (CareLevel.KAIGO2, 19_705)
    assert (card.burden_ratio, card.cost_limit, card.restrictions) == (ratio, limit, [restriction])
    later = selectors.card_as_of(person, D(2026, 8, 1))  # the 負担割合 and 負担限度額 ran out on 7/31
    assert (later.burden_ratio, later.cost_limit) == (None, None)
    before = selectors.card_as_of(person, D(2026, 3, 31))
    assert (before.certification, before.benefit_limit, before.restrictions) == (None, None, [])


def _fields(instance):
    if instance is None:
        return None
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_card_in_one_statement_matches_the_per_table_reads(person, django_assert_num_queries):
    """Every field of every panel, converted back by the backend, as the ORM reads it table by table."""
    f.person_version(person=person, effective_date=D(2026, 6, 1), address="千代田区麹町二丁目", deleted=False)
    f.certification(
        person=person, care_level=CareLevel.KAIGO2, valid_from=D(2025, 4, 1), valid_to=D(2026, 3, 31)
    )
    f.certification(
        person=person,
        care_level=CareLevel.KAIGO3,
        valid_from=D(2026, 4, 1),
        valid_to=D(2027, 3, 31),
        panel_opinion="通所リハビリテーションが必要",
    )
    f.burden_ratio(person=person, ratio=2, valid_from=D(2025, 8, 1), valid_to=D(2026, 7, 31))
    f.burden_ratio(person=person, ratio=3, valid_from=D(2026, 8, 1), valid_to=D(2027, 7, 31))
    f.cost_limit(person=person)
    f.restriction(person=person, valid_from=D(2026, 4, 1))
    f.restriction(person=person, valid_from=D(2026, 4, 1), effective_date=D(2026, 9, 1), deleted=True)
    for on in (D(2019, 12, 31), D(2026, 3, 31), D(2026, 5, 1), D(2026, 8, 15), D(2026, 9, 1), D(2027, 4, 1)):
        with django_assert_num_queries(1):
            card = selectors.card_as_of(person, on)
        identity = selectors.current_versions(PersonVersion, person, on)
        certifications = selectors.current_versions(CertificationVersion, person, on)
        assert _fields(card.identity) == _fields(identity[0] if identity else None)
        assert _fields(card.certification) == _fields(certifications[-1] if certifications else None)
        expected_limit = (
            selectors.benefit_limit_on(certifications[-1].care_level, on) if certifications else None
        )
        assert card.benefit_limit == expected_limit
        for panel, model in ((card.burden_ratio, BurdenRatioVersion), (card.cost_limit, CostLimitVersion)):
            current = selectors.current_versions(model, person, on)
            assert _fields(panel) == _fields(current[-1] if current else None)
        assert [_fields(r) for r in card.restrictions] == [
            _fields(r) for r in selectors.current_versions(RestrictionVersion, person, on)
        ]
    assert selectors.card_as_of(person, D(2026, 9, 1)).restrictions == []
    assert selectors.card_as_of(person, D(2026, 8, 15)).burden_ratio.ratio == 3


# --- 住宅改修: ¥200,000 per dwelling ----------------------------------------------------------------

HOME = "千代田区神田一丁目1番地"
NEW_HOME = "千代田区麹町二丁目2番地"
THIRD_HOME = "千代田区九段南三丁目3番地"


def certified(person, level, year):
    return f.certification(
        person=person, care_level=level, valid_from=D(year, 4, 1), valid_to=D(year + 1, 3, 31)
    )


def housing(person, line_id, on, amount, dwelling=HOME, **fields):
    return f.ledger_line(
        person=person,
        line_id=line_id,
        kind=LedgerKind.HOUSING,
        service_date=on,
        amount=amount,
        dwelling=dwelling,
        **fields,
    )


def test_housing_remainder_counts_every_line_at_one_dwelling(person):
    certified(person, CareLevel.KAIGO1, 2026)
    first = housing(person, "H1", D(2026, 5, 10), 50_000)
    second = housing(person, "H2", D(2026, 9, 1), 30_000)
    remainder = selectors.housing_remainder(person, D(2026, 12, 1))
    assert (remainder.cap, remainder.used, remainder.remaining) == (200_000, 80_000, 120_000)
    assert (remainder.period_start, remainder.lines) == (D(2026, 5, 10), (first, second))


def test_housing_remainder_never_goes_below_zero(person):
    certified(person, CareLevel.KAIGO1, 2026)
    housing(person, "H1", D(2026, 5, 10), 230_000)
    assert selectors.housing_remainder(person, D(2026, 6, 1)).remaining == 0


def test_housing_remainder_without_lines_is_the_whole_allowance(person):
    remainder = selectors.housing_remainder(person, D(2026, 6, 1))
    assert (remainder.used, remainder.remaining, remainder.period_start, remainder.lines) == (
        0,
        200_000,
        None,
        (),
    )


def test_a_move_starts_a_new_allowance(person):
    certified(person, CareLevel.KAIGO1, 2026)
    housing(person, "H1", D(2026, 5, 10), 150_000)
    moved = housing(person, "H2", D(2026, 11, 1), 40_000, dwelling=NEW_HOME)
    remainder = selectors.housing_remainder(person, D(2026, 12, 1))
    assert (remainder.used, remainder.remaining, remainder.period_start) == (40_000, 160_000, D(2026, 11, 1))
    assert remainder.lines == (moved,)
    # As of a day before the move, the first dwelling's allowance is what was left.
    assert selectors.housing_remainder(person, D(2026, 10, 31)).remaining == 50_000


def test_a_rise_of_three_stages_resets_the_allowance(person):
    certified(person, CareLevel.SHIEN1, 2025)  # stage 1
    housing(person, "H1", D(2025, 6, 1), 180_000)
    certified(person, CareLevel.KAIGO3, 2026)  # stage 4: three stages up
    after = housing(person, "H2", D(2026, 6, 1), 50_000)
    remainder = selectors.housing_remainder(person, D(2026, 7, 1))
    assert (remainder.used, remainder.remaining, remainder.period_start, remainder.lines) == (
        50_000,
        150_000,
        D(2026, 6, 1),
        (after,),
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (CareLevel.SHIEN1, CareLevel.KAIGO2),
        (CareLevel.SHIEN2, CareLevel.KAIGO3),
        (CareLevel.KAIGO1, CareLevel.KAIGO3),
    ],
)
def test_a_rise_of_fewer_than_three_stages_does_not_reset(person, before, after):
    # 要支援2 and 要介護1 are the same stage (2), so 要支援2 → 要介護3 is two stages, not four.
    certified(person, before, 2025)
    housing(person, "H1", D(2025, 6, 1), 180_000)
    certified(person, after, 2026)
    housing(person, "H2", D(2026, 6, 1), 10_000)
    assert selectors.housing_remainder(person, D(2026, 7, 1)).used == 190_000


def test_the_three_stage_reset_happens_only_once(person):
    certified(person, CareLevel.SHIEN1, 2024)  # stage 1
    housing(person, "H1", D(2024, 6, 1), 100_000)
    certified(person, CareLevel.KAIGO3, 2025)  # stage 4: the one reset
    housing(person, "H2", D(2025, 6, 1), 100_000)
    certified(person, CareLevel.SHIEN1, 2026)  # back to stage 1, at a new home: a new allowance by the move
    housing(person, "H3", D(2026, 6, 1), 120_000, dwelling=NEW_HOME)
    certified(person, CareLevel.KAIGO3, 2027)  # stage 4 again: three up, but the reset is spent
    housing(person, "H4", D(2027, 6, 1), 50_000, dwelling=NEW_HOME)
    remainder = selectors.housing_remainder(person, D(2027, 7, 1))
    assert (remainder.used, remainder.remaining, remainder.period_start) == (170_000, 30_000, D(2026, 6, 1))


def test_a_move_together_with_a_rise_does_not_spend_the_stage_reset(person):
    certified(person, CareLevel.SHIEN1, 2023)
    housing(person, "H1", D(2023, 6, 1), 100_000)
    certified(person, CareLevel.KAIGO3, 2024)
    housing(person, "H2", D(2024, 6, 1), 100_000, dwelling=NEW_HOME)  # moved and risen: counted as the move
    certified(person, CareLevel.SHIEN1, 2025)
    housing(person, "H3", D(2025, 6, 1), 100_000, dwelling=THIRD_HOME)  # moved again, at stage 1
    certified(person, CareLevel.KAIGO3, 2026)
    housing(person, "H4", D(2026, 6, 1), 30_000, dwelling=THIRD_HOME)  # three up: the reset is still there
    remainder = selectors.housing_remainder(person, D(2026, 7, 1))
    assert (remainder.used, remainder.period_start) == (30_000, D(2026, 6, 1))


def test_deleted_and_changed_lines_count_as_they_stand(person):
    certified(person, CareLevel.KAIGO1, 2026)
    housing(person, "H1", D(2026, 5, 10), 50_000)
    housing(person, "H1", D(2026, 5, 10), 0, effective_date=D(2026, 8, 1), deleted=True)
    housing(person, "H2", D(2026, 6, 1), 30_000)
    housing(person, "H2", D(2026, 6, 1), 35_000, effective_date=D(2026, 8, 1))  # corrected amount
    assert selectors.housing_remainder(person, D(2026, 7, 31)).used == 80_000
    assert selectors.housing_remainder(person, D(2026, 8, 1)).used == 35_000


def test_equipment_lines_do_not_count_against_housing(person):
    f.ledger_line(
        person=person, line_id="E1", kind=LedgerKind.EQUIPMENT, service_date=D(2026, 5, 1), amount=40_000
    )
    assert selectors.housing_remainder(person, D(2026, 6, 1)).used == 0


def test_housing_remainder_reads_the_certifications_once(person, django_assert_num_queries):
    for year in (2022, 2023, 2024, 2025, 2026):
        certified(person, CareLevel.KAIGO1, year)
        housing(person, f"H{year}", D(year, 6, 1), 10_000)
    with django_assert_num_queries(2):  # the ledger lines, then the certifications
        assert selectors.housing_remainder(person, D(2026, 7, 1)).used == 50_000


# --- 福祉用具購入: ¥100,000 per fiscal year ---------------------------------------------------------


def equipment(person, line_id, on, amount, **fields):
    return f.ledger_line(
        person=person, line_id=line_id, kind=LedgerKind.EQUIPMENT, service_date=on, amount=amount, **fields
    )


def test_equipment_remainder_is_per_fiscal_year_from_april_first(person):
    march = equipment(person, "E1", D(2026, 3, 31), 60_000)
    april = equipment(person, "E2", D(2026, 4, 1), 30_000)
    on_31 = selectors.equipment_remainder(person, D(2026, 3, 31))
    assert (on_31.used, on_31.remaining, on_31.period_start, on_31.lines) == (
        60_000,
        40_000,
        D(2025, 4, 1),
        (march,),
    )
    on_1 = selectors.equipment_remainder(person, D(2026, 4, 1))
    assert (on_1.used, on_1.remaining, on_1.period_start, on_1.lines) == (
        30_000,
        70_000,
        D(2026, 4, 1),
        (april,),
    )


def test_equipment_remainder_ignores_deleted_lines_and_housing(person):
    equipment(person, "E1", D(2026, 5, 1), 70_000)
    equipment(person, "E1", D(2026, 5, 1), 0, effective_date=D(2026, 6, 1), deleted=True)
    equipment(person, "E2", D(2026, 5, 2), 20_000)
    housing(person, "H1", D(2026, 5, 3), 100_000)
    assert selectors.equipment_remainder(person, D(2026, 5, 31)).used == 90_000
    assert selectors.equipment_remainder(person, D(2026, 6, 1)).used == 20_000


def test_a_purchase_after_the_day_asked_about_does_not_count(person):
    equipment(person, "E1", D(2026, 5, 1), 30_000)
    equipment(
        person, "E2", D(2026, 6, 10), 20_000, effective_date=D(2026, 6, 1)
    )  # recorded ahead of the date
    assert selectors.equipment_remainder(person, D(2026, 6, 5)).used == 30_000
    assert selectors.equipment_remainder(person, D(2026, 6, 10)).used == 50_000


def test_equipment_remainder_never_goes_below_zero(person):
    equipment(person, "E1", D(2026, 5, 1), 80_000)
    equipment(person, "E2", D(2026, 6, 1), 40_000)
    assert selectors.equipment_remainder(person, D(2026, 7, 1)).remaining == 0


@pytest.mark.parametrize(
    ("on", "start"),
    [(D(2026, 3, 31), D(2025, 4, 1)), (D(2026, 4, 1), D(2026, 4, 1)), (D(2026, 1, 1), D(2025, 4, 1)),
     (D(2026, 12, 31), D(2026, 4, 1))],
)  # fmt: skip
def test_fiscal_year_starts_on_april_first(on, start):
    assert selectors.fiscal_year_start(on) == start


# --- searching and fetching through the door -------------------------------------------------------


@pytest.fixture
def people(orgs):
    chiyoda, hitachi = orgs["chiyoda"], orgs["hitachi"]
    return {
        "hanako": f.person(insurer=chiyoda, insured_number="1310000001", name_kana="カイゴ　ハナコ"),
        "taro": f.person(
            insurer=chiyoda, insured_number="1310000002", name_kana="カイゴ タロウ", birth_date=D(1950, 4, 1)
        ),
        "jiro": f.person(insurer=chiyoda, insured_number="1320000003", name_kana="サトウ　ジロウ"),
        "hitachi": f.person(insurer=hitachi, insured_number="1310000001", name_kana="カイゴ　ハナコ"),
    }


def test_persons_for_searches_the_actors_insurer_only(cast, orgs, people):
    alice = actor_of(cast["alice"], orgs["chiyoda"], "municipal_staff")
    search = lambda **criteria: list(selectors.persons_for(alice, category=Category.ELIGIBILITY, **criteria))  # noqa: E731
    assert search(insured_number="131") == [people["taro"], people["hanako"]]  # by kana, then number
    assert search(name_kana="サトウ") == [people["jiro"]]
    assert search(birth_date=D(1950, 4, 1)) == [people["taro"]]
    assert search(name_kana="カイゴ", insured_number="1310000001") == [people["hanako"]]
    assert search(name_kana="ヤマダ") == []


def test_a_kana_search_matches_either_kind_of_space(cast, orgs, people):
    alice = actor_of(cast["alice"], orgs["chiyoda"], "municipal_staff")
    for query in ("カイゴ ハ", "カイゴ　ハ"):
        assert list(selectors.persons_for(alice, category=Category.ELIGIBILITY, name_kana=query)) == [
            people["hanako"]
        ]
    for query in ("カイゴ タ", "カイゴ　タ"):
        assert list(selectors.persons_for(alice, category=Category.ELIGIBILITY, name_kana=query)) == [
            people["taro"]
        ]


def test_a_kanji_name_search_matches_a_prefix_with_either_space_in_the_actors_insurer(cast, orgs):
    chiyoda, hitachi = orgs["chiyoda"], orgs["hitachi"]
    kazuko = f.person(
        insurer=chiyoda, insured_number="1310000011", name="伊藤　和子", name_kana="イトウ　カズコ"
    )
    kazuo = f.person(
        insurer=chiyoda, insured_number="1310000012", name="伊藤 和夫", name_kana="イトウ　カズオ"
    )
    f.person(insurer=chiyoda, insured_number="1310000013", name="佐藤　和子", name_kana="サトウ　カズコ")
    f.person(insurer=hitachi, insured_number="1310000011", name="伊藤　和子", name_kana="イトウ　カズコ")
    alice = actor_of(cast["alice"], orgs["chiyoda"], "municipal_staff")
    search = lambda name: list(selectors.persons_for(alice, category=Category.ELIGIBILITY, name=name))  # noqa: E731
    assert search("伊藤") == [kazuo, kazuko]  # in kana order, the other insurer's 伊藤 not among them
    assert search("伊藤　和子") == [kazuko]
    assert search("伊藤 和") == [kazuo, kazuko]
    assert search("和子") == []  # a prefix, not a part


@pytest.mark.parametrize(
    ("typed", "searched"),
    [("伊藤", "伊藤"), ("伊藤  和子", "伊藤\u3000和子"), ("ＩＴＯ", "ITO"), ("", "")],
)
def test_the_kanji_name_field_folds_width_and_spaces(typed, searched):
    from eligibility.forms import PersonSearchForm

    form = PersonSearchForm({"name": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == searched


def test_the_kanji_name_field_refuses_digits_with_a_pointer_to_the_number_field():
    from eligibility.forms import PersonSearchForm

    form = PersonSearchForm({"name": "伊藤1"})
    assert not form.is_valid()
    assert "被保険者番号の欄で検索" in form.errors["name"][0]


def test_persons_for_shows_offices_nobody_under_the_fallback_rules(cast, orgs, people):
    bob = actor_of(cast["bob"], orgs["kyotaku"], "care_manager")
    assert not selectors.persons_for(bob, category=Category.ELIGIBILITY, insured_number="1").exists()
    hank = actor_of(cast["hank"], orgs["hitachi"], "municipal_staff")
    assert list(selectors.persons_for(hank, category=Category.ELIGIBILITY, name_kana="カイゴ")) == [
        people["hitachi"]
    ]


def test_person_for_fetches_authorises_and_logs(cast, orgs, people):
    alice = actor_of(cast["alice"], orgs["chiyoda"], "municipal_staff")
    found = selectors.person_for(
        alice,
        insurer_id=orgs["chiyoda"].pk,
        insured_number="1310000001",
        category=Category.ELIGIBILITY,
        purpose=access.Purpose.INSURER_ADMINISTRATION,
    )
    assert found == people["hanako"]
    row = AccessLogEntry.objects.get()
    assert (row.insurer_number, row.insured_number, row.category, row.channel, row.outcome) == (
        "131011",
        "1310000001",
        Category.ELIGIBILITY,
        Channel.PAGE,
        Outcome.GRANTED,
    )


def test_person_for_another_insurer_is_a_logged_404(cast, orgs, people):
    hank = actor_of(cast["hank"], orgs["hitachi"], "municipal_staff")
    with pytest.raises(access.NotVisible):
        selectors.person_for(
            hank,
            insurer_id=orgs["chiyoda"].pk,
            insured_number="1310000001",
            category=Category.ELIGIBILITY,
            purpose=access.Purpose.INSURER_ADMINISTRATION,
        )
    row = AccessLogEntry.objects.get()
    assert (row.actor_user_id, row.insurer_number, row.outcome) == (cast["hank"].pk, "131011", Outcome.DENIED)


def test_person_for_an_unknown_number_is_a_404(cast, orgs, people):
    alice = actor_of(cast["alice"], orgs["chiyoda"], "municipal_staff")
    with pytest.raises(access.NotVisible):
        selectors.person_for(
            alice,
            insurer_id=orgs["chiyoda"].pk,
            insured_number="9999999999",
            category=Category.ELIGIBILITY,
            purpose=access.Purpose.INSURER_ADMINISTRATION,
        )


def test_ledger_lines_keep_their_own_key(person):
    housing(person, "H1", D(2026, 5, 10), 50_000)
    housing(person, "H2", D(2026, 5, 10), 20_000)
    assert [
        line.line_id for line in selectors.current_versions(LedgerLineVersion, person, D(2026, 6, 1))
    ] == [
        "H1",
        "H2",
    ]


def test_a_person_is_found_by_the_two_numbers_in_one_statement(
    person, chiyoda, orgs, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found = selectors.person_by_numbers(chiyoda.insurer_number, person.insured_number)
    assert _fields(found) == _fields(type(person).objects.get(pk=person.pk))
    assert _fields(found.insurer) == _fields(type(chiyoda).objects.get(pk=chiyoda.pk))
    assert found.insurer.is_live() == chiyoda.is_live()
    assert selectors.person_by_numbers(orgs["hitachi"].insurer_number, person.insured_number) is None
    assert selectors.person_by_numbers(chiyoda.insurer_number, "9999999999") is None
