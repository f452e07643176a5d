"""Progress events through eligibility's import: same validation, all or nothing, read with the screen's steps."""

import datetime as dt

import pytest
import time_machine

from certification import selectors, services
from certification.models import ProgressEvent, StepKind
from eligibility.tests.importing import issues_of, run_job

from .factories import application

D = dt.date
pytestmark = pytest.mark.django_db
HEADER = "record_type,action,effective_date,insurer_number,insured_number,application_number,kind,completed_on,panel_date"


def csv(number: str, *rows: str) -> bytes:
    lines = [HEADER] + [
        f"certification_progress,{r.split('|')[0]},2026-04-20,131011,{number},{r.split('|')[1]}" for r in rows
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


@time_machine.travel("2026-04-20 10:00 +0900")
def test_imported_steps_count_as_progress_and_let_the_screen_continue(orgs, uncertified):
    app = application(person=uncertified, applied_on=D(2026, 4, 1))
    n = app.reference
    job = run_job(
        orgs["chiyoda"],
        csv(
            uncertified.insured_number,
            f"add|{n},survey_requested,2026-04-02,",
            f"add|{n},survey_received,2026-04-10,",
            f"add|{n},opinion_requested,2026-04-02,",
            f"add|{n},opinion_received,2026-04-12,",
        ),
    )
    assert job.status == "succeeded", issues_of(job)
    progress = selectors.progress(app, D(2026, 4, 20))
    assert list(progress.steps) == [
        "received",
        "survey_requested",
        "survey_received",
        "opinion_requested",
        "opinion_received",
    ]
    assert progress.waiting_for == [StepKind.PRIMARY_JUDGEMENT]
    services.step_complete(
        application=app, kind=StepKind.PRIMARY_JUDGEMENT, completed_on=D(2026, 4, 13), by=None
    )
    job = run_job(orgs["chiyoda"], csv(uncertified.insured_number, f"delete|{n},opinion_received,,"))
    assert job.status == "succeeded", issues_of(job)
    assert "opinion_received" not in selectors.progress(app, D(2026, 4, 20)).steps


@time_machine.travel("2026-04-20 10:00 +0900")
def test_one_bad_progress_row_and_nothing_is_imported(orgs, uncertified):
    app = application(person=uncertified, applied_on=D(2026, 4, 1))
    n = app.reference
    job = run_job(
        orgs["chiyoda"],
        csv(
            uncertified.insured_number,
            f"add|{n},survey_requested,2026-04-02,",
            f"add|{n},panel_assigned,2026-04-15,",
            f"add|{n},secondary_judgement,2026-04-16,",
            f"add|{n},result_notified,2026-03-01,",
            "add|X9,survey_received,2026-04-03,",
            f"add|{n},opinion_requested,2026-04-02,2026-04-09",
        ),
    )
    assert job.status == "rejected"
    codes = sorted(issue[3] for issue in issues_of(job))
    assert codes == [
        "certification.application_unknown",
        "certification.panel_date_required",
        "certification.panel_date_unexpected",
        "certification.step_before_application",
        "certification.step_not_importable",
    ]
    assert not ProgressEvent.objects.exists()


@time_machine.travel("2026-04-20 10:00 +0900")
def test_steps_are_checked_in_order_across_the_rows_of_a_file(orgs, uncertified):
    app = application(person=uncertified, applied_on=D(2026, 4, 1))
    n = app.reference
    job = run_job(
        orgs["chiyoda"],
        csv(
            uncertified.insured_number,
            f"add|{n},survey_received,2026-04-10,",  # before its 認定調査依頼
            f"add|{n},opinion_requested,2026-04-05,",
            f"add|{n},opinion_received,2026-04-03,",  # dated before the request
            f"add|{n},primary_judgement,2026-04-15,",
        ),
    )
    assert job.status == "rejected"
    assert [(issue[0], issue[3]) for issue in issues_of(job)] == [
        ("2", "certification.step_order"),
        ("4", "certification.step_date_order"),
        ("5", "certification.step_order"),
    ]
    assert not ProgressEvent.objects.exists()
    in_order = run_job(
        orgs["chiyoda"],
        csv(
            uncertified.insured_number,
            f"add|{n},survey_requested,2026-04-02,",
            f"add|{n},survey_received,2026-04-10,",
            f"add|{n},opinion_requested,2026-04-05,",
            f"add|{n},opinion_received,2026-04-12,",
            f"add|{n},primary_judgement,2026-04-15,",
        ),
    )
    assert in_order.status == "succeeded", issues_of(in_order)
    assert selectors.progress(app, D(2026, 4, 20)).waiting_for == [StepKind.PANEL_ASSIGNED]


def test_checking_a_row_alone_needs_no_database(django_assert_num_queries):
    """A large file's second half is validated in a forked process that has no database (imports.parallel):
    the certification types check the database only in sequence, in the importing process."""
    from eligibility.imports.reader import RawRecord
    from eligibility.imports.validate import validate

    common = {"action": "add", "effective_date": "2026-04-20", "insurer_number": "131011"}
    progress = {"kind": "survey_requested", "completed_on": "2026-04-02"}
    certificate = {"certificate_number": "ABCD-EFGH-JKLM", "moved_in_on": "2026-04-01"}
    rows = [
        {"record_type": "certification_progress", "application_number": "C00000001", **progress},
        {"record_type": "certification_certificate", "application_number": "C00000001", **certificate},
    ]
    with django_assert_num_queries(0):
        parsed = [
            validate(
                RawRecord(2, {**common, "insured_number": "0000000001", **cells}), insurer_number="131011"
            )
            for cells in rows
        ]
    assert [row.issues for row in parsed] == [[], []]
