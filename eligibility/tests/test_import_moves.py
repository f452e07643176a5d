"""Moves in the insurer's import (issue 22): 資格喪失 and 取得 with their reasons, §11's dates, the link to the
record at the old insurer, and 住所地特例 (§13)."""

from __future__ import annotations

import csv
import io

import pytest

from eligibility.models import InsuredPerson, LossReason, PersonVersion, SpecialResidence
from eligibility.tests.importing import PERSON, issues_of, run_job

pytestmark = pytest.mark.django_db


def csv_of(rows: list[dict]) -> bytes:
    names = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def lost(reason: str, event: str, disqualified: str, **more) -> dict:
    return PERSON | {
        "action": "change",
        "effective_date": event,
        "loss_reason": reason,
        "loss_event_on": event,
        "disqualified_on": disqualified,
        **more,
    }


def codes(job) -> list[tuple[str, str, str]]:
    return [(issue[1], issue[3], issue[5]) for issue in issues_of(job)]


# (label, reason, the event's day, the 資格喪失日 §11 gives)
ELEVEN = [
    ("a move with the same day's 転入 elsewhere ends that day", "11", "2026-10-15", "2026-10-15"),
    ("another move ends the next day", "12", "2026-10-15", "2026-10-16"),
    ("death ends the next day", "21", "2026-10-15", "2026-10-16"),
    ("emigration ends the next day", "22", "2026-10-31", "2026-11-01"),
    ("entering an 適用除外施設 ends the next day", "23", "2026-12-31", "2027-01-01"),
]


@pytest.mark.parametrize(("label", "reason", "event", "expected"), ELEVEN, ids=[c[0] for c in ELEVEN])
def test_the_loss_is_dated_as_section_11_says(orgs, label, reason, event, expected):
    job = run_job(orgs["chiyoda"], csv_of([PERSON, lost(reason, event, expected)]))
    assert job.status == "succeeded", codes(job)
    version = PersonVersion.objects.filter(loss_reason=reason).get()
    assert version.disqualified_on.isoformat() == expected and version.loss_event_on.isoformat() == event


@pytest.mark.parametrize(("label", "reason", "event", "expected"), ELEVEN, ids=[c[0] for c in ELEVEN])
def test_a_loss_dated_otherwise_is_an_error_that_names_the_right_day(orgs, label, reason, event, expected):
    wrong = "2026-10-20" if expected != "2026-10-20" else "2026-10-21"
    job = run_job(orgs["chiyoda"], csv_of([PERSON, lost(reason, event, wrong)]))
    assert job.status == "rejected"
    assert ("disqualified_on", "person.loss_date_rule", "エラー") in codes(job)
    message = next(issue[4] for issue in issues_of(job) if issue[3] == "person.loss_date_rule")
    assert "介護保険法第11条" in message and f"（{int(expected[:4])}年" in message  # 和暦 with 西暦
    assert not InsuredPerson.objects.exists()  # all or nothing


def test_a_second_insured_person_leaving_medical_insurance_loses_it_that_day(orgs):
    second = PERSON | {"birth_date": "1970-05-10", "qualified_on": "2010-05-09", "category": "2"}
    job = run_job(orgs["chiyoda"], csv_of([second, lost("31", "2026-09-30", "2026-09-30", category="2")]))
    assert job.status == "succeeded", codes(job)
    the_next_day = run_job(
        orgs["chiyoda"],
        csv_of([lost("31", "2026-09-30", "2026-10-01", category="2", effective_date="2026-10-01")]),
    )
    assert ("disqualified_on", "person.loss_date_rule", "エラー") in codes(the_next_day)
    first = run_job(
        orgs["chiyoda"], csv_of([lost("31", "2026-09-30", "2026-09-30", effective_date="2026-10-02")])
    )
    assert ("loss_reason", "person.loss_reason_category", "エラー") in codes(first)  # 第1号: not this reason


def test_a_loss_without_its_reason_or_its_day_is_reported(orgs):
    no_reason = PERSON | {"insured_number": "0000000002", "disqualified_on": "2026-10-16"}
    no_day = PERSON | {
        "insured_number": "0000000003",
        "loss_reason": LossReason.DEATH,
        "disqualified_on": "2026-10-16",
    }
    no_date = PERSON | {"insured_number": "0000000004", "loss_reason": LossReason.DEATH}
    job = run_job(orgs["chiyoda"], csv_of([no_reason, no_day, no_date]))
    assert set(codes(job)) == {
        ("loss_reason", "person.loss_reason_missing", "警告"),
        ("loss_event_on", "person.loss_event_missing", "エラー"),
        ("disqualified_on", "person.loss_date_missing", "エラー"),
    }


def test_a_move_in_names_the_record_at_the_old_insurer(orgs):
    moved_in = PERSON | {
        "insurer_number": "082024",
        "insured_number": "0000000501",
        "qualified_on": "2026-10-15",
        "effective_date": "2026-10-15",
        "acquisition_reason": "02",
        "previous_insurer_number": "131011",
        "previous_insured_number": "0000000001",
    }
    job = run_job(orgs["hitachi"], csv_of([moved_in]))
    assert job.status == "succeeded", codes(job)
    version = PersonVersion.objects.get()
    assert (version.previous_insurer_number, version.previous_insured_number) == ("131011", "0000000001")
    half = moved_in | {"insured_number": "0000000502", "previous_insured_number": ""}
    own = moved_in | {"insured_number": "0000000503", "previous_insurer_number": "082024"}
    job = run_job(orgs["hitachi"], csv_of([half, own]))
    assert set(codes(job)) >= {
        ("previous_insured_number", "person.previous_incomplete", "エラー"),
        ("previous_insurer_number", "person.previous_same_insurer", "エラー"),
    }


def test_a_special_residence_person_names_the_facility_municipality_and_the_start(orgs):
    resident = PERSON | {
        "special_residence": SpecialResidence.APPLIES,
        "facility_insurer_number": "082024",
        "special_residence_from": "2026-06-01",
    }
    job = run_job(orgs["chiyoda"], csv_of([resident]))
    assert job.status == "succeeded", codes(job)
    version = PersonVersion.objects.get()
    assert (version.special_residence, version.facility_insurer_number) == ("1", "082024")
    bad = [
        resident | {"insured_number": "0000000002", "facility_insurer_number": ""},
        resident | {"insured_number": "0000000003", "facility_insurer_number": "131011"},
        resident | {"insured_number": "0000000004", "special_residence_from": ""},
        resident | {"insured_number": "0000000005", "special_residence_to": "2026-05-31"},
        PERSON | {"insured_number": "0000000006", "facility_insurer_number": "082024"},
    ]
    job = run_job(orgs["chiyoda"], csv_of(bad))
    assert set(codes(job)) == {
        ("facility_insurer_number", "person.facility_insurer_missing", "エラー"),
        ("facility_insurer_number", "person.facility_insurer_same", "エラー"),
        ("special_residence_from", "person.special_residence_start", "エラー"),
        ("special_residence_to", "period.reversed", "エラー"),
        ("special_residence", "person.special_residence_missing", "エラー"),
    }


def test_the_municipal_page_shows_the_move_and_the_special_residence(orgs, cast, login):
    resident = PERSON | {
        "special_residence": SpecialResidence.APPLIES,
        "facility_insurer_number": "082024",
        "special_residence_from": "2026-06-01",
    }
    job = run_job(orgs["chiyoda"], csv_of([resident, lost("11", "2026-10-15", "2026-10-15")]))
    assert job.status == "succeeded", codes(job)
    page = login(cast["alice"]).get("/persons/131011/0000000001/?on=2026-06-01").content.decode()
    assert "資格の取得・喪失と住所地特例" in page and "住所地特例対象者" in page and "082024" in page
    assert "転出（同日に他市町村に転入）" in page and "令和8年10月15日" in page
