"""The grant calculation: one function, used live by the form, by the API and on submission.

For an office's service types in a program year (domain.md §6.2, issue 7):
- reader cap = the sum of the category caps of its service types;
- limit = the sum of their yen limits (tax included);
- eligible cost = unit price × min(readers bought, reader cap) + connection support;
- grant = min(eligible cost, limit).
"Sum" follows the year's `limit_unit`: per service type (the source material's 「サービス種別に応じた
助成限度額の合計」), per category, or no summing at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from .models import LimitUnit, ProgramYear, ServiceTypeCategory


@dataclass(frozen=True)
class Line:
    """One service type of the office and what it adds."""

    service_code: str
    service_name: str
    category: str
    reader_cap: int
    limit_amount: int
    counted: bool  # False when the year's unit does not add this type (category already counted, ...)


@dataclass(frozen=True)
class Calculation:
    reader_cap: int
    limit_amount: int
    readers_count: int
    readers_counted: int
    reader_unit_price: int
    connection_support_cost: int
    eligible_cost: int
    grant_amount: int
    limit_unit: str
    lines: list[Line] = field(default_factory=list)
    unmapped_codes: list[str] = field(default_factory=list)

    @property
    def readers_over_cap(self) -> int:
        return max(self.readers_count - self.reader_cap, 0)

    @property
    def has_eligible_service(self) -> bool:
        return bool(self.lines)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["readers_over_cap"] = self.readers_over_cap
        return data


def mapping_for(program_year: ProgramYear, codes: Iterable[str]) -> dict[str, ServiceTypeCategory]:
    """The year's mapping rows for these codes (one query)."""
    rows = ServiceTypeCategory.objects.filter(program_year=program_year, service_code__in=set(codes))
    return {row.service_code: row for row in rows.select_related("category")}


def calculate_grant(
    *,
    program_year: ProgramYear,
    service_codes: Iterable[str],
    readers_count: int | None,
    reader_unit_price: int | None,
    connection_support_cost: int | None,
) -> Calculation:
    """The grant for these purchases; empty amounts count as 0. Codes without a category are listed
    in `unmapped_codes` and add nothing."""
    codes = sorted(set(service_codes))
    mapping = mapping_for(program_year, codes)
    lines = _lines(program_year.limit_unit, [mapping[code] for code in codes if code in mapping])
    counted = [line for line in lines if line.counted]
    reader_cap = sum(line.reader_cap for line in counted)
    limit_amount = sum(line.limit_amount for line in counted)
    readers = readers_count or 0
    unit_price = reader_unit_price or 0
    support = connection_support_cost or 0
    readers_counted = min(readers, reader_cap)
    eligible_cost = unit_price * readers_counted + support
    return Calculation(
        reader_cap=reader_cap,
        limit_amount=limit_amount,
        readers_count=readers,
        readers_counted=readers_counted,
        reader_unit_price=unit_price,
        connection_support_cost=support,
        eligible_cost=eligible_cost,
        grant_amount=min(eligible_cost, limit_amount),
        limit_unit=program_year.limit_unit,
        lines=lines,
        unmapped_codes=[code for code in codes if code not in mapping],
    )


def _lines(unit: str, rows: list[ServiceTypeCategory]) -> list[Line]:
    counted_ids: set[int] = set()
    if unit == LimitUnit.SERVICE_TYPE:
        counted_rows = {row.pk for row in rows}
    elif unit == LimitUnit.CATEGORY:
        counted_rows = set()
        for row in rows:
            if row.category_id not in counted_ids:
                counted_ids.add(row.category_id)
                counted_rows.add(row.pk)
    else:  # HIGHEST: the one row with the highest limit (then the higher reader cap)
        best = max(rows, key=lambda row: (row.category.limit_amount, row.category.reader_cap), default=None)
        counted_rows = {best.pk} if best else set()
    return [
        Line(
            service_code=row.service_code,
            service_name=row.service_name,
            category=row.category.name,
            reader_cap=row.category.reader_cap,
            limit_amount=row.category.limit_amount,
            counted=row.pk in counted_rows,
        )
        for row in rows
    ]
