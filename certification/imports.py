"""Certification progress from the municipality's own system, in bulk: a record type of eligibility's
import (registered from CertificationConfig.ready(); eligibility never imports this app).

One record per (申請番号, step). `add` records a completed step; `change` corrects its dates; `delete`
withdraws it. The application itself is received on screen (申請受付, which gives it its 申請番号) and
the decision comes through the 認定 record (CertificationVersion), so neither step is importable here.
The import's all-or-nothing rule holds: one bad row and nothing is written.
"""

from __future__ import annotations

from eligibility.imports import fields as f
from eligibility.imports.registry import Column, Issue, ParsedRow, RecordType
from kaigo_portal.wareki import to_wareki_with_seireki

from .models import STEP_REQUIRES, Application, ProgressEvent, StepKind
from .selectors import completed_steps

NOT_IMPORTABLE = (StepKind.RECEIVED, StepKind.SECONDARY_JUDGEMENT)


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
        number = values.get("application_number")
        if number:
            application = Application.objects.filter(
                person__insurer__insurer_number=row.insurer_number,
                person__insured_number=row.insured_number,
                reference=number,
            ).first()
            if application is None:
                row.error(
                    "application_number",
                    number,
                    "certification.application_unknown",
                    "この被保険者の申請番号が見つかりません（申請受付を先に登録してください）。",
                )
            elif completed_on is not None and completed_on < application.applied_on:
                row.error(
                    "completed_on",
                    completed_on,
                    "certification.step_before_application",
                    "完了日が申請日より前です。",
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
            application = Application.objects.filter(
                person__insurer__insurer_number=row.insurer_number,
                person__insured_number=row.insured_number,
                reference=number,
            ).first()
            done = completed_steps(application) if application else {}
            context[key] = (
                application.applied_on if application else None,
                {step_kind: step.completed_on for step_kind, step in done.items()},
            )
        applied_on, dates = context[key]
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
