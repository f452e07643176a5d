"""Send units of the 4.1 files, per destination (one receiving office and service type).

The units (careplan-standard.md §1.4): from the 居宅介護支援事業所 1・2・3表 + 補足, 6・7表 + 補足,
1表削除 and 6表削除; from a サービス事業所 実績 and 実績削除. Every file of a unit shares one 14-digit
timestamp. A unit holds only persons whom the receiver serves and who pass the careplan gate for the
receiver now (selectors.may_receive); 第6表 and 第7表 hold only the receiver's rows of that service type,
and 第7表 the month's 全合計 (so the receiver sees the position against the limit).

Every file written logs one access-log row per person in it (channel エクスポート).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass, field

from django.utils import timezone

from eligibility.models import InsuredPerson
from eligibility.selectors import benefit_limit_on, card_as_of
from kaigo_portal import access
from kaigo_portal.access import Actor, Channel
from kaigo_portal.accounts.models import Organisation
from kaigo_portal.errors import ApplicationError
from kaigo_portal.offices import rules as office_rules
from kaigo_portal.wareki import to_wareki_month_with_seireki

from .. import selectors
from ..models import (
    CarePlan,
    ExchangeUnit,
    LineKind,
    PlanStatus,
    ServiceMonth,
    UnitKind,
)
from ..months import TOTAL_CODE, line_order
from . import records as r
from .codec import FileName, geta, write
from .layouts import CARE_LEVELS, LAYOUTS

PURPOSE = access.Purpose.CARE_MANAGEMENT
CARE_MANAGEMENT_TYPES = ("43", "46")


@dataclass
class Unit:
    """The files of one send unit, as (name, bytes), in the order the standard lists them."""

    kind: str
    sender: Organisation
    sender_type: str
    receiver: Organisation
    receiver_type: str
    stamp: str
    month: dt.date | None = None
    files: list[tuple[str, bytes]] = field(default_factory=list)
    persons: list[InsuredPerson] = field(default_factory=list)

    def name(self, prefix: str, month: str | None) -> str:
        return str(
            FileName(
                prefix,
                month,
                self.sender.office_number,
                self.sender_type,
                self.receiver.office_number,
                self.receiver_type,
                self.stamp,
            )
        )

    @property
    def zip_name(self) -> str:
        month = f"_{self.month:%Y%m}" if self.month else ""
        return (
            f"{UNIT_PREFIX[self.kind]}{month}_{self.sender.office_number}_{self.sender_type}_"
            f"{self.receiver.office_number}_{self.receiver_type}_{self.stamp}.zip"
        )

    def zip_bytes(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, body in self.files:
                info = zipfile.ZipInfo(name, date_time=_stamp_time(self.stamp))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, body)
        return out.getvalue()

    @property
    def digest(self) -> str:
        return digest_of(self.files)


UNIT_PREFIX = {
    UnitKind.PLANS: "KEIKAKU",
    UnitKind.MONTH: "RIYOHYO",
    UnitKind.PLAN_DELETE: "KEIKAKU_DLT",
    UnitKind.MONTH_DELETE: "RIYOHYO_DLT",
    UnitKind.ACTUALS: "JISSEKI",
    UnitKind.ACTUAL_DELETE: "JISSEKI_DLT",
}


def digest_of(files: list[tuple[str, bytes]]) -> str:
    sha = hashlib.sha256()
    for name, body in sorted(files):
        sha.update(name.upper().encode() + b"\0" + hashlib.sha256(body).digest())
    return sha.hexdigest()


def _stamp_time(stamp: str) -> tuple[int, ...]:
    return tuple(
        int(part) for part in (stamp[:4], stamp[4:6], stamp[6:8], stamp[8:10], stamp[10:12], stamp[12:])
    )


def _fail(message: str, code: str, status: int = 400):
    raise ApplicationError(message, code=code, status=status)


def new_stamp(sender: Organisation, receiver: Organisation) -> str:
    """The unit's 14-digit timestamp: now, or the next free second for this pair of offices."""
    at = timezone.localtime().replace(microsecond=0)
    taken = set(
        ExchangeUnit.objects.filter(
            direction="out",
            sender_number=sender.office_number,
            receiver_number=receiver.office_number,
            at__gte=timezone.now() - dt.timedelta(minutes=5),
        ).values_list("stamp", flat=True)
    )
    while (stamp := at.strftime("%Y%m%d%H%M%S")) in taken:
        at += dt.timedelta(seconds=1)
    return stamp


def care_management_type(office: Organisation) -> str:
    types = office.service_type_codes()
    return next((t for t in CARE_MANAGEMENT_TYPES if t in types), "43")


def _gate(actor: Actor, receiver: Organisation, persons: list[InsuredPerson]) -> None:
    """The sender passes the careplan gate for every person, and the receiver would too (it serves them)."""
    ids = {p.pk for p in persons}
    visible = set(
        access.filter_persons(
            actor, InsuredPerson.objects.filter(pk__in=ids), selectors.CAREPLAN
        ).values_list("pk", flat=True)
    )
    if visible != ids:
        _fail(
            "出力できない利用者が含まれています（担当関係または同意がありません）。",
            "careplans.not_visible",
            403,
        )
    refused = [p for p in persons if not selectors.may_receive(receiver, p)]
    if refused:
        names = "、".join(f"{p.insured_number}" for p in refused[:5])
        _fail(
            f"送付先はこの方の担当事業所（本人確認済みで、本人の同意がある事業所）でなければなりません（被保険者番号 {names}）。",
            "careplans.receiver_not_serving",
        )


def _log(actor: Actor, persons: list[InsuredPerson]) -> None:
    """One access-log row per person of one file."""
    access.log_listed(
        dataclasses.replace(actor, channel=Channel.EXPORT), persons, selectors.CAREPLAN, PURPOSE
    )


def _require_sender(actor: Actor, care_manager: bool) -> Organisation:
    office = actor.organisation
    if office is None or not office.office_number:
        _fail("事業所番号のある事業所の職員だけが出力できます。", "careplans.no_office", 403)
    if care_manager and not office.is_care_management_office:
        _fail("この送信単位は居宅介護支援事業所だけが出力できます。", "careplans.not_care_manager", 403)
    return office


def _receiver_type(receiver: Organisation, receiver_type: str) -> str:
    office_rules.require_listed(receiver.office_number, [receiver_type], what="送付先の事業所")
    if receiver_type not in receiver.service_type_codes():
        _fail(
            f"送付先の事業所はサービス種類{receiver_type}の指定を受けていません。", "careplans.receiver_type"
        )
    return receiver_type


def _head(person: InsuredPerson) -> dict[str, str]:
    return {"保険者番号": person.insurer.insurer_number, "被保険者番号": person.insured_number}


def _person_key(person: InsuredPerson) -> tuple[str, str]:
    return (person.insurer.insurer_number, person.insured_number)


# --- 補足 ------------------------------------------------------------------------------------------


def _supplement(person: InsuredPerson, on: dt.date, sender: Organisation) -> dict[str, str]:
    """The person's columns of 補足, from the platform (the card as of `on`)."""
    card = card_as_of(person, on)
    identity = card.identity
    record = _head(person) | {
        "利用者氏名フリガナ": geta(identity.name_kana if identity else person.name_kana),
        "利用者氏名": geta(identity.name if identity else person.name),
        "利用者性別": identity.sex if identity else "",
        "利用者生年月日": r.ymd(identity.birth_date if identity else person.birth_date),
        "利用者郵便番号": identity.postal_code if identity else "",
        "利用者住所１": geta(identity.address) if identity else "",
        "更新業者コード": sender.office_number,
    }
    return record


def _level(code: str) -> str:
    return code if code in CARE_LEVELS else ""


def supplement_of_plan(plan: CarePlan, sender: Organisation) -> dict[str, str]:
    record = _supplement(plan.person, plan.created_on, sender)
    limit = benefit_limit_on(plan.care_level, plan.created_on) if plan.care_level else None
    return record | {
        "居宅サービス計画作成（変更）日": r.ymd(plan.created_on),
        "認定日": r.ymd(plan.certified_on),
        "限度額適用開始年月日": r.ymd(plan.valid_from),
        "限度額適用終了年月日": r.ymd(plan.valid_to),
        "認定状況区分": r.CERTIFICATION_CODES.get(plan.certification_status, ""),
        "要介護状態区分": _level(plan.care_level),
        "区分支給限度基準額": "" if limit is None else str(limit),
        "対象年月": "000000",
    }


def supplement_of_month(month: ServiceMonth, sender: Organisation) -> dict[str, str]:
    record = _supplement(month.person, month.month, sender)
    facts = selectors.certification_facts(month.person, month.month)
    total = next((row for row in month.table7.all() if row.service_code == TOTAL_CODE), None)
    return record | {
        "居宅サービス計画作成（変更）日": "00000000",
        "認定日": r.ymd(facts["certified_on"]),
        "限度額適用開始年月日": r.ymd(month.limit_from),
        "限度額適用終了年月日": r.ymd(month.limit_to),
        "認定状況区分": r.CERTIFICATION_CODES.get(facts["certification_status"], ""),
        "要介護状態区分": _level(month.care_level),
        "区分支給限度基準額": "" if month.limit_units is None else str(month.limit_units),
        "合計限度超単位数": "" if total is None or total.limit_over is None else str(total.limit_over),
        "対象年月": r.ym(month.month),
    }


# --- 1・2・3表 -------------------------------------------------------------------------------------


def plan_records(plan: CarePlan, first_created_on: dt.date) -> tuple[list, list, list]:
    """(UP1KYO, UP2KYO, UP3KYO) records of one plan."""
    head = _head(plan.person)
    created = r.ymd(plan.created_on)
    identity = card_as_of(plan.person, plan.created_on).identity
    code, other = r.living_support_cells(plan.living_support_reason)
    one = (
        head
        | r.cells_of("UP1KYO", plan)
        | {
            "作成年月日": created,
            "利用者郵便番号": identity.postal_code if identity else "",
            "利用者住所１": geta(identity.address) if identity else "",
            "介護支援事業者名": plan.author_office.name,
            "介護支援事業者コード": plan.author_office.office_number,
            "居宅サービス計画作成（変更）日": created,
            "初回居宅サービス計画作成日": r.ymd(first_created_on),
            "生活援助中心型の算定理由": code,
            "その他理由": other,
            "更新業者コード": plan.author_office.office_number,
        }
    )
    one["要介護状態区分"] = _level(plan.care_level)
    two = [
        head
        | r.cells_of("UP2KYO", row)
        | {
            "居宅計画書作成年月日": created,
            "居宅サービス計画作成（変更）日": created,
            "更新業者コード": plan.author_office.office_number,
        }
        for row in plan.service_rows.all()
    ]
    weekly = sorted(plan.weekly_entries.all(), key=lambda e: (e.weekday, e.starts_at, e.ends_at, e.content))
    daily = list(plan.daily_activities.all())
    three = []
    for index in range(max(len(weekly), len(daily), 1 if plan.non_weekly_services else 0)):
        record = head | {"週間サービス計画表作成年月日": created, "居宅サービス計画作成（変更）日": created}
        if index < len(weekly):
            entry = weekly[index]
            record |= {
                "介護サービス内容": entry.content,
                "曜日": str(entry.weekday + 1),
                "開始時間": r.hhmm(entry.starts_at),
                "終了時間": r.hhmm(entry.ends_at),
            }
        if index < len(daily):
            activity = daily[index]
            record |= {
                "主な日常生活上の活動": activity.content,
                "開始時間#11": r.hhmm(activity.starts_at),
                "終了時間#12": r.hhmm(activity.ends_at),
            }
        if index == 0:
            record["週単位以外のサービス"] = plan.non_weekly_services
        three.append(record)
    return [one], two, three


def latest_delivered(office: Organisation, persons=None):
    """The latest delivered version of each series the office wrote (for the persons given)."""
    plans = CarePlan.objects.filter(author_office=office, status=PlanStatus.DELIVERED)
    if persons is not None:
        plans = plans.filter(person__in=persons)
    return selectors.with_tables(plans.select_related("series")).order_by(
        "person_id", "-created_on", "-version"
    )


def plans_unit(
    *, actor: Actor, receiver: Organisation, receiver_type: str, plans=None, stamp: str = ""
) -> Unit:
    """1・2・3表 + 補足 of the office's delivered plans for the persons whom `receiver` serves (or of the
    plans given, each of which the receiver must serve)."""
    sender = _require_sender(actor, care_manager=True)
    _receiver_type(receiver, receiver_type)
    if plans is None:
        chosen = {}
        for plan in latest_delivered(sender):
            chosen.setdefault(plan.person_id, plan)
        plans = [p for p in chosen.values() if selectors.may_receive(receiver, p.person)]
    plans = sorted(plans, key=lambda p: _person_key(p.person))
    if not plans:
        _fail("送付先の事業所が担当する利用者の交付済みの計画がありません。", "careplans.nothing_to_send")
    for plan in plans:
        if plan.author_office_id != sender.pk or plan.status != PlanStatus.DELIVERED:
            _fail(
                "出力できるのは自事業所の交付済み（交付用登録）の計画だけです。", "careplans.wrong_state", 409
            )
    persons = [p.person for p in plans]
    _gate(actor, receiver, persons)
    unit = Unit(
        UnitKind.PLANS,
        sender,
        care_management_type(sender),
        receiver,
        receiver_type,
        stamp or new_stamp(sender, receiver),
        persons=persons,
    )
    firsts = dict(
        CarePlan.objects.filter(pk__in={p.series_id for p in plans}).values_list("pk", "created_on")
    )
    ones, twos, threes = [], [], []
    for plan in plans:
        one, two, three = plan_records(plan, firsts.get(plan.series_id, plan.created_on))
        ones += one
        twos += two
        threes += three
    supplements = [supplement_of_plan(plan, sender) for plan in plans]
    _add(unit, actor, "UPHOSOKU", "000000", supplements, persons)
    _add(unit, actor, "UP1KYO", None, ones, persons)
    _add(unit, actor, "UP2KYO", None, twos, _persons_in(twos, persons))
    _add(unit, actor, "UP3KYO", None, threes, _persons_in(threes, persons))
    return _recorded(unit, actor)


def _persons_in(records: list[dict], persons: list[InsuredPerson]) -> list[InsuredPerson]:
    keys = {(rec["保険者番号"], rec["被保険者番号"]) for rec in records}
    return [p for p in persons if _person_key(p) in keys]


def _add(unit: Unit, actor: Actor, prefix: str, month: str | None, records: list[dict], persons) -> None:
    """One file of the unit (a file without records is not written), logged per person."""
    if not records:
        return
    unit.files.append((unit.name(prefix, month), write(LAYOUTS[prefix], records)))
    _log(actor, list(persons))


def _recorded(unit: Unit, actor: Actor) -> Unit:
    ExchangeUnit.objects.create(
        direction="out",
        kind=unit.kind,
        office=actor.organisation,
        sender_number=unit.sender.office_number,
        sender_type=unit.sender_type,
        receiver_number=unit.receiver.office_number,
        receiver_type=unit.receiver_type,
        month=unit.month,
        stamp=unit.stamp,
        digest=unit.digest,
        files=[name for name, _ in unit.files],
        persons=len(unit.persons),
        by=actor.user,
        by_name=actor.name,
    )
    return unit


def plan_delete_unit(
    *, actor: Actor, receiver: Organisation, receiver_type: str, plans: list[CarePlan], stamp: str = ""
) -> Unit:
    """1表削除 of plans the office wrote (withdrawn plans, or plans to be withdrawn at the receiver)."""
    sender = _require_sender(actor, care_manager=True)
    _receiver_type(receiver, receiver_type)
    plans = sorted(plans, key=lambda p: (_person_key(p.person), p.created_on))
    if not plans or any(p.author_office_id != sender.pk for p in plans):
        _fail("削除を送れるのは自事業所の計画だけです。", "careplans.not_author", 403)
    persons = list({p.person_id: p.person for p in plans}.values())
    _gate(actor, receiver, persons)
    unit = Unit(
        UnitKind.PLAN_DELETE,
        sender,
        care_management_type(sender),
        receiver,
        receiver_type,
        stamp or new_stamp(sender, receiver),
        persons=persons,
    )
    records = [_head(p.person) | {"居宅サービス計画作成（変更）日": r.ymd(p.created_on)} for p in plans]
    _add(unit, actor, "DLT1KYO", None, records, persons)
    return _recorded(unit, actor)


# --- 第6表・第7表 ----------------------------------------------------------------------------------


def _month_lines(month: ServiceMonth, kind: str, office_number: str, service_type: str):
    lines = [
        line
        for line in month.lines.all()
        if line.kind == kind and line.office_number == office_number and line.service_type == service_type
    ]
    return sorted(lines, key=line_order)


def line_records(month: ServiceMonth, lines, *, created_on: dt.date | None = None) -> list[dict[str, str]]:
    head = (
        _head(month.person)
        | r.cells_of("UPPLAN", month, r.MONTH_OF_LINE)
        | {"プラン担当業者コード": month.author_office.office_number}
    )
    return [
        head
        | r.cells_of("UPPLAN", line)
        | {"作成年月日": r.ymd(created_on or line.reported_on or month.created_on)}
        for line in lines
    ]


def months_of(office: Organisation, month: dt.date, persons=None):
    months = ServiceMonth.objects.filter(author_office=office, month=month)
    if persons is not None:
        months = months.filter(person__in=persons)
    return months.select_related("person__insurer", "author_office").prefetch_related("lines", "table7")


def month_unit(
    *, actor: Actor, receiver: Organisation, receiver_type: str, month: dt.date, persons=None, stamp: str = ""
) -> Unit:
    """第6表 (予定) + 第7表 + 補足 of one month, holding the receiver's rows of one service type."""
    sender = _require_sender(actor, care_manager=True)
    _receiver_type(receiver, receiver_type)
    number = receiver.office_number
    months = [
        m for m in months_of(sender, month, persons) if _month_lines(m, LineKind.PLAN, number, receiver_type)
    ]
    months.sort(key=lambda m: _person_key(m.person))
    if not months:
        _fail(
            f"{to_wareki_month_with_seireki(month)}に送付先の事業所の予定がある利用票がありません。",
            "careplans.nothing_to_send",
        )
    people = [m.person for m in months]
    _gate(actor, receiver, people)
    unit = Unit(
        UnitKind.MONTH,
        sender,
        care_management_type(sender),
        receiver,
        receiver_type,
        stamp or new_stamp(sender, receiver),
        month=month,
        persons=people,
    )
    plan_lines, table7 = [], []
    for service_month in months:
        plan_lines += line_records(
            service_month,
            _month_lines(service_month, LineKind.PLAN, number, receiver_type),
            created_on=service_month.created_on,
        )
        table7 += table7_records(service_month, number, receiver_type)
    ym = r.ym(month)
    _add(unit, actor, "UPHOSOKU", ym, [supplement_of_month(m, sender) for m in months], people)
    _add(unit, actor, "UPPLAN", ym, plan_lines, people)
    _add(unit, actor, "UPSIKYU", ym, table7, _persons_in(table7, people))
    return _recorded(unit, actor)


def table7_records(month: ServiceMonth, office_number: str | None, service_type: str | None) -> list[dict]:
    """第7表's rows of one office and type (all rows when None), and the month's 全合計 last."""
    rows = sorted(month.table7.all(), key=lambda row: (row.is_total, row.position))
    kept = [
        row
        for row in rows
        if row.is_total
        or office_number is None
        or (row.office_number == office_number and row.service_code[:2] == service_type)
    ]
    head = _head(month.person) | {"対象年月": r.ym(month.month)}
    return (
        [head | r.cells_of("UPSIKYU", row) for row in kept] if any(not row.is_total for row in kept) else []
    )


def month_delete_unit(
    *,
    actor: Actor,
    receiver: Organisation,
    receiver_type: str,
    month: dt.date,
    persons: list[InsuredPerson],
    stamp: str = "",
) -> Unit:
    """6表削除: the receiver no longer has planned services that month for these persons."""
    sender = _require_sender(actor, care_manager=True)
    _receiver_type(receiver, receiver_type)
    persons = sorted(persons, key=_person_key)
    if not persons:
        _fail("削除する利用者を選んでください。", "careplans.nothing_to_send")
    _gate(actor, receiver, persons)
    unit = Unit(
        UnitKind.MONTH_DELETE,
        sender,
        care_management_type(sender),
        receiver,
        receiver_type,
        stamp or new_stamp(sender, receiver),
        month=month,
        persons=persons,
    )
    _add(
        unit,
        actor,
        "DLTPLAN",
        r.ym(month),
        [_head(p) | {"削除対象年月": r.ym(month)} for p in persons],
        persons,
    )
    return _recorded(unit, actor)


def actuals_unit(
    *, actor: Actor, receiver: Organisation, month: dt.date, service_type: str, persons=None, stamp: str = ""
) -> Unit:
    """実績 of one month and service type, from the provider to the care manager's office."""
    sender = _require_sender(actor, care_manager=False)
    if service_type not in sender.service_type_codes():
        _fail(f"自事業所はサービス種類{service_type}の指定を受けていません。", "careplans.sender_type")
    number = sender.office_number
    months = [
        m
        for m in months_of(receiver, month, persons)
        if _month_lines(m, LineKind.ACTUAL, number, service_type)
    ]
    months.sort(key=lambda m: _person_key(m.person))
    if not months:
        _fail(f"{to_wareki_month_with_seireki(month)}に送れる実績がありません。", "careplans.nothing_to_send")
    people = [m.person for m in months]
    _gate(actor, receiver, people)
    unit = Unit(
        UnitKind.ACTUALS,
        sender,
        service_type,
        receiver,
        care_management_type(receiver),
        stamp or new_stamp(sender, receiver),
        month=month,
        persons=people,
    )
    records = []
    for service_month in months:
        records += line_records(
            service_month, _month_lines(service_month, LineKind.ACTUAL, number, service_type)
        )
    _add(unit, actor, "UPJSK", r.ym(month), records, people)
    return _recorded(unit, actor)


def actual_delete_unit(
    *,
    actor: Actor,
    receiver: Organisation,
    month: dt.date,
    service_type: str,
    persons: list[InsuredPerson],
    stamp: str = "",
) -> Unit:
    sender = _require_sender(actor, care_manager=False)
    persons = sorted(persons, key=_person_key)
    if not persons:
        _fail("削除する利用者を選んでください。", "careplans.nothing_to_send")
    _gate(actor, receiver, persons)
    unit = Unit(
        UnitKind.ACTUAL_DELETE,
        sender,
        service_type,
        receiver,
        care_management_type(receiver),
        stamp or new_stamp(sender, receiver),
        month=month,
        persons=persons,
    )
    records = [
        _head(p)
        | {
            "削除対象年月": r.ym(month),
            "サービス事業者コード": sender.office_number,
            "サービス種類コード": service_type,
        }
        for p in persons
    ]
    _add(unit, actor, "DLTJSK", r.ym(month), records, persons)
    return _recorded(unit, actor)


def destinations(office: Organisation) -> list[tuple[Organisation, str]]:
    """(office, service type) of every office that serves one of this office's persons now."""
    from consent.models import Relationship
    from consent.policy import live_relationship_q

    live = Relationship.objects.filter(live_relationship_q(timezone.now()))
    theirs = live.filter(person__in=live.filter(office=office).values("person")).exclude(office=office)
    others = Organisation.objects.filter(pk__in=theirs.values("office")).prefetch_related("services")
    return [
        (other, code)
        for other in others.order_by("office_number")
        for code in sorted(other.service_type_codes())
    ]
