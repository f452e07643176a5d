"""Plans driven through the services to a given state."""

from __future__ import annotations

import datetime as dt
import itertools

from careplans import services
from careplans.models import CarePlan
from eligibility.tests import factories as ef

TODAY = dt.date(2026, 11, 20)


def plan_input(**overrides) -> services.PlanInput:
    values = dict(
        created_on=TODAY,
        plan_kind="1",
        intentions="自宅で暮らし続けたい。髙﨑の実家にも行きたい。",
        policy="転倒を防ぎ、入浴を安全に続けられるよう支援します。",
        living_support_reason="",
        non_weekly_services="福祉用具貸与（手すり）",
        rows=[
            services.RowInput(
                need="一人で安全に入浴したい",
                long_goal="安全に入浴できる",
                long_period="2026/12〜2027/05",
                short_goal="介助で週2回入浴する",
                short_period="2026/12〜2027/02",
                service_content="入浴介助",
                insured=True,
                service_kind="訪問介護",
                office_number="1370100024",
                frequency="週2回",
                period="2026/12〜2027/02",
            ),
            services.RowInput(
                need="一人で安全に入浴したい",
                long_goal="安全に入浴できる",
                long_period="2026/12〜2027/05",
                short_goal="介助で週2回入浴する",
                short_period="2026/12〜2027/02",
                service_content="=見守り（家族）",
                insured=False,
                office_name="家族（長女）",
                frequency="毎日",
                period="2026/12〜2027/02",
            ),
            services.RowInput(
                need="買い物に行けるようになりたい",
                long_goal="近所のスーパーまで歩ける",
                short_goal="屋内を杖で歩ける",
                service_content="生活援助（買い物）",
                insured=True,
                service_kind="訪問介護",
                office_number="1370100024",
                frequency="週1回",
            ),
        ],
        weekly=[
            services.WeeklyInput(1, dt.time(10), dt.time(11), "訪問介護（入浴介助）"),
            services.WeeklyInput(4, dt.time(10), dt.time(11), "訪問介護（入浴介助）"),
        ],
    )
    values.update(overrides)
    return services.PlanInput(**values)


def draft(*, actor, person, **overrides) -> CarePlan:
    return services.plan_create(actor=actor, person=person, data=plan_input(**overrides))


def awaiting(*, actor, person) -> CarePlan:
    return services.plan_request_agreement(actor=actor, plan=draft(actor=actor, person=person))


def delivered(*, actor, person) -> CarePlan:
    plan = services.plan_record_paper_agreement(
        actor=actor, plan=draft(actor=actor, person=person), agreed_on=TODAY
    )
    return services.plan_deliver(actor=actor, plan=plan)


_numbers = itertools.count(9_000_000_001)


def person(*, insurer, **kwargs):
    """A person numbered from 9000000001 up: this app's tests leave eligibility's shared counter alone,
    so that other apps' tests that mix counted and fixed numbers see the numbers they expect."""
    return ef.person(insurer=insurer, insured_number=f"{next(_numbers):010d}", **kwargs)
