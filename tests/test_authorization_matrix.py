"""The authorization matrix: every actor × every category × every state, against a literal table.

The expected decisions are written out here, independently of consent/policy.py, so that a wrong rule
fails. Each cell asserts the decision (granted, 404 or 403, and the reason code) and the access-log row it
wrote. A category or a role that the table does not cover fails `test_the_table_covers_every_category_and_role`.

Cell codes (categories in the order of CATEGORIES):
  OI granted, own insurer     RL granted, relationship    OD granted, own data
  CR granted, clinic's open opinion request (basic details)   CA granted, clinic wrote the opinion
  xi 404 other insurer   xo 404 operator   xr 404 no relationship   xp 404 not own data   xc 404 clinic
  NL 403 insurer not live   CM 403 care managers only   NC 403 no consent   DR 403 disclosed on request
  BD 403 basic details only (clinic)   NT 403 not this category (clinic)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from conftest import make_org, make_user
from consent import services
from consent.tests import factories as cf
from eligibility.tests import factories as ef
from kaigo_portal import access
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import ApiScope, OrganisationKind, Role, User, UserKind
from kaigo_portal.accounts.services import api_key_create
from kaigo_portal.audit.models import AccessLogEntry, Category, Channel

pytestmark = pytest.mark.django_db

CATEGORIES = [
    "eligibility",
    "home_modification",
    "certification_progress",
    "survey",
    "opinion",
    "careplan",
    "life",
]
STATES = ["no_consent", "consent", "withdrawn", "lapsed", "not_live", "break_glass", "break_glass_consent"]

CODES = {
    "OI": (200, "own_insurer"), "RL": (200, "relationship"), "OD": (200, "own_data"),
    "CR": (200, "opinion_request"), "CA": (200, "opinion_author"),
    "xi": (404, "other_insurer"), "xo": (404, "operator_sees_no_personal_data"), "xr": (404, "no_relationship"),
    "xp": (404, "not_own_data"), "xc": (404, "clinic_no_grant"),
    "NL": (403, "insurer_not_live"), "CM": (403, "care_managers_only"), "NC": (403, "no_consent"),
    "DR": (403, "disclosed_on_request"), "BD": (403, "clinic_basic_details_only"),
    "NT": (403, "clinic_not_this_category"),
}  # fmt: skip

# actor -> its role (as logged), then state -> "cells | method logged on granted and 403 rows".
ALL_OI = "OI OI OI OI OI OI OI | insurer"
CARE_MANAGER_WITH_RELATIONSHIP = {
    "no_consent": "RL RL RL NC NC NC NC | mynumber_card",
    "consent": "RL RL RL RL RL RL RL | mynumber_card",
    "withdrawn": "RL RL RL NC NC NC NC | mynumber_card",
    "lapsed": "xr xr xr xr xr xr xr |",
    "not_live": "NL NL NL NL NL NL NL | mynumber_card",
    "break_glass": "RL RL RL NC NC NC NC | disaster",
    "break_glass_consent": "RL RL RL RL RL RL RL | disaster",
}
OFFICE_STAFF_WITH_RELATIONSHIP = {  # provider staff, and an office admin (not a care manager's job)
    "no_consent": "RL RL CM CM CM NC NC | mynumber_card",
    "consent": "RL RL CM CM CM RL RL | mynumber_card",
    "withdrawn": "RL RL CM CM CM NC NC | mynumber_card",
    "lapsed": "xr xr xr xr xr xr xr |",
    "not_live": "NL NL NL NL NL NL NL | mynumber_card",
    "break_glass": "RL RL CM CM CM NC NC | disaster",
    "break_glass_consent": "RL RL CM CM CM RL RL | disaster",
}
PERSON_SIDE = {
    "no_consent": "OD OD OD DR DR OD OD", "consent": "OD OD OD DR DR OD OD", "withdrawn": "OD OD OD DR DR OD OD",
    "lapsed": "OD OD OD DR DR OD OD", "not_live": "OD NL NL DR DR NL NL", "break_glass": "OD OD OD DR DR OD OD",
    "break_glass_consent": "OD OD OD DR DR OD OD",
}  # fmt: skip


def every_state(cells: str) -> dict[str, str]:
    return dict.fromkeys(STATES, cells)


TABLE: dict[str, tuple[str, dict[str, str]]] = {
    "municipal staff, own insurer": (Role.MUNICIPAL_STAFF, every_state(ALL_OI)),
    "municipal admin, own insurer": (Role.MUNICIPAL_ADMIN, every_state(ALL_OI)),
    "municipal staff, other insurer": (Role.MUNICIPAL_STAFF, every_state("xi xi xi xi xi xi xi |")),
    "platform operator": (Role.PLATFORM_OPERATOR, every_state("xo xo xo xo xo xo xo |")),
    "care manager 居宅介護支援, relationship": (Role.CARE_MANAGER, CARE_MANAGER_WITH_RELATIONSHIP),
    "care manager 介護予防支援, relationship": (Role.CARE_MANAGER, CARE_MANAGER_WITH_RELATIONSHIP),
    "care manager 地域包括支援センター, relationship": (Role.CARE_MANAGER, CARE_MANAGER_WITH_RELATIONSHIP),
    "care manager, no relationship": (Role.CARE_MANAGER, every_state("xr xr xr xr xr xr xr |")),
    "office admin of the 居宅, relationship": (Role.OFFICE_ADMIN, OFFICE_STAFF_WITH_RELATIONSHIP),
    "provider staff 訪問介護, relationship": (Role.PROVIDER_STAFF, OFFICE_STAFF_WITH_RELATIONSHIP),
    "facility staff in another municipality (住所地特例), relationship": (Role.PROVIDER_STAFF, OFFICE_STAFF_WITH_RELATIONSHIP),
    "office API key (居宅), relationship": (Role.CARE_MANAGER, CARE_MANAGER_WITH_RELATIONSHIP),
    "clinic doctor, open opinion request": (Role.CLINIC_DOCTOR, every_state("CR BD BD BD BD BD BD | opinion_request")),
    "clinic doctor, author of an opinion": (Role.CLINIC_DOCTOR, every_state("NT NT NT NT CA NT NT | opinion_author")),
    "clinic staff, neither": (Role.CLINIC_STAFF, every_state("xc xc xc xc xc xc xc |")),
    "the person": ("person", {s: c + " | own" for s, c in PERSON_SIDE.items()}),
    "their representative": ("person", {s: c + " | representative" for s, c in PERSON_SIDE.items()}),
    "another person": ("person", every_state("xp xp xp xp xp xp xp |")),
}  # fmt: skip


def opinions_for_clinics(person, requester, author, doctor) -> None:
    """The opinions app's real requests and opinions: clinic A holds an open request for the person,
    clinic B wrote (submitted) an opinion on an earlier, answered request."""
    from django.test import TestCase

    from certification import services as certification_services
    from certification.models import StepKind
    from opinions import services as opinion_services
    from opinions.models import OpinionRequest, Route
    from opinions.tests.factories import document

    def request_to(clinic, applied_on):
        application = certification_services.application_create(
            person=person,
            kind="new",
            applied_on=applied_on,
            physician_institution_name=clinic.name,
            physician_name="医師",
            consent_granted=None,
            by=None,
            physician_institution=clinic,
        )
        with TestCase.captureOnCommitCallbacks(execute=True):
            certification_services.step_complete(
                application=application, kind=StepKind.OPINION_REQUESTED, completed_on=applied_on, by=None
            )
        return application, OpinionRequest.objects.get(application=application)

    earlier, answered = request_to(author, dt.date(2026, 4, 10))
    opinion_services.opinion_submit(
        request=answered, document=document(answered), clinic=author, route=Route.WEB, by=doctor
    )
    # The earlier application is decided, so that a new one can be filed (one open application at a time).
    earlier.decided_on = dt.date(2026, 5, 1)
    earlier.save(update_fields=["decided_on"])
    request_to(requester, dt.date(2026, 5, 20))


@dataclass
class World:
    person: object
    actors: dict[str, Actor]


NOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


def build_world(state: str, orgs, cast) -> World:
    more = cf.more_offices()
    insurer = orgs["hitachi"] if state == "not_live" else orgs["chiyoda"]
    other = orgs["chiyoda"] if state == "not_live" else orgs["hitachi"]
    own_staff = cast["hank"] if state == "not_live" else cast["alice"]
    own_admin = (
        make_user("hadley@example.jp", org=orgs["hitachi"], role=Role.MUNICIPAL_ADMIN)
        if state == "not_live"
        else cast["amy"]
    )
    other_staff = cast["alice"] if state == "not_live" else cast["hank"]
    # A 住所地特例 person (介護保険法 §13): insured here, living in a facility in the other municipality.
    person = ef.person(
        insurer=insurer,
        insured_number="0000000101",
        special_residence="1",
        facility_insurer_number=other.insurer_number,
        special_residence_from=dt.date(2026, 1, 1),
    )
    facility = make_org(
        OrganisationKind.CARE_OFFICE,
        "特別養護老人ホーム（施設所在地）",
        office_number="0870100017",
        services=("51",),
    )
    fay = make_user("fay@example.jp", org=facility, role=Role.PROVIDER_STAFF)
    someone_else = ef.person(insurer=insurer, insured_number="0000000102", name="別人 太郎")
    cyd, cyril = (
        cf.care_manager("cyd@example.jp", more["yobo"]),
        cf.care_manager("cyril@example.jp", more["houkatsu"]),
    )
    cora = cf.care_manager("cora@example.jp", orgs["kyotaku2"])
    doc_b = make_user("doc-b@example.jp", org=more["clinic_b"], role=Role.CLINIC_DOCTOR)
    staff_c = make_user("staff-c@example.jp", org=more["clinic_c"], role=Role.CLINIC_STAFF)
    pia = cast["pia"]
    from consent.models import PersonAccount

    PersonAccount.objects.create(user=pia, person=person)
    rep = make_user("rep@example.jp", kind=UserKind.PERSON)
    cf.representative(rep, person)
    stranger = cf.person_user("stranger@example.jp", someone_else)
    key, _raw = api_key_create(organisation=orgs["kyotaku"], scope=ApiScope.READ, name="介護ソフト", by=None)
    offices = [
        (orgs["kyotaku"], cast["bob"]),
        (more["yobo"], cyd),
        (more["houkatsu"], cyril),
        (orgs["homon"], cast["carol"]),
        (facility, fay),
    ]

    if state == "lapsed":
        with time_machine.travel(dt.datetime(2026, 1, 10, 10, 0, tzinfo=NOW.tzinfo), tick=False):
            for office, by in offices:
                cf.relationship(office, person, by=by)
    elif state.startswith("break_glass"):
        period = services.disaster_period_declare(
            insurer=insurer,
            by=own_admin,
            starts_on=dt.date(2026, 5, 30),
            ends_on=dt.date(2026, 6, 10),
            reason="令和8年 千代田区豪雨",
        )
        assert period.pk
        for office, by in offices:
            services.relationship_break_glass(
                office=office, person=person, by=by, reason="避難所で訪問先不明のため"
            )
    else:
        for office, by in offices:
            cf.relationship(office, person, by=by)
    if state in ("consent", "lapsed", "not_live", "break_glass_consent", "withdrawn"):
        cf.consent(person, on=dt.date(2026, 5, 1))
    if state == "withdrawn":
        services.consent_withdraw(person=person, by=pia, source="person")

    def user_actor(user, org, role):
        return Actor(user=user, organisation=org, role=role, request_id="req-matrix")

    actors = {
        "municipal staff, own insurer": user_actor(own_staff, insurer, Role.MUNICIPAL_STAFF),
        "municipal admin, own insurer": user_actor(own_admin, insurer, Role.MUNICIPAL_ADMIN),
        "municipal staff, other insurer": user_actor(other_staff, other, Role.MUNICIPAL_STAFF),
        "platform operator": user_actor(cast["pat"], orgs["platform"], Role.PLATFORM_OPERATOR),
        "care manager 居宅介護支援, relationship": user_actor(
            cast["bob"], orgs["kyotaku"], Role.CARE_MANAGER
        ),
        "care manager 介護予防支援, relationship": user_actor(cyd, more["yobo"], Role.CARE_MANAGER),
        "care manager 地域包括支援センター, relationship": user_actor(
            cyril, more["houkatsu"], Role.CARE_MANAGER
        ),
        "care manager, no relationship": user_actor(cora, orgs["kyotaku2"], Role.CARE_MANAGER),
        "office admin of the 居宅, relationship": user_actor(
            cast["olive"], orgs["kyotaku"], Role.OFFICE_ADMIN
        ),
        "provider staff 訪問介護, relationship": user_actor(
            cast["carol"], orgs["homon"], Role.PROVIDER_STAFF
        ),
        "facility staff in another municipality (住所地特例), relationship": user_actor(
            fay, facility, Role.PROVIDER_STAFF
        ),
        "office API key (居宅), relationship": Actor(
            None, orgs["kyotaku"], key.acting_role, key, Channel.API, "req-matrix"
        ),
        "clinic doctor, open opinion request": user_actor(cast["dan"], orgs["clinic"], Role.CLINIC_DOCTOR),
        "clinic doctor, author of an opinion": user_actor(doc_b, more["clinic_b"], Role.CLINIC_DOCTOR),
        "clinic staff, neither": user_actor(staff_c, more["clinic_c"], Role.CLINIC_STAFF),
        "the person": Actor(user=pia, organisation=None, role=None, request_id="req-matrix"),
        "their representative": Actor(user=rep, organisation=None, role=None, request_id="req-matrix"),
        "another person": Actor(user=stranger, organisation=None, role=None, request_id="req-matrix"),
    }
    opinions_for_clinics(person, orgs["clinic"], more["clinic_b"], doc_b)
    return World(person=person, actors=actors)


def parse(spec: str) -> tuple[list[str], str]:
    cells, _, method = spec.partition("|")
    return cells.split(), method.strip()


def test_the_table_covers_every_category_and_role():
    assert sorted(CATEGORIES) == sorted(Category.values), "a category without cells in the matrix"
    assert {role for role, _states in TABLE.values()} >= set(Role.values) | {"person"}, "a role without cells"
    for name, (_role, states) in TABLE.items():
        assert list(states) == STATES, name
        for state, spec in states.items():
            cells, _method = parse(spec)
            assert len(cells) == len(CATEGORIES) and set(cells) <= set(CODES), (name, state)


@pytest.mark.parametrize("state", STATES)
def test_every_cell_decides_and_logs_as_the_table_says(state, orgs, cast):
    with time_machine.travel(NOW, tick=False):
        world = build_world(state, orgs, cast)
        assert set(world.actors) == set(TABLE)
        wrong = check_cells(state, world)
    assert wrong == [], "\n".join(wrong)


def check_cells(state: str, world: World) -> list[str]:
    wrong = []
    person = world.person
    for name, (role, states) in TABLE.items():
        actor = world.actors[name]
        cells, method = parse(states[state])
        for category, code in zip(CATEGORIES, cells, strict=True):
            status, reason = CODES[code]
            try:
                decision = access.authorize(actor, person, category, "matrix_test")
                got = (200, decision.reason)
            except access.NotVisible as refused:
                got = (404, str(refused))
            except access.Forbidden as refused:
                got = (403, refused.reason)
            row = AccessLogEntry.objects.order_by("-id").first()
            logged = {
                "actor_user_id": row.actor_user_id,
                "role": row.role,
                "insurer_number": row.insurer_number,
                "insured_number": row.insured_number,
                "category": row.category,
                "purpose": row.purpose,
                "method": row.method,
                "outcome": row.outcome,
                "reason": row.reason,
                "channel": row.channel,
            }
            expected_log = {
                "actor_user_id": actor.user.pk if actor.user else None,
                "role": role,
                "insurer_number": person.insurer.insurer_number,
                "insured_number": person.insured_number,
                "category": category,
                "purpose": "matrix_test",
                "method": method if status != 404 else "",
                "outcome": "granted" if status == 200 else "denied",
                "reason": reason,
                "channel": "api" if actor.api_key else "page",
            }
            if got != (status, reason) or logged != expected_log:
                wrong.append(
                    f"{state} / {name} / {category}: expected {code} {(status, reason)}, got {got}; "
                    f"log {logged} != {expected_log}"
                )
            # Lists agree with the decisions: the person is listed exactly when the read is granted.
            listed = (
                access.filter_persons(actor, type(person).objects.all(), category)
                .filter(pk=person.pk)
                .exists()
            )
            if listed != (status == 200):
                wrong.append(f"{state} / {name} / {category}: listed={listed} but decision {status}")
    return wrong


# --- The operator in Django admin: no person's account anywhere -------------------------------------------------

# admin page -> (what a staff account shows there, what a person's account would). Each is a changelist, a
# search, or a change page, for the operator (allowed in) and, for the last column, for everyone else.
ADMIN_PAGES = ["accounts/user", "account/emailaddress", "mfa/authenticator", "accounts/membership"]


@pytest.fixture
def person_accounts(orgs, cast):
    """An insured person's account and a representative's, with e-mail addresses and TOTP like staff's."""
    from allauth.account.models import EmailAddress

    person = ef.person(insurer=orgs["chiyoda"])
    own = cf.person_user("kazuko.ito@example.jp", person)
    rep = make_user("representative.ito@example.jp", kind=UserKind.PERSON)
    cf.representative(rep, person)
    for user in (own, rep, cast["bob"]):
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return [own, rep]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_the_operator_sees_no_persons_account_in_admin(login, cast, person_accounts, page):
    client = login(cast["pat"])
    listing = client.get(f"/admin/{page}/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "bob@example.jp" in body  # staff are there
    for account in person_accounts:
        assert account.email not in body
        searched = client.get(f"/admin/{page}/", {"q": account.email})
        shown = searched.context["cl"].result_list  # (the search box echoes what was typed)
        assert searched.status_code == 200 and account.pk not in {
            getattr(row, "user_id", row.pk) for row in shown
        }


def test_a_persons_account_page_in_admin_answers_as_one_that_does_not_exist(login, cast, person_accounts):
    client = login(cast["pat"])
    answers = {
        client.get(f"/admin/accounts/user/{pk}/change/").status_code
        for pk in (person_accounts[0].pk, person_accounts[1].pk, 999_999)
    }
    assert answers == {302}  # Django admin's "does not exist" (a redirect to the index, with a message)
    assert client.get(f"/admin/accounts/user/{cast['bob'].pk}/change/").status_code == 200
    assert client.post(f"/admin/accounts/user/{person_accounts[0].pk}/delete/").status_code == 302
    assert User.objects.filter(pk=person_accounts[0].pk).exists()


def test_admin_offers_no_way_to_make_a_persons_account(login, cast):
    form = login(cast["pat"]).get("/admin/accounts/user/add/").content.decode()
    assert 'name="kind"' not in form  # a person's account comes from the municipality's invitation only


@pytest.mark.parametrize("who", ["alice", "amy", "bob", "olive", "carol", "dan", "cathy", "pia"])
def test_no_one_but_the_operator_reaches_admin_at_all(login, cast, person_accounts, who):
    for page in ADMIN_PAGES:
        response = login(cast[who]).get(f"/admin/{page}/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
