"""第6表 (サービス利用票) and 第7表 (別表) of a person's month: the writes, and 第7表's sums.

The care manager writes the month's 予定 (one line per service code and day), the providers their 実績.
第7表 is computed from the 予定 when the care manager saves it, and kept as a snapshot (as the paper
is): a 第7表 that came in a file is kept as the file gives it until the 予定 is changed here.

第7表's rule (domain.md §2.3, the layout annex's rows of 第7表):
- one row per office, satellite and service code (and 福祉用具 code), its 単位数 from the 予定 line (the
  file's, or the portal's own service-code table), 回数 the month's count, サービス単位金額 = 単位数 × 回数;
- 給付管理単位数 = サービス単位金額 for a service under the 区分支給限度 (the code table's flag; a code
  the table lacks counts as under it, and is flagged);
- a type's subtotal (type + AAAA) where the office has several rows of that type, with the type's sums;
- the 全合計 (999999, office 9999999999): the month's 給付管理単位数 against the 区分支給限度基準額 of
  the care level: 区分支給限度基準内 = min(sum, limit), 区分支給限度基準超 = the rest.
- The units over the limit are put on the last services of the month, type by type from the end [I]: the
  law lets the person choose which services are paid in full; the care manager changes the order of
  the lines to choose. The costs (単位数単価, 費用総額, 給付率, 負担) are not computed: the 地域区分 unit
  price is not in the platform's data (their columns stay empty, as the annex allows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from consent.policy import is_care_manager
from eligibility.models import InsuredPerson
from eligibility.selectors import benefit_limit_on, certifications_as_of
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import Organisation
from kaigo_portal.errors import ApplicationError

from .models import LineKind, ServiceCode, ServiceLine, ServiceMonth, Table7Row

TOTAL_CODE = "999999"
TOTAL_OFFICE = "9999999999"
SUBTOTAL = "AAAA"


def first_of(month: dt.date) -> dt.date:
    return month.replace(day=1)


def line_order(line: ServiceLine) -> tuple:
    """The order of a month's lines on screens and in files: by day and time, then service and office."""
    return (
        line.day,
        line.starts,
        line.ends,
        line.service_code,
        line.office_number,
        line.satellite,
        line.position,
    )


@dataclass
class LineInput:
    """One 予定 or 実績 line as the screens and the files hand it over."""

    day: dt.date
    service_code: str
    office_number: str
    starts: str = "9999"
    ends: str = "9999"
    count: int = 1
    units: int | None = None
    office_name: str = ""
    satellite: str = ""
    pro_rata_days: str = ""
    tais_code: str = ""
    notified_code: str = ""
    equipment_name: str = ""
    detail_code: str = ""
    over_30_days: bool = False
    updater_code: str = ""


def _fail(message: str, code: str, fields: dict | None = None, status: int = 400):
    raise ApplicationError(message, code=code, fields=fields, status=status)


def check_lines(month: dt.date, lines: list[LineInput]) -> dict[str, list[str]]:
    """The field errors of lines (keyed lines.N.field), in Japanese."""
    errors: dict[str, list[str]] = {}
    for index, line in enumerate(lines):
        key = f"lines.{index}"
        if (line.day.year, line.day.month) != (month.year, month.month):
            errors.setdefault(f"{key}.day", []).append("サービス利用日が対象年月の日付ではありません。")
        if len(line.service_code) != 6 or not line.service_code.isascii() or not line.service_code.isalnum():
            errors.setdefault(f"{key}.service_code", []).append("サービスコードは6桁です。")
        if not (1 <= line.count <= 99):
            errors.setdefault(f"{key}.count", []).append("回数は1〜99です。")
        for name in ("starts", "ends"):
            value = getattr(line, name)
            if not (
                value == "9999"
                or (len(value) == 4 and value.isdigit() and int(value[:2]) < 24 and int(value[2:]) < 60)
            ):
                errors.setdefault(f"{key}.{name}", []).append("時刻はHHMM（表示しない時刻は9999）です。")
        if line.starts != "9999" and line.ends != "9999" and line.ends <= line.starts:
            errors.setdefault(f"{key}.ends", []).append("終了時刻は開始時刻より後にしてください。")
    return errors


def _line(
    month: ServiceMonth,
    kind: str,
    position: int,
    data: LineInput,
    office: Organisation | None,
    reported_on: dt.date | None = None,
) -> ServiceLine:
    return ServiceLine(
        month=month,
        kind=kind,
        position=position,
        reported_on=reported_on,
        units=data.units,
        day=data.day,
        pro_rata_days=data.pro_rata_days,
        starts=data.starts,
        ends=data.ends,
        count=data.count,
        service_code=data.service_code,
        tais_code=data.tais_code,
        notified_code=data.notified_code,
        equipment_name=data.equipment_name,
        detail_code=data.detail_code,
        office=office,
        office_number=data.office_number,
        office_name=data.office_name or (office.name if office else ""),
        satellite=data.satellite,
        over_30_days=data.over_30_days,
        updater_code=data.updater_code,
    )


def add_lines(month: ServiceMonth, kind: str, lines: list[LineInput], *, reported_on=None) -> None:
    """Appends lines to the month (positions after the last); offices known to the portal are linked."""
    add_lines_many([(month, kind, lines, reported_on)])


def add_lines_many(batches: list[tuple[ServiceMonth, str, list[LineInput], dt.date | None]]) -> None:
    """`add_lines` for many months at once: (month, kind, lines, reported_on), in three statements."""
    batches = [batch for batch in batches if batch[2]]
    if not batches:
        return
    numbers = {line.office_number for _month, _kind, lines, _on in batches for line in lines}
    offices = {o.office_number: o for o in Organisation.objects.filter(office_number__in=numbers)}
    last = {
        (row["month_id"], row["kind"]): row["last"]
        for row in ServiceLine.objects.filter(
            month_id__in={month.pk for month, *_rest in batches}, kind__in={kind for _m, kind, *_r in batches}
        )
        .values("month_id", "kind")
        .order_by()
        .annotate(last=Max("position"))
    }
    new: list[ServiceLine] = []
    for month, kind, lines, reported_on in batches:
        start = last.get((month.pk, kind), 0) + 1
        new += [
            _line(month, kind, start + i, data, offices.get(data.office_number), reported_on)
            for i, data in enumerate(lines)
        ]
        last[(month.pk, kind)] = start + len(lines) - 1
    ServiceLine.objects.bulk_create(new)


def month_for(
    *,
    person: InsuredPerson,
    author_office: Organisation,
    month: dt.date,
    created_on: dt.date,
    care_manager_name: str,
) -> ServiceMonth:
    """The person's ServiceMonth by this office (made on first use, with the card's limit of the month)."""
    found = months_for(author_office, [(person, month, created_on, care_manager_name)])
    return found[(person.pk, first_of(month))]


def months_for(
    author_office: Organisation, wanted: list[tuple[InsuredPerson, dt.date, dt.date, str]]
) -> dict[tuple[int, dt.date], ServiceMonth]:
    """`month_for` of many (person, month, created_on, care_manager_name): {(person pk, month): month}.
    The months missing are made at once, with the certification and limit of the card of their month."""
    found = stored_months(author_office, [(person, first_of(month)) for person, month, _on, _name in wanted])
    missing: dict[tuple[int, dt.date], tuple] = {}
    for person, month, created_on, name in wanted:
        key = (person.pk, first_of(month))
        if key not in found:
            missing.setdefault(key, (person, created_on, name))
    made: list[ServiceMonth] = []
    for on in {month for _pk, month in missing}:
        persons = [person for (_pk, month), (person, *_rest) in missing.items() if month == on]
        certifications = certifications_as_of(persons, on)
        limits: dict[str, int | None] = {}
        for person in persons:
            _person, created_on, name = missing[(person.pk, on)]
            certification = certifications[person.pk]
            level = certification.care_level if certification else ""
            if level and level not in limits:
                limits[level] = benefit_limit_on(level, on)
            made.append(
                ServiceMonth(
                    person=person,
                    author_office=author_office,
                    month=on,
                    created_on=created_on,
                    care_manager_name=name[:100],
                    care_level=level,
                    limit_units=limits.get(level),
                    limit_from=certification.valid_from if certification else None,
                    limit_to=certification.valid_to if certification else None,
                )
            )
    ServiceMonth.objects.bulk_create(made)
    found.update({(m.person_id, m.month): m for m in made})
    return found


def stored_months(
    author_office: Organisation, wanted: list[tuple[InsuredPerson, dt.date]]
) -> dict[tuple[int, dt.date], ServiceMonth]:
    """The months of (person, first of month) that this office has: {(person pk, month): ServiceMonth}."""
    keys = {(person.pk, month) for person, month in wanted}
    found = {
        (m.person_id, m.month): m
        for m in ServiceMonth.objects.filter(
            author_office=author_office,
            person_id__in={pk for pk, _month in keys},
            month__in={month for _pk, month in keys},
        )
        if (m.person_id, m.month) in keys
    }
    for service_month in found.values():
        service_month.author_office = author_office
    return found


def plan_lines_add(
    *, actor: Actor, person: InsuredPerson, month: dt.date, lines: list[LineInput]
) -> ServiceMonth:
    """The care manager adds 予定 lines (the person has passed the careplan gate); 第7表 is recomputed."""
    if not is_care_manager(actor):
        _fail("サービス利用票はケアマネジャーだけが作成できます。", "careplans.not_care_manager", status=403)
    errors = check_lines(month, lines)
    if errors:
        _fail("入力内容に誤りがあります。", "careplans.invalid", errors)
    with transaction.atomic():
        service_month = month_for(
            person=person,
            author_office=actor.organisation,
            month=month,
            created_on=timezone.localdate(),
            care_manager_name=actor.name,
        )
        number = actor.organisation.office_number
        add_lines(service_month, LineKind.PLAN, [_with_updater(line, number) for line in lines])
        table7_refresh(service_month)
    return service_month


def _with_updater(line: LineInput, number: str) -> LineInput:
    line.updater_code = line.updater_code or number
    return line


def plan_line_delete(*, actor: Actor, service_month: ServiceMonth, line_id: int) -> None:
    if not is_care_manager(actor) or actor.organisation.pk != service_month.author_office_id:
        _fail(
            "この利用票を作成した事業所のケアマネジャーだけが変更できます。",
            "careplans.not_author",
            status=403,
        )
    with transaction.atomic():
        service_month.lines.filter(pk=line_id, kind=LineKind.PLAN).delete()
        table7_refresh(service_month)


def actuals_record(*, actor: Actor, service_month: ServiceMonth, counts: dict[int, int]) -> int:
    """A provider records the month's 実績 of its own 予定 lines: {予定 line id: actual count} (0 = not
    given). The office's earlier 実績 of those service types is replaced. Returns the lines recorded."""
    number = actor.organisation.office_number if actor.organisation else None
    planned = {line.pk: line for line in service_month.lines.filter(kind=LineKind.PLAN, office_number=number)}
    if not number or not planned:
        _fail("この利用票には自事業所の予定がありません。", "careplans.no_own_lines", status=403)
    unknown = set(counts) - set(planned)
    if unknown or any(not (0 <= c <= 99) for c in counts.values()):
        _fail("実績の回数が正しくありません（0〜99）。", "careplans.invalid_actuals")
    lines = [
        LineInput(
            day=p.day,
            service_code=p.service_code,
            office_number=number,
            starts=p.starts,
            ends=p.ends,
            count=counts[pk],
            units=p.units,
            office_name=p.office_name,
            satellite=p.satellite,
            pro_rata_days=p.pro_rata_days,
            tais_code=p.tais_code,
            notified_code=p.notified_code,
            equipment_name=p.equipment_name,
            detail_code=p.detail_code,
            over_30_days=p.over_30_days,
            updater_code=number,
        )
        for pk, p in sorted(planned.items(), key=lambda item: line_order(item[1]))
        if counts.get(pk, 0) > 0
    ]
    types = {p.service_type for p in planned.values()}
    with transaction.atomic():
        actuals_replace(service_month, number, types, lines, reported_on=timezone.localdate())
    return len(lines)


def actuals_replace(
    service_month: ServiceMonth,
    office_number: str,
    types: set[str],
    lines: list[LineInput],
    *,
    reported_on: dt.date,
) -> None:
    """An office's 実績 of some service types, replaced as a whole (the standard's unit of 実績)."""
    actuals_replace_many([(service_month, office_number, types, lines, reported_on)])


def actuals_replace_many(entries: list[tuple[ServiceMonth, str, set[str], list[LineInput], dt.date]]) -> None:
    """`actuals_replace` of many months at once: (month, office number, service types, lines, reported_on)."""
    if not entries:
        return
    doomed = {(month.pk, number, kind) for month, number, types, _lines, _on in entries for kind in types}
    lines_of(
        [month for month, *_rest in entries],
        LineKind.ACTUAL,
        lambda line: (line.month_id, line.office_number, line.service_type) in doomed,
    ).delete()
    add_lines_many([(month, LineKind.ACTUAL, lines, on) for month, _number, _types, lines, on in entries])
    touch([month for month, *_rest in entries])


def lines_of(service_months: list[ServiceMonth], kind: str, chosen) -> models.QuerySet[ServiceLine]:
    """The lines of `kind` of the months for which `chosen(line)` holds (one read of their keys)."""
    pks = [
        line.pk
        for line in ServiceLine.objects.filter(month_id__in={m.pk for m in service_months}, kind=kind).only(
            "pk", "month_id", "office_number", "service_code"
        )
        if chosen(line)
    ]
    return ServiceLine.objects.filter(pk__in=pks)


def touch(service_months: list[ServiceMonth]) -> None:
    """The months' 最終更新 is now."""
    now = timezone.now()
    ServiceMonth.objects.filter(pk__in={m.pk for m in service_months}).update(updated_at=now)
    for service_month in service_months:
        service_month.updated_at = now


# --- 第7表 ---------------------------------------------------------------------------------------


@dataclass
class Flagged:
    """A service code the portal's table does not know (kept, and shown as such)."""

    code: str
    office_number: str


def table7_compute(
    service_month: ServiceMonth, lines: list[ServiceLine], codes: dict[str, ServiceCode]
) -> list[Table7Row]:
    """第7表 of the month's 予定 lines (unsaved rows, in order)."""
    groups: dict[tuple, dict] = {}
    for line in sorted(lines, key=line_order):
        key = (
            line.office_number,
            line.satellite,
            line.service_code,
            line.tais_code,
            line.notified_code,
            line.detail_code,
        )
        code = codes.get(line.service_code)
        units = line.units if line.units is not None else (code.units if code else 0)
        group = groups.setdefault(
            key, {"line": line, "units": units, "count": 0, "in_limit": code.in_limit if code else True}
        )
        group["count"] += line.count
    offices = list(dict.fromkeys(key[0] for key in groups))
    rows: list[Table7Row] = []
    blocks: list[
        tuple[Table7Row, list[Table7Row]]
    ] = []  # (the row that holds a type's limit figures, its rows)
    created_on = service_month.created_on
    for office in offices:
        keys = [k for k in groups if k[0] == office]
        types = list(dict.fromkeys(k[2][:2] for k in sorted(keys, key=lambda k: k[2])))
        for service_type in types:
            members = []
            for key in sorted(
                (k for k in keys if k[2][:2] == service_type), key=lambda k: (k[1], k[2], k[5])
            ):
                group, line = groups[key], groups[key]["line"]
                amount = group["units"] * group["count"]
                members.append(
                    Table7Row(
                        month=service_month,
                        created_on=created_on,
                        office_name=line.office_name,
                        office_number=line.office_number,
                        satellite=line.satellite,
                        service_code=line.service_code,
                        tais_code=line.tais_code,
                        notified_code=line.notified_code,
                        equipment_name=line.equipment_name,
                        units=group["units"],
                        count=group["count"],
                        unit_amount=amount,
                        managed_units=amount if group["in_limit"] else None,
                        over_30_days=line.over_30_days,
                        updater_code=service_month.author_office.office_number or "",
                    )
                )
            rows += members
            in_limit = [m for m in members if m.managed_units is not None]
            if len(members) > 1:
                subtotal = Table7Row(
                    month=service_month,
                    created_on=created_on,
                    office_name=members[0].office_name,
                    office_number=office,
                    service_code=service_type + SUBTOTAL,
                    units=0,
                    count=0,
                    unit_amount=sum(m.unit_amount for m in members),
                    managed_units=sum(m.managed_units for m in in_limit) if in_limit else None,
                    updater_code=members[0].updater_code,
                )
                rows.append(subtotal)
                if in_limit:
                    blocks.append((subtotal, in_limit))
            elif in_limit:
                blocks.append((members[0], in_limit))
    managed = sum(holder.managed_units for holder, _ in blocks)
    limit = service_month.limit_units
    over = max(0, managed - limit) if limit is not None else 0
    for holder, _members in reversed(blocks):  # the units over the limit, from the last type back [I]
        holder.limit_over = min(over, holder.managed_units)
        holder.limit_within = holder.managed_units - holder.limit_over
        over -= holder.limit_over
    total_over = sum(holder.limit_over for holder, _ in blocks)
    rows.append(
        Table7Row(
            month=service_month,
            created_on=created_on,
            office_name="",
            office_number=TOTAL_OFFICE,
            service_code=TOTAL_CODE,
            units=0,
            count=0,
            unit_amount=sum(r.unit_amount for r in rows if not r.is_subtotal),
            managed_units=managed,
            limit_over=total_over,
            limit_within=managed - total_over,
            updater_code=service_month.author_office.office_number or "",
        )
    )
    for position, row in enumerate(rows, start=1):
        row.position = position
    return rows


def table7_refresh(service_month: ServiceMonth) -> list[Table7Row]:
    """Recomputes and stores the month's 第7表 (none when the month has no 予定)."""
    return table7_refresh_many([service_month])


def table7_refresh_many(service_months: list[ServiceMonth]) -> list[Table7Row]:
    """`table7_refresh` of many months at once (their 予定 and codes read once, their rows written once)."""
    service_months = list({m.pk: m for m in service_months}.values())
    if not service_months:
        return []
    ids = [m.pk for m in service_months]
    lines: dict[int, list[ServiceLine]] = {pk: [] for pk in ids}
    for line in ServiceLine.objects.filter(month_id__in=ids, kind=LineKind.PLAN):
        lines[line.month_id].append(line)
    wanted = {line.service_code for month_lines in lines.values() for line in month_lines}
    codes = {c.code: c for c in ServiceCode.objects.filter(code__in=wanted)}
    rows = [
        row
        for service_month in service_months
        if lines[service_month.pk]
        for row in table7_compute(service_month, lines[service_month.pk], codes)
    ]
    Table7Row.objects.filter(month_id__in=ids).delete()
    Table7Row.objects.bulk_create(rows)
    touch(service_months)
    return rows


def unknown_codes(lines) -> set[str]:
    """The service codes of `lines` that the portal's table does not know (flagged on screens)."""
    wanted = {line.service_code for line in lines}
    return wanted - set(ServiceCode.objects.filter(code__in=wanted).values_list("code", flat=True))


def limit_of(care_level: str, on: dt.date) -> int | None:
    return benefit_limit_on(care_level, on) if care_level else None
