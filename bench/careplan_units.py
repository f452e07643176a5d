"""The import of a send unit of the national care-plan files (標準仕様 4.1), every file type.

    bench careplan_unit_import_ms: <median of 20 imports of one upload for 100 persons: 補足, 第1・2・3表,
                                    第6表 予定, 第7表, 1表削除, 予定削除, 実績 and 実績削除 (ten files), by the
                                    provider; goal ≤ 1,000 ms>

The files are made by the portal's own export from plans and months written through the services; the
import's record of the units and the months are cleared between runs, so that each run does the whole work
again, the months made as on a first import. The
benchmark uses numbers no other benchmark uses, so it leaves nothing in their way.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from collections.abc import Iterator

RUNS = int(os.environ.get("BENCH_CAREPLAN_RUNS", "20"))
PERSONS = int(os.environ.get("BENCH_CAREPLAN_PERSONS", "100"))


def _setup():
    from careplans import months, services
    from careplans.standard import exports
    from consent.tests.factories import consent, relationship
    from eligibility.tests import factories as ef
    from kaigo_portal.access import Actor
    from kaigo_portal.accounts.models import (
        Membership,
        OfficeService,
        Organisation,
        OrganisationKind,
        Role,
        User,
    )

    def org(name, number, code):
        office = Organisation.objects.create(
            kind=OrganisationKind.CARE_OFFICE, name=name, office_number=number, prefecture="13"
        )
        OfficeService.objects.create(organisation=office, code=code)
        return office

    insurer = Organisation.objects.create(
        kind=OrganisationKind.INSURER,
        name="ベンチ市",
        insurer_number="139998",
        prefecture="13",
        go_live_date=dt.date(2026, 4, 1),
    )
    kyotaku, homon = org("ベンチ居宅", "1379900010", "43"), org("ベンチ訪問介護", "1379900028", "11")

    def actor(email, office, role):
        user = User.objects.create_user(email=email, name=email.split("@")[0])
        Membership.objects.create(user=user, organisation=office, role=role)
        return Actor(user=user, organisation=office, role=role)

    manager = actor("bench-cm@example.jp", kyotaku, Role.CARE_MANAGER)
    provider = actor("bench-provider@example.jp", homon, Role.PROVIDER_STAFF)
    today = dt.date.today()
    month = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    for n in range(PERSONS):
        person = ef.person(insurer=insurer, insured_number=f"{9_900_000_001 + n:010d}", name=f"髙﨑 花子{n}")
        ef.certification(person=person, valid_from=dt.date(2026, 4, 1), valid_to=dt.date(2028, 3, 31))
        relationship(kyotaku, person)
        relationship(homon, person)
        consent(person, on=dt.date(2026, 4, 1))
        rows = [
            services.RowInput(
                need="一人で安全に入浴したい",
                long_goal="安全に入浴できる",
                short_goal="介助で入浴する",
                service_content="入浴介助",
                service_kind="訪問介護",
                office_number=homon.office_number,
                frequency="週2回",
            ),
            services.RowInput(
                need="一人で安全に入浴したい", service_content="見守り", insured=False, office_name="家族"
            ),
        ]
        data = services.PlanInput(
            created_on=today,
            intentions="自宅で暮らし続けたい。",
            rows=rows,
            weekly=[services.WeeklyInput(1, dt.time(10), dt.time(11), "訪問介護")],
        )
        plan = services.plan_create(actor=manager, person=person, data=data)
        plan = services.plan_record_paper_agreement(actor=manager, plan=plan, agreed_on=today)
        services.plan_deliver(actor=manager, plan=plan)
        lines = [
            months.LineInput(
                day=month.replace(day=d),
                service_code="111211",
                office_number=homon.office_number,
                starts="1000",
                ends="1100",
                units=387,
            )
            for d in range(1, 29, 3)
        ]
        service_month = months.plan_lines_add(actor=manager, person=person, month=month, lines=lines)
        months.actuals_record(
            actor=provider,
            service_month=service_month,
            counts={line.pk: 1 for line in service_month.lines.all()},
        )
    from careplans.models import CarePlan, InsuredPerson

    persons = list(InsuredPerson.objects.filter(insurer=insurer).select_related("insurer"))
    stamp = month.strftime("%Y%m%d") + "0900{:02d}"
    units = [
        exports.plans_unit(actor=manager, receiver=homon, receiver_type="11", stamp=stamp.format(1)),
        exports.month_unit(
            actor=manager, receiver=homon, receiver_type="11", month=month, stamp=stamp.format(2)
        ),
        exports.actuals_unit(
            actor=provider, receiver=kyotaku, month=month, service_type="11", stamp=stamp.format(3)
        ),
        exports.plan_delete_unit(
            actor=manager,
            receiver=homon,
            receiver_type="11",
            stamp=stamp.format(4),
            plans=list(CarePlan.objects.filter(author_office=kyotaku).select_related("person__insurer")),
        ),
        exports.month_delete_unit(
            actor=manager,
            receiver=homon,
            receiver_type="11",
            month=month,
            persons=persons,
            stamp=stamp.format(5),
        ),
        exports.actual_delete_unit(
            actor=provider,
            receiver=kyotaku,
            month=month,
            service_type="11",
            persons=persons,
            stamp=stamp.format(6),
        ),
    ]
    files = [file for unit in units for file in unit.files]
    assert len({name.split("_")[0] for name, _ in files}) == 10, [name for name, _ in files]
    return provider, files


def run() -> Iterator[str]:
    from careplans.models import ExchangeUnit, ServiceMonth
    from careplans.standard import imports

    provider, files = _setup()
    timings = []
    for _ in range(RUNS):
        ExchangeUnit.objects.filter(direction="in").delete()
        ServiceMonth.objects.all().delete()  # the months are made again by the unit, as on a first import
        started = time.perf_counter()
        report = imports.import_files(actor=provider, files=files)
        timings.append((time.perf_counter() - started) * 1000)
        assert report.ok and len(report.applied) == 6, report.issues[:3]
    yield f"bench careplan_unit_import_ms: {statistics.median(timings):.1f} ({PERSONS} persons, 10 file types, median of {RUNS})"
