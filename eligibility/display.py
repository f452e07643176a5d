"""How versions read on the municipal screens: the history tables (one per record type).

Formatting only; which versions exist and which one counts is in `selectors`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models

from kaigo_portal import wareki

from . import selectors
from .models import (
    BurdenRatioVersion,
    CertificationVersion,
    CostLimitVersion,
    InsuredPerson,
    LedgerLineVersion,
    PersonVersion,
    RestrictionVersion,
    Version,
)

# The moves (資格の取得・喪失, 住所地特例): a second table of the 一面's versions, showing only those that say
# something of them.
MOVES = "資格の取得・喪失と住所地特例"
# (model, the section's title, the fields its table shows), in the order of the card.
HISTORY_SECTIONS: tuple[tuple[type[Version], str, tuple[str, ...]], ...] = (
    (PersonVersion, "被保険者情報（一面）", ("name", "name_kana", "birth_date", "sex", "address", "category",
                                            "qualified_on", "disqualified_on", "issued_on")),
    (PersonVersion, MOVES, ("acquisition_reason", "previous_insurer_number",
                                                "previous_insured_number", "loss_reason", "loss_event_on",
                                                "special_residence", "facility_insurer_number",
                                                "special_residence_from", "special_residence_to")),
    (CertificationVersion, "認定情報（二面）", ("care_level", "certified_on", "valid_from", "valid_to",
                                              "panel_opinion", "care_plan_office_name", "care_plan_notified_on")),
    (BurdenRatioVersion, "負担割合", ("ratio", "valid_from", "valid_to")),
    (CostLimitVersion, "負担限度額認定", ("stage", "residence_cap", "food_cap", "valid_from", "valid_to")),
    (RestrictionVersion, "給付制限（三面）", ("kind", "valid_from", "valid_to", "detail")),
    (LedgerLineVersion, "住宅改修・福祉用具購入", ("line_id", "kind", "service_date", "amount", "dwelling")),
)  # fmt: skip

YEN_FIELDS = {"residence_cap", "food_cap", "amount"}


@dataclass(frozen=True)
class HistoryRow:
    version: Version
    cells: list[str]


@dataclass(frozen=True)
class HistoryTable:
    key: str
    title: str
    headers: list[str]
    rows: list[HistoryRow]


def history_tables(person: InsuredPerson, *, with_ledger: bool) -> list[HistoryTable]:
    """Every version of every record type, oldest first (one query per type). The ledger is left out
    when the home_modification category was not granted."""
    tables = []
    versions: dict[type[Version], list[Version]] = {}  # the 一面's two tables read its versions once
    for model, title, fields in HISTORY_SECTIONS:
        if model is LedgerLineVersion and not with_ledger:
            continue
        if model not in versions:
            versions[model] = list(selectors.history(model, person))
        meta_fields = [model._meta.get_field(name) for name in fields]
        rows = [
            HistoryRow(version, [display(version, field) for field in meta_fields])
            for version in versions[model]
        ]
        if title == MOVES:
            rows = [row for row in rows if any(cell != "—" for cell in row.cells)]
        headers = [str(field.verbose_name) for field in meta_fields]
        key = "moves" if title == MOVES else model._meta.model_name
        tables.append(HistoryTable(key, title, headers, rows))
    return tables


def display(version: Version, field: models.Field) -> str:
    if version.deleted and field.name not in selectors.VERSION_KEYS[type(version)]:
        return "—"  # a deletion carries its record's key; its other columns are placeholders
    value = getattr(version, field.name)
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(getattr(version, f"get_{field.name}_display")())
    if isinstance(value, dt.date):
        return wareki.to_wareki_with_seireki(value) if field.name == "birth_date" else wareki.to_wareki(value)
    if field.name in YEN_FIELDS:
        return f"{value:,}円"
    return str(value)
