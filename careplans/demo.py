"""Demo data for care plans and LIFE (idempotent): for the demo person (person@example.jp), a delivered
plan sent to the 訪問介護 office (its inbox entry) and its change awaiting the person's agreement; and six
months of LIFE assessments by the 訪問介護 office for the persons it serves."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from consent.models import PersonAccount, Relationship
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import Organisation, Role, User

from . import services
from .life import rules as life_rules
from .life import services as life_services
from .models import CarePlan


def _plan_input(today: dt.date) -> services.PlanInput:
    homon = "1370100024"
    return services.PlanInput(
        created_on=today - dt.timedelta(days=30),
        plan_kind="1",
        intentions="本人：住み慣れた家で暮らし続けたい。家族：転ばないように見守ってほしい。",
        policy="転倒を防ぎ、入浴と買い物を安全に続けられるよう、訪問介護と家族の見守りで支えます。",
        non_weekly_services="福祉用具貸与（手すり・歩行器）",
        rows=[
            services.RowInput(
                need="一人で安全に入浴したい",
                long_goal="安全に入浴できる",
                long_period="6か月",
                short_goal="介助を受けて週2回入浴する",
                short_period="3か月",
                service_content="入浴介助",
                service_kind="訪問介護",
                office_number=homon,
                frequency="週2回",
                period="3か月",
            ),
            services.RowInput(
                need="一人で安全に入浴したい",
                long_goal="安全に入浴できる",
                long_period="6か月",
                short_goal="介助を受けて週2回入浴する",
                short_period="3か月",
                service_content="見守り",
                insured=False,
                office_name="家族（長女）",
                frequency="毎日",
                period="3か月",
            ),
            services.RowInput(
                need="近所まで買い物に行きたい",
                long_goal="近所のスーパーまで歩ける",
                long_period="6か月",
                short_goal="屋内を歩行器で歩ける",
                short_period="3か月",
                service_content="生活援助（買い物同行）",
                service_kind="訪問介護",
                office_number=homon,
                frequency="週1回",
                period="3か月",
            ),
        ],
        weekly=[
            services.WeeklyInput(1, dt.time(10), dt.time(11), "訪問介護（入浴介助）"),
            services.WeeklyInput(3, dt.time(14), dt.time(15), "訪問介護（買い物同行）"),
            services.WeeklyInput(4, dt.time(10), dt.time(11), "訪問介護（入浴介助）"),
        ],
    )


def barthel_scores(total: int) -> dict[str, int]:
    """Item scores that add up to `total` (a multiple of 5): every item at its best, lowered in order."""
    scores = {key: max(allowed) for key, _label, allowed in life_rules.BARTHEL_ITEMS}
    deficit = 100 - total
    for key, _label, allowed in life_rules.BARTHEL_ITEMS:
        for lower in sorted(allowed, reverse=True):
            if deficit > 0 and lower < scores[key] and scores[key] - lower <= deficit:
                deficit -= scores[key] - lower
                scores[key] = lower
    return scores


def _life(homon: Organisation, recorder: User | None, today: dt.date) -> int:
    """Six months for each person the office serves, through the same service as the form and the API."""
    actor = Actor(user=recorder, organisation=homon, role=Role.PROVIDER_STAFF)
    relationships = Relationship.objects.filter(office=homon, ended_at__isnull=True).select_related("person")
    persons = [r.person for r in relationships]
    first = today.replace(day=1)
    for n, person in enumerate(persons):
        for back in range(6, 0, -1):
            better = 6 - back  # a little better every month
            life_services.life_submit(
                actor=actor,
                person=person,
                month=first - relativedelta(months=back),
                barthel=barthel_scores(min(100, 40 + 5 * n + 5 * (better // 2))),
                dbd13={str(i): (1 if i <= max(0, 8 - n - better) else 0) for i in range(1, 14)},
                vitality={key: 1 if better < 3 else 2 for key, _label in life_rules.VITALITY_ITEMS},
                nutrition={
                    "height_cm": str(150 + n),
                    "weight_kg": f"{45 + n + better * 0.3:.1f}",
                    "risk": "medium" if better < 2 else "low",
                },
            )
    return len(persons)


def seed() -> str:
    kyotaku = Organisation.objects.filter(office_number="1370100016").first()
    homon = Organisation.objects.filter(office_number="1370100024").first()
    account = PersonAccount.objects.select_related("person").filter(user__email="person@example.jp").first()
    manager = User.objects.filter(email="caremanager@example.jp").first()
    if kyotaku is None or homon is None or account is None or manager is None:
        return "ケアプラン・LIFE: skipped (no demo person, offices or care manager)"
    if CarePlan.objects.filter(author_office=kyotaku).exists():
        return "ケアプラン・LIFE: already loaded"
    actor = Actor(user=manager, organisation=kyotaku, role=Role.CARE_MANAGER)
    today = timezone.localdate()
    with transaction.atomic():
        plan = services.plan_create(actor=actor, person=account.person, data=_plan_input(today))
        plan = services.plan_record_paper_agreement(
            actor=actor, plan=plan, agreed_on=today - dt.timedelta(days=28)
        )
        plan = services.plan_deliver(actor=actor, plan=plan)
        services.plan_send(actor=actor, plan=plan, office=homon)
        change = services.plan_revise(actor=actor, plan=plan)
        services.plan_request_agreement(actor=actor, plan=change)
        persons = _life(homon, User.objects.filter(email="provider@example.jp").first(), today)
    return (
        f"ケアプラン・LIFE: {account.person.insured_number} の交付済み計画（訪問介護へ送付）と同意待ちの第2版、"
        f"LIFE 6か月分 × {persons} 人"
    )
