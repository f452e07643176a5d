"""Certification progress from the municipality's own system, in bulk: a record type of eligibility's
import (registered from CertificationConfig.ready(); eligibility never imports this app).

One record per (申請番号, step). `add` records a completed step; `change` corrects its dates; `delete`
withdraws it. The application itself is received on screen (申請受付, which gives it its 申請番号) and
the decision comes through the 認定 record (CertificationVersion), so neither step is importable here.
The import's all-or-nothing rule holds: one bad row and nothing is written.

A second record type, `certification_certificate`, names the 受給資格証明書 that a person who moved in
submitted with an application (介護保険法 §36), with the same rules as the screen.

What needs the database is checked in `check_in_sequence`, which runs in the importing process: `check`
may run in the forked process that validates a large file's second half, which has no database.
"""

from __future__ import annotations

from eligibility.imports import fields as f
from eligibility.imports.registry import Column, Issue, ParsedRow, RecordType, RowErrors
from kaigo_portal.wareki import to_wareki_with_seireki

from . import services
from .models import (
    STEP_REQUIRES,
    TRANSFER_DAYS,
    Application,
    ApplicationKind,
    CertificateSubmission,
    ProgressEvent,
    StepKind,
)
from .selectors import completed_steps

NOT_IMPORTABLE = (StepKind.RECEIVED, StepKind.SECONDARY_JUDGEMENT)


def _application(row: ParsedRow) -> Application | None:
    return Application.objects.filter(
        person__insurer__insurer_number=row.insurer_number,
        person__insured_number=row.insured_number,
        reference=row.values["application_number"],
    ).first()


def _unknown_application(row: ParsedRow) -> Issue:
    return Issue.make(
        row.line,
        "application_number",
        row.values["application_number"],
        "certification.application_unknown",
        "この被保険者の申請番号が見つかりません（申請受付を先に登録してください）。",
    )


class ProgressEventRecord(RecordType):
    name = "certification_progress"
    label = "認定審査の進捗"
    model = ProgressEvent
    key_fields = ("application_number", "kind")
    columns = (
        Column("application_number", "申請番号", f.line_id),
        Column("kind", "段階", f.choice(StepKind)),
        Column("completed_on", "完了日", f.date),
        Column("panel_date", "審査会開催予定日", f.date, required=False),
    )

    def check(self, row: ParsedRow) -> None:
        values = row.values
        kind, completed_on, panel_date = (
            values.get("kind"),
            values.get("completed_on"),
            values.get("panel_date"),
        )
        if kind in NOT_IMPORTABLE:
            row.error(
                "kind",
                kind,
                "certification.step_not_importable",
                "申請受付は画面で、二次判定は認定情報の取込で登録してください。",
            )
        if kind == StepKind.PANEL_ASSIGNED and row.action != "delete" and panel_date is None:
            row.error(
                "panel_date",
                "",
                "certification.panel_date_required",
                "審査会割付には審査会開催予定日が必要です。",
            )
        if panel_date is not None and kind != StepKind.PANEL_ASSIGNED:
            row.error(
                "panel_date",
                panel_date,
                "certification.panel_date_unexpected",
                "審査会開催予定日は審査会割付の行にだけ指定してください。",
            )
        if panel_date is not None and completed_on is not None and panel_date < completed_on:
            row.error(
                "panel_date",
                panel_date,
                "certification.panel_date_order",
                "審査会開催予定日は完了日以降にしてください。",
            )

    def check_in_sequence(self, row: ParsedRow, context: dict) -> list[Issue]:
        """Steps in order across the file: a step only after the steps it needs, done on screen, imported
        before, or earlier in this file, and not dated before them."""
        number, kind, completed_on = (
            row.values["application_number"],
            row.values["kind"],
            row.values.get("completed_on"),
        )
        key = (row.insured_number, number)
        if key not in context:
            application = _application(row)
            done = completed_steps(application) if application else {}
            context[key] = (
                application.applied_on if application else None,
                {step_kind: step.completed_on for step_kind, step in done.items()},
            )
        applied_on, dates = context[key]
        if applied_on is None:
            return [_unknown_application(row)]
        if row.action != "delete" and completed_on is not None and completed_on < applied_on:
            return [
                Issue.make(
                    row.line,
                    "completed_on",
                    completed_on,
                    "certification.step_before_application",
                    "完了日が申請日より前です。",
                )
            ]
        if row.action == "delete":
            dates.pop(kind, None)
            return []
        missing = [StepKind(k).label for k in STEP_REQUIRES[kind] if k not in dates]
        label = StepKind(kind).label
        if missing:
            message = f"「{label}」の前に「{'」「'.join(missing)}」が必要です（画面、既存の取込、またはこのファイルの前の行で）。"
            return [Issue.make(row.line, "kind", kind, "certification.step_order", message)]
        earliest = max([d for d in [applied_on, *(dates[k] for k in STEP_REQUIRES[kind])] if d is not None])
        if completed_on is not None and completed_on < earliest:
            message = f"「{label}」の完了日は{to_wareki_with_seireki(earliest)}以降にしてください。"
            return [
                Issue.make(row.line, "completed_on", completed_on, "certification.step_date_order", message)
            ]
        dates[kind] = completed_on
        return []

    def version_values(self, row: ParsedRow) -> dict:
        values = dict(row.values)
        values.setdefault("panel_date", None)
        return values


def _certificate_number(value: str) -> str:
    number = services.certificate_number(value)
    if len(number) != 14:
        raise RowErrors(
            "certification.certificate_number_format",
            "受給資格証明書番号は、証明書に印字された英数字12文字です（例：ABCD-EFGH-JKLM）。",
        )
    return number


class CertificateSubmissionRecord(RecordType):
    """受給資格証明書の提出: the new insurer's system names the certificate that came with an application
    received on screen (申請番号). The same rules as the screen (`services.certificate_link`): an undecided
    新規 application, 転入日 not after 申請日, and a number that belongs to the person's record at the old
    insurer as this insurer's own import names it (転入前の保険者番号・被保険者番号, imported before this
    file). Filed more than 14 days after the 転入, the row is linked and flagged with a warning: §36 does
    not apply, and the application goes the ordinary way. `delete` unlinks an undecided application."""

    name = "certification_certificate"
    label = "受給資格証明書の提出"
    model = CertificateSubmission
    key_fields = ("application_number",)
    columns = (
        Column("application_number", "申請番号", f.line_id),
        Column("certificate_number", "受給資格証明書番号", _certificate_number),
        Column("moved_in_on", "転入日", f.date),
    )

    def check_in_sequence(self, row: ParsedRow, context: dict) -> list[Issue]:
        application = _application(row)
        if application is None:
            return [_unknown_application(row)]
        number = row.values["application_number"]
        if application.decided_on is not None or application.kind != ApplicationKind.NEW:
            return [
                Issue.make(
                    row.line,
                    "application_number",
                    number,
                    "certification.certificate_not_new",
                    "受給資格証明書は、判定前の新規申請にだけ添付できます。",
                )
            ]
        if row.action == "delete":
            return []
        moved_in_on, typed = row.values["moved_in_on"], row.values["certificate_number"]
        if moved_in_on > application.applied_on:
            return [
                Issue.make(
                    row.line,
                    "moved_in_on",
                    moved_in_on,
                    "certification.moved_in_after_applied",
                    "転入日が申請日より後です。",
                )
            ]
        # Checked without a log row: a check that may be only a dry run writes nothing; the commit logs
        # the comparison it makes again (services.certificates_apply_imported).
        _certificate, matched = services.find_certificate(application.person, typed)
        if not matched:
            return [
                Issue.make(
                    row.line,
                    "certificate_number",
                    typed,
                    "certification.certificate_mismatch",
                    services.CERTIFICATE_MISMATCH,
                )
            ]
        days = (application.applied_on - moved_in_on).days
        if days > TRANSFER_DAYS:
            return [
                Issue.make(
                    row.line,
                    "moved_in_on",
                    moved_in_on,
                    "certification.transfer_late",
                    f"転入から{days}日後の申請です（14日を過ぎています）。受給資格証明書は添付しますが、"
                    "第36条による認定はできません。通常の新規申請として調査・審査を行ってください。",
                    "warning",
                )
            ]
        return []

    def after_apply(self, job) -> None:
        services.certificates_apply_imported(job)
