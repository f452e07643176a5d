"""A city's data for the load run, written set-based (the persons and the access log by SQL, the rest in
bulk through the ORM), and signed-in sessions for every user the run plays.

- BENCH_LOAD_PERSONS insured persons of 千代田区 (default 1,000,000), each with a person version and a
  certification version;
- BENCH_LOAD_OFFICES 居宅介護支援事業所 (default 300), with caseloads of 30 to 300 persons (a live
  relationship each, verified with the My Number card, and the person's consent), one care manager each;
- BENCH_LOAD_APPLICATIONS 要介護認定 applications of the last 365 days (default 60,000), those older than 30
  days decided, each with a step and an opinion request to one of the clinics (answered once decided);
- an access log filled with BENCH_LOAD_LOG_ROWS rows (default 2,000,000) on a chain of their own, which no
  live writer appends to;
- municipal clerks, clinic doctors and persons with an account, each with TOTP set up (MFA is on).

Sessions are made as Django's test client does (a login that writes the session row); the load run sends
their cookies, so that no password hashing or TOTP is part of what it measures.
"""

from __future__ import annotations

import datetime as dt
import os

from django.db import connection, transaction
from django.utils import timezone

INSURER = "131011"
CLINICS = 10
CLERKS = 20
PERSON_USERS = 50


def sizes() -> dict[str, int]:
    return {
        "persons": int(os.environ.get("BENCH_LOAD_PERSONS", "1000000")),
        "offices": int(os.environ.get("BENCH_LOAD_OFFICES", "300")),
        "applications": int(os.environ.get("BENCH_LOAD_APPLICATIONS", "60000")),
        "log_rows": int(os.environ.get("BENCH_LOAD_LOG_ROWS", "2000000")),
    }


def caseload_of(index: int) -> int:
    """30 to 300 persons, spread over the offices (the same each run)."""
    return 30 + (index * 97) % 271


def _persons(insurer_id: int, count: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO eligibility_insuredperson (insurer_id, insured_number, name_kana, name, birth_date, created_at) "
            "SELECT %s, lpad(n::text, 10, '0'), 'カイゴ　' || chr(12450 + (n %% 40)), '介護 ' || chr(19968 + (n %% 2000)), "
            "date '1930-01-01' + (n %% 12000), now() FROM generate_series(1, %s) n",
            [insurer_id, count],
        )
        cursor.execute(
            "INSERT INTO eligibility_personversion (person_id, effective_date, deleted, recorded_at, name, name_kana, "
            "birth_date, sex, postal_code, address, qualified_on, category) "
            "SELECT id, date '2005-05-03', false, now(), name, name_kana, birth_date, '2', '101-0051', "
            "'東京都千代田区神田神保町一丁目1番地', date '2005-05-03', '1' FROM eligibility_insuredperson WHERE insurer_id = %s",
            [insurer_id],
        )
        cursor.execute(
            "INSERT INTO eligibility_certificationversion (person_id, effective_date, deleted, recorded_at, care_level, "
            "certified_on, valid_from, valid_to, panel_opinion, care_plan_office_number, care_plan_office_name) "
            "SELECT id, date '2026-04-01', false, now(), '22', date '2026-04-01', date '2026-04-01', date '2027-03-31', "
            "'', '', '' FROM eligibility_insuredperson WHERE insurer_id = %s",
            [insurer_id],
        )


def _access_log(rows: int, persons: int) -> None:
    """Rows of the access log on chain 1000 (live writers use chains below KAIGO_AUDIT_CHAINS)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_accesslogentry (at, chain, chain_seq, actor_user_id, actor_name, organisation_number, "
            "organisation_name, role, api_key_prefix, insurer_number, insured_number, category, purpose, method, "
            "channel, outcome, reason, request_id, prev_hash, hash) "
            "SELECT now() - (n %% 365) * interval '1 day', 1000, n, NULL, 'ケアマネジャー', "
            "'13' || lpad((n %% 300)::text, 8, '0'), '居宅介護支援事業所', 'care_manager', '', %s, "
            "lpad((1 + n %% %s)::text, 10, '0'), 'eligibility', 'care_management', 'mynumber_card', 'page', 'granted', "
            "'relationship', '', repeat('0', 64), repeat('0', 64) FROM generate_series(1, %s) n",
            [INSURER, persons, rows],
        )


def _user(email: str, name: str, *, org=None, role=None, kind="staff"):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from kaigo_portal.accounts.models import Membership, User

    user = User.objects.create_user(email=email, password=None, name=name, kind=kind)
    if org is not None:
        Membership.objects.create(user=user, organisation=org, role=role)
    TOTP.activate(user, generate_totp_secret())
    return user


@transaction.atomic
def load() -> dict:
    """Writes the city and returns what the load run needs: each role's users with their session cookie and
    the persons and items they open."""
    from certification.models import Application, Step, StepKind
    from consent.models import Consent, ConsentSource, ConsentStatus, PersonAccount, Relationship
    from eligibility.models import InsuredPerson
    from kaigo_portal.accounts.models import OfficeService, Organisation, OrganisationKind, Role, UserKind
    from opinions.models import OpinionRequest, RequestStatus

    size = sizes()
    insurer = Organisation.objects.create(
        kind=OrganisationKind.INSURER,
        insurer_number=INSURER,
        name="千代田区",
        prefecture="13",
        go_live_date=dt.date(2026, 4, 1),
    )
    _persons(insurer.pk, size["persons"])
    ids = list(InsuredPerson.objects.filter(insurer=insurer).order_by("pk").values_list("pk", flat=True))

    offices = Organisation.objects.bulk_create(
        Organisation(
            kind=OrganisationKind.CARE_OFFICE,
            office_number=f"13{n:08d}",
            name=f"ケアプランセンター{n:03d}",
            prefecture="13",
        )
        for n in range(1, size["offices"] + 1)
    )
    OfficeService.objects.bulk_create(OfficeService(organisation=office, code="43") for office in offices)
    now, today = timezone.now(), timezone.localdate()
    care_managers, caseloads, start = [], [], 0
    for index, office in enumerate(offices):
        user = _user(
            f"cm{index:03d}@load.example.jp", f"ケアマネ{index:03d}", org=office, role=Role.CARE_MANAGER
        )
        persons = ids[start : start + caseload_of(index)] if start < len(ids) else ids[: caseload_of(index)]
        start += caseload_of(index)
        Relationship.objects.bulk_create(
            (
                Relationship(
                    office=office,
                    person_id=pk,
                    method="mynumber_card",
                    verified_at=now,
                    verified_by_name="load",
                    care_manager=user,
                    anchor_on=today,
                )
                for pk in persons
            ),
            batch_size=5000,
        )
        care_managers.append((user, persons))
        caseloads.extend(persons)
    Consent.objects.bulk_create(
        (
            Consent(
                person_id=pk,
                effective_date=dt.date(2026, 4, 1),
                reference=f"L{pk}",
                status=ConsentStatus.GRANTED,
                source=ConsentSource.APPLICATION_NEW,
                recorded_by_name="load",
            )
            for pk in set(caseloads)
        ),
        batch_size=5000,
    )

    clinics = Organisation.objects.bulk_create(
        Organisation(
            kind=OrganisationKind.CLINIC,
            medical_institution_code=f"13101{n:05d}",
            name=f"千代田第{n}クリニック",
            prefecture="13",
        )
        for n in range(1, CLINICS + 1)
    )
    doctors = [
        _user(f"dr{n:02d}@load.example.jp", f"医師{n:02d}", org=clinic, role=Role.CLINIC_DOCTOR)
        for n, clinic in enumerate(clinics)
    ]
    clerks = [
        _user(f"clerk{n:02d}@load.example.jp", f"職員{n:02d}", org=insurer, role=Role.MUNICIPAL_STAFF)
        for n in range(CLERKS)
    ]

    applied = [ids[(n * 16) % len(ids)] for n in range(size["applications"])]
    applications = Application.objects.bulk_create(
        (_application(n, pk, clinics[n % CLINICS], today) for n, pk in enumerate(applied)),
        batch_size=5000,
    )
    Step.objects.bulk_create(
        (
            Step(
                application=a,
                kind=StepKind.OPINION_REQUESTED,
                completed_on=a.applied_on + dt.timedelta(days=3),
            )
            for a in applications
        ),
        batch_size=5000,
    )
    requests = OpinionRequest.objects.bulk_create(
        (
            OpinionRequest(
                application=a,
                person_id=a.person_id,
                insurer=insurer,
                clinic=clinics[n % CLINICS],
                clinic_name=clinics[n % CLINICS].name,
                physician_name="主治医",
                requested_on=a.applied_on + dt.timedelta(days=3),
                due_on=a.applied_on + dt.timedelta(days=17),
                status=RequestStatus.RECEIVED if a.decided_on else RequestStatus.REQUESTED,
            )
            for n, a in enumerate(applications)
        ),
        batch_size=5000,
    )

    persons = []
    for n, pk in enumerate(caseloads[:PERSON_USERS]):
        user = _user(f"person{n:02d}@load.example.jp", f"本人{n:02d}", kind=UserKind.PERSON)
        PersonAccount.objects.create(user=user, person_id=pk)
        persons.append((user, pk))

    _access_log(size["log_rows"], size["persons"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    wanted, numbers = sorted(set(caseloads) | set(applied)), {}
    for at in range(0, len(wanted), 20_000):  # a statement takes at most 65,535 parameters
        chunk = wanted[at : at + 20_000]
        numbers |= dict(InsuredPerson.objects.filter(pk__in=chunk).values_list("pk", "insured_number"))
    by_clinic: dict[int, list[int]] = {}
    for request in requests:
        if request.status == RequestStatus.REQUESTED:  # the ones a doctor opens to write
            by_clinic.setdefault(request.clinic_id, []).append(request.pk)
    return {
        "insurer": INSURER,
        "care_managers": [
            {"session": session_of(u), "persons": [numbers[pk] for pk in ps]} for u, ps in care_managers
        ],
        "clerks": [
            {"session": session_of(u), "persons": [numbers[pk] for pk in applied[:2000]]} for u in clerks
        ],
        "doctors": [
            {"session": session_of(d), "requests": by_clinic[c.pk][:500]}
            for d, c in zip(doctors, clinics, strict=True)
        ],
        "persons": [{"session": session_of(u), "person": pk} for u, pk in persons],
    }


def _application(n: int, person_id: int, clinic, today: dt.date):
    """The n-th application of the year: spread over the last 365 days, decided (in 28 days) unless it is
    younger than 30 days, as a city's flow of about 165 a day leaves some 5,000 open."""
    from certification.models import Application, ApplicationKind

    applied_on = today - dt.timedelta(days=n % 365)
    decided = (today - applied_on).days > 30
    return Application(
        person_id=person_id,
        reference=f"R{n:07d}",
        kind=ApplicationKind.NEW,
        applied_on=applied_on,
        physician_institution=clinic,
        physician_institution_name=clinic.name,
        physician_name="主治医",
        consent_granted=True,
        decided_on=applied_on + dt.timedelta(days=28) if decided else None,
        care_level="22" if decided else "",
        valid_from=applied_on if decided else None,
        valid_to=applied_on + dt.timedelta(days=364) if decided else None,
    )


def session_of(user) -> str:
    """The cookie of a signed-in session of `user`, written as a sign-in writes it, signed with the key of
    the server that will read it."""
    from django.test import Client
    from django.test.utils import override_settings

    from bench.eligibility_api import SERVER_SECRET_KEY

    with override_settings(SECRET_KEY=SERVER_SECRET_KEY):
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value
