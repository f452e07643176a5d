"""Every write of care plans and LIFE assessments. Atomic; notices go out after commit.

Who may make each transition (the `actor` is a signed-in user's or an API key's Actor):
- write, change, ask for agreement, withdraw the request, record paper agreement, deliver, revise, send:
  a care manager (or care-management API key) of the plan's author office;
- agree on the portal: the person, or their representative, while the plan is in 同意・確認用登録.
The callers have already passed the `careplan` gate for the person (selectors.plan_for / person_for).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from consent.policy import is_care_manager
from eligibility.models import InsuredPerson
from kaigo_portal import numbers
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import Organisation
from kaigo_portal.errors import ApplicationError
from kaigo_portal.numbers import contains_my_number
from kaigo_portal.offices import rules as office_rules
from kaigo_portal.validators import MY_NUMBER_MESSAGE
from kaigo_portal.wareki import to_wareki_with_seireki

from . import selectors
from .models import (
    DELIVERED_STATES,
    AgreementMethod,
    CarePlan,
    Delivery,
    PlanEvent,
    PlanEventKind,
    PlanKind,
    PlanServiceRow,
    PlanStatus,
    WeeklyEntry,
)
from .standard import codec

OPEN_STATES = (PlanStatus.DRAFT, PlanStatus.FOR_CONSENT, PlanStatus.AGREED)
TEXT_LIMITS = {"long_period": 60, "short_period": 60, "service_kind": 60, "office_name": 200, "frequency": 60,
               "period": 60}  # fmt: skip


@dataclass
class RowInput:
    """第2表の1行 as the editor, the API and the CSV import hand it over."""

    need: str
    long_goal: str = ""
    long_period: str = ""
    short_goal: str = ""
    short_period: str = ""
    service_content: str = ""
    insured: bool = True
    service_kind: str = ""
    office_number: str = ""
    office_name: str = ""
    frequency: str = ""
    period: str = ""


@dataclass
class WeeklyInput:
    weekday: int
    starts_at: dt.time
    ends_at: dt.time
    content: str


@dataclass
class PlanInput:
    """What the care manager writes. Person, certification and offices come from the platform."""

    created_on: dt.date
    plan_kind: str = PlanKind.FIRST
    intentions: str = ""
    policy: str = ""
    living_support_reason: str = ""
    non_weekly_services: str = ""
    rows: list[RowInput] = field(default_factory=list)
    weekly: list[WeeklyInput] = field(default_factory=list)


def _fail(message: str, code: str, fields: dict | None = None, status: int = 400):
    raise ApplicationError(message, code=code, fields=fields, status=status)


# --- who may ---------------------------------------------------------------------------------------


def _require_author(actor: Actor, plan: CarePlan) -> None:
    if not is_care_manager(actor) or actor.organisation.pk != plan.author_office_id:
        _fail(
            "この操作は計画を作成した居宅介護支援事業所のケアマネジャーだけが行えます。",
            "careplans.not_author",
            status=403,
        )


def _require_state(plan: CarePlan, *states: str) -> None:
    if plan.status not in states:
        labels = "・".join(str(PlanStatus(s).label) for s in states)
        _fail(
            f"この計画は「{plan.get_status_display()}」のため、この操作はできません（{labels}の計画だけ）。",
            "careplans.wrong_state",
            status=409,
        )


def _event(plan: CarePlan, kind: str, actor: Actor | None, note: str = "") -> None:
    PlanEvent.objects.create(
        plan=plan,
        kind=kind,
        by=actor.user if actor else None,
        by_name=actor.name if actor else "システム",
        note=note[:200],
    )


def _save(plan: CarePlan, *fields: str) -> None:
    plan.updated_at = timezone.now()
    plan.full_clean(exclude=["series", "created_by"])
    plan.save(update_fields=[*fields, "updated_at"])


# --- the content -----------------------------------------------------------------------------------


TEXTS_1 = ("intentions", "policy", "living_support_reason", "non_weekly_services")
TEXTS_2 = ("need", "long_goal", "long_period", "short_goal", "short_period", "service_content", "service_kind",
           "office_name", "frequency", "period")  # fmt: skip


def _ms932(errors: dict, key: str, holder, name: str) -> None:
    """The plan travels as MS932 CSV (ケアプランデータ連携, no 外字): text is stored as MS932 gives it back,
    and a character MS932 cannot hold is refused; so is a 個人番号."""
    value, bad = codec.ms932(getattr(holder, name))
    if bad:
        errors.setdefault(key, []).append(f"Shift_JIS（MS932）で表せない文字があります（{bad[:10]}）。")
    if contains_my_number(value):  # never stored, shown or sent (kaigo_portal.validators)
        errors.setdefault(key, []).append(MY_NUMBER_MESSAGE)
    setattr(holder, name, value)


def _check(data: PlanInput, person: InsuredPerson) -> dict[str, Organisation]:
    """Validates the whole input; every problem is reported at once, keyed by field (rows.N.field)."""
    errors: dict[str, list[str]] = {}
    for name in TEXTS_1:
        _ms932(errors, name, data, name)
    for index, row in enumerate(data.rows):
        for name in TEXTS_2:
            _ms932(errors, f"rows.{index}.{name}", row, name)
    for index, entry in enumerate(data.weekly):
        _ms932(errors, f"weekly.{index}.content", entry, "content")
    if data.plan_kind not in PlanKind.values:
        errors.setdefault("plan_kind", []).append("初回・紹介・継続のいずれかを選んでください。")
    if data.created_on > timezone.localdate():
        errors.setdefault("created_on", []).append("作成年月日に未来の日付は指定できません。")
    if len(data.living_support_reason) > 200:
        errors.setdefault("living_support_reason", []).append("200文字以内で入力してください。")
    wanted = {row.office_number for row in data.rows if row.office_number}
    offices = {o.office_number: o for o in Organisation.objects.filter(office_number__in=wanted)}
    for index, row in enumerate(data.rows):
        key = f"rows.{index}"
        if not row.need.strip():
            errors.setdefault(f"{key}.need", []).append("課題（ニーズ）を入力してください。")
        for name, limit in TEXT_LIMITS.items():
            if len(getattr(row, name)) > limit:
                errors.setdefault(f"{key}.{name}", []).append(f"{limit}文字以内で入力してください。")
        if row.office_number:
            if numbers.has_errors(numbers.check_office_number(row.office_number)):
                errors.setdefault(f"{key}.office_number", []).append("事業所番号が正しくありません。")
            elif row.office_number not in offices:
                errors.setdefault(f"{key}.office_number", []).append(
                    "この事業所番号の事業所は登録されていません。"
                )
        if row.insured and not row.office_number:
            errors.setdefault(f"{key}.office_number", []).append(
                "保険給付対象のサービスには事業所を指定してください。"
            )
    for index, entry in enumerate(data.weekly):
        key = f"weekly.{index}"
        if entry.weekday not in range(7):
            errors.setdefault(f"{key}.weekday", []).append("曜日が正しくありません。")
        if entry.ends_at <= entry.starts_at:
            errors.setdefault(f"{key}.ends_at", []).append("終了時刻は開始時刻より後にしてください。")
        if not entry.content.strip() or len(entry.content) > 100:
            errors.setdefault(f"{key}.content", []).append("サービス内容を100文字以内で入力してください。")
    if errors:
        _fail("入力内容に誤りがあります。", "careplans.invalid", errors)
    return offices


def number_rows(rows: list[RowInput]) -> list[tuple[int, int, int]]:
    """課題NO, 援助目標NO, 援助内容NO: a new need when the need changes from the row before, a new goal
    when the goals or their periods change, and services numbered within their goal."""
    out, need_no, goal_no, service_no, previous = [], 0, 0, 0, None
    for row in rows:
        goal = (row.long_goal, row.long_period, row.short_goal, row.short_period)
        if previous is None or row.need != previous[0]:
            need_no, goal_no, service_no = need_no + 1, 1, 1
        elif goal != previous[1]:
            goal_no, service_no = goal_no + 1, 1
        else:
            service_no += 1
        out.append((need_no, goal_no, service_no))
        previous = (row.need, goal)
    return out


def _write_tables(plan: CarePlan, data: PlanInput, offices: dict[str, Organisation]) -> None:
    plan.service_rows.all().delete()
    plan.weekly_entries.all().delete()
    PlanServiceRow.objects.bulk_create(
        [
            PlanServiceRow(
                plan=plan,
                position=index + 1,
                need_no=need_no,
                need=row.need,
                goal_no=goal_no,
                long_goal=row.long_goal,
                long_period=row.long_period,
                short_goal=row.short_goal,
                short_period=row.short_period,
                service_no=service_no,
                service_content=row.service_content,
                insured=row.insured,
                service_kind=row.service_kind,
                office=offices.get(row.office_number),
                office_number=row.office_number,
                office_name=row.office_name
                or (offices[row.office_number].name if row.office_number in offices else ""),
                frequency=row.frequency,
                period=row.period,
            )
            for index, (row, (need_no, goal_no, service_no)) in enumerate(
                zip(data.rows, number_rows(data.rows), strict=True)
            )
        ]
    )
    WeeklyEntry.objects.bulk_create(
        [
            WeeklyEntry(
                plan=plan, weekday=e.weekday, starts_at=e.starts_at, ends_at=e.ends_at, content=e.content
            )
            for e in data.weekly
        ]
    )


def _apply_facts(plan: CarePlan) -> None:
    facts = selectors.certification_facts(plan.person, plan.created_on)
    for name, value in facts.items():
        setattr(plan, name, value)


CONTENT_FIELDS = (
    "created_on",
    "plan_kind",
    "intentions",
    "policy",
    "living_support_reason",
    "non_weekly_services",
)
FACT_FIELDS = (
    "certification_status",
    "care_level",
    "certified_on",
    "valid_from",
    "valid_to",
    "panel_opinion",
)


def plan_create(*, actor: Actor, person: InsuredPerson, data: PlanInput, imported: bool = False) -> CarePlan:
    """A new 原案 by a care manager of a care-management office (version 1 of a new series)."""
    if not is_care_manager(actor):
        _fail(
            "ケアプランは居宅介護支援事業所などのケアマネジャーだけが作成できます。",
            "careplans.not_care_manager",
            status=403,
        )
    offices = _check(data, person)
    with transaction.atomic():
        plan = CarePlan(
            person=person,
            author_office=actor.organisation,
            created_by=actor.user,
            care_manager_name=actor.user.name if actor.user else actor.name,
            **{name: getattr(data, name) for name in CONTENT_FIELDS},
        )
        _apply_facts(plan)
        plan.full_clean(exclude=["series", "created_by"])
        plan.save()
        plan.series = plan
        plan.save(update_fields=["series"])
        _write_tables(plan, data, offices)
        _event(plan, PlanEventKind.IMPORTED if imported else PlanEventKind.CREATED, actor)
    return plan


def plan_update(*, actor: Actor, plan: CarePlan, data: PlanInput, imported: bool = False) -> CarePlan:
    """Changes a 原案 (only a 原案: a plan awaiting agreement is withdrawn first)."""
    _require_author(actor, plan)
    offices = _check(data, plan.person)
    with transaction.atomic():
        plan = CarePlan.objects.select_for_update().get(pk=plan.pk)
        _require_state(plan, PlanStatus.DRAFT)
        for name in CONTENT_FIELDS:
            setattr(plan, name, getattr(data, name))
        _apply_facts(plan)
        _save(plan, *CONTENT_FIELDS, *FACT_FIELDS)
        _write_tables(plan, data, offices)
        _event(plan, PlanEventKind.IMPORTED if imported else PlanEventKind.UPDATED, actor)
    return plan


def _locked(plan: CarePlan, *states: str) -> CarePlan:
    locked = CarePlan.objects.select_for_update().select_related("person__insurer").get(pk=plan.pk)
    _require_state(locked, *states)
    return locked


def plan_request_agreement(*, actor: Actor, plan: CarePlan) -> CarePlan:
    """原案 → 同意・確認用登録: stored for the person to agree to on their own page (they are told)."""
    _require_author(actor, plan)
    from . import tasks

    with transaction.atomic():
        plan = _locked(plan, PlanStatus.DRAFT)
        if not plan.service_rows.exists():
            _fail("第2表（課題と援助内容）が1行もない計画は同意を依頼できません。", "careplans.no_rows")
        plan.status = PlanStatus.FOR_CONSENT
        _save(plan, "status")
        _event(plan, PlanEventKind.AGREEMENT_REQUESTED, actor)
        plan_id = plan.pk
        transaction.on_commit(lambda: tasks.notify_agreement_requested.delay(plan_id))
    return plan


def plan_withdraw_request(*, actor: Actor, plan: CarePlan) -> CarePlan:
    """同意・確認用登録 → 原案 (to change it before the person agrees)."""
    _require_author(actor, plan)
    with transaction.atomic():
        plan = _locked(plan, PlanStatus.FOR_CONSENT)
        plan.status = PlanStatus.DRAFT
        _save(plan, "status")
        _event(plan, PlanEventKind.AGREEMENT_WITHDRAWN, actor)
    return plan


def plan_agree(*, actor: Actor, plan: CarePlan) -> CarePlan:
    """The person (or their representative) agrees on their own page: 同意・確認用登録 → 同意済み."""
    if not actor.is_person or not selectors.acts_for(actor.user, plan.person):
        _fail("同意できるのはご本人または代理人だけです。", "careplans.not_the_person", status=403)
    with transaction.atomic():
        plan = _locked(plan, PlanStatus.FOR_CONSENT)
        plan.status = PlanStatus.AGREED
        plan.agreed_on = timezone.localdate()
        plan.agreement_method = AgreementMethod.PORTAL
        plan.agreed_by_name = actor.user.name
        _save(plan, "status", "agreed_on", "agreement_method", "agreed_by_name")
        _event(plan, PlanEventKind.AGREED, actor)
    return plan


def plan_record_paper_agreement(
    *, actor: Actor, plan: CarePlan, agreed_on: dt.date, agreed_by_name: str = ""
) -> CarePlan:
    """The care manager records an agreement given on paper, with its date: 原案 or 同意・確認用登録 → 同意済み."""
    _require_author(actor, plan)
    with transaction.atomic():
        plan = _locked(plan, PlanStatus.DRAFT, PlanStatus.FOR_CONSENT)
        if agreed_on > timezone.localdate():
            _fail(
                "同意日に未来の日付は指定できません。",
                "careplans.agreed_on_future",
                {"agreed_on": ["未来の日付です。"]},
            )
        if agreed_on < plan.created_on:
            _fail(
                "同意日は作成年月日以降の日付にしてください。",
                "careplans.agreed_on_before_plan",
                {"agreed_on": ["作成年月日より前です。"]},
            )
        if not plan.service_rows.exists():
            _fail("第2表（課題と援助内容）が1行もない計画には同意を記録できません。", "careplans.no_rows")
        plan.status = PlanStatus.AGREED
        plan.agreed_on = agreed_on
        plan.agreement_method = AgreementMethod.PAPER
        plan.agreed_by_name = agreed_by_name[:100] or plan.person.name
        _save(plan, "status", "agreed_on", "agreement_method", "agreed_by_name")
        _event(plan, PlanEventKind.PAPER_AGREEMENT, actor, note=f"同意日 {to_wareki_with_seireki(agreed_on)}")
    return plan


def plan_deliver(*, actor: Actor, plan: CarePlan) -> CarePlan:
    """同意済み → 交付用登録. The series' previously delivered version becomes 変更前の版."""
    _require_author(actor, plan)
    with transaction.atomic():
        plan = _locked(plan, PlanStatus.AGREED)
        previous = list(
            CarePlan.objects.select_for_update().filter(series_id=plan.series_id, status=PlanStatus.DELIVERED)
        )
        for old in previous:
            old.status = PlanStatus.SUPERSEDED
            _save(old, "status")
            _event(old, PlanEventKind.SUPERSEDED, actor, note=f"第{plan.version}版を交付")
        plan.status = PlanStatus.DELIVERED
        plan.delivered_at = timezone.now()
        _save(plan, "status", "delivered_at")
        _event(plan, PlanEventKind.DELIVERED, actor)
    return plan


def plan_revise(*, actor: Actor, plan: CarePlan) -> CarePlan:
    """A change of a delivered plan: a new 原案, the next version of the series, copied from it."""
    _require_author(actor, plan)
    with transaction.atomic():
        plan = _locked(plan, PlanStatus.DELIVERED)
        if CarePlan.objects.filter(series_id=plan.series_id, status__in=OPEN_STATES).exists():
            _fail("この計画には作成中の版がすでにあります。", "careplans.open_version_exists", status=409)
        latest = CarePlan.objects.filter(series_id=plan.series_id).order_by("-version").first()
        data = plan_input_of(plan)
        data.created_on = timezone.localdate()
        data.plan_kind = PlanKind.CONTINUING
        new = CarePlan(
            person=plan.person,
            author_office=plan.author_office,
            series_id=plan.series_id,
            version=latest.version + 1,
            created_by=actor.user,
            care_manager_name=actor.user.name if actor.user else actor.name,
            **{name: getattr(data, name) for name in CONTENT_FIELDS},
        )
        _apply_facts(new)
        new.full_clean(exclude=["series", "created_by"])
        new.save()
        offices = {r.office_number: r.office for r in plan.service_rows.all() if r.office_id}
        _write_tables(new, data, offices)
        _event(new, PlanEventKind.CREATED, actor, note=f"第{plan.version}版の変更")
    return new


def plan_send(*, actor: Actor, plan: CarePlan, office: Organisation) -> Delivery:
    """Sends the delivered plan to ONE office (no bulk send, domain.md §2.9). The office must serve the
    person and pass the careplan gate (relationship + consent) now; it is told after commit."""
    _require_author(actor, plan)
    from . import tasks

    if office.pk == plan.author_office_id:
        _fail("自分の事業所には送付できません。", "careplans.send_to_self")
    office_rules.require_listed(office.office_number, what="送付先の事業所")
    if not selectors.may_receive(office, plan.person):
        _fail(
            "送付先はこの方の担当事業所（本人確認済みで、本人の同意がある事業所）でなければなりません。",
            "careplans.receiver_not_serving",
        )
    with transaction.atomic():
        plan = _locked(plan, PlanStatus.DELIVERED)
        if Delivery.objects.filter(plan=plan, office=office).exists():
            _fail("この版はすでにこの事業所に送付済みです。", "careplans.already_sent", status=409)
        delivery = Delivery.objects.create(
            plan=plan, office=office, sent_by=actor.user, sent_by_name=actor.name
        )
        _event(plan, PlanEventKind.SENT, actor, note=f"{office.office_number} {office.name}")
        delivery_id = delivery.pk
        transaction.on_commit(lambda: tasks.notify_plan_sent.delay(delivery_id))
    return delivery


def delivery_mark_opened(*, delivery: Delivery) -> None:
    if delivery.opened_at is None:
        Delivery.objects.filter(pk=delivery.pk, opened_at__isnull=True).update(opened_at=timezone.now())


def plan_input_of(plan: CarePlan) -> PlanInput:
    """A plan's content as input again (for a new version, and for the CSV round trip)."""
    return PlanInput(
        **{name: getattr(plan, name) for name in CONTENT_FIELDS},
        rows=[
            RowInput(
                need=r.need,
                long_goal=r.long_goal,
                long_period=r.long_period,
                short_goal=r.short_goal,
                short_period=r.short_period,
                service_content=r.service_content,
                insured=r.insured,
                service_kind=r.service_kind,
                office_number=r.office_number,
                office_name=r.office_name,
                frequency=r.frequency,
                period=r.period,
            )
            for r in plan.service_rows.all()
        ],
        weekly=[WeeklyInput(e.weekday, e.starts_at, e.ends_at, e.content) for e in plan.weekly_entries.all()],
    )


__all__ = [
    "DELIVERED_STATES", "PlanInput", "RowInput", "WeeklyInput", "delivery_mark_opened",
    "number_rows", "plan_agree", "plan_create", "plan_deliver", "plan_input_of", "plan_record_paper_agreement",
    "plan_request_agreement", "plan_revise", "plan_send", "plan_update", "plan_withdraw_request",
]  # fmt: skip
