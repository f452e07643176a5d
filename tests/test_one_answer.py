"""One answer for "not there" and "not yours": the sweep over every route that takes a person reference.

For every route of the URLconf, and every operation of the OpenAPI schema, that names a person (by
保険者番号 + 被保険者番号 in the path, a query or a form field, or by the id of an object that belongs to a
person), the sweep sends, as every role and every API key scope:
- a real person (or object) that the actor may not see: of an insurer none of the actors belongs to, served
  by an office and a clinic none of them works at;
- a made-up one: a number nobody has, an id no row has;
- for person numbers, also a person of an insurer that is not live yet and a number under an insurer that
  does not exist.
Every answer must be byte-identical (status and body) once CSRF tokens, the values echoed into form
fields, the numbers themselves and the request id are taken out.

A new route cannot slip past: a route whose path takes an argument, a page whose form has a person field,
or an API operation whose parameters or body name a person, must be listed here (in `PERSON_ROUTES`,
`FORM_ROUTES` or `NOT_A_PERSON`), or `test_every_route_is_known` fails. docs/access-policy.md ("One
answer") lists the routes covered.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import make_org, make_user
from consent.models import DisasterPeriod, Dispute, PersonAccount, Relationship, VerificationAttempt
from consent.tests import factories as cf
from eligibility.tests import factories as ef
from kaigo_portal.accounts.models import ApiScope, OrganisationKind, Role, UserKind
from kaigo_portal.accounts.services import api_key_create
from kaigo_portal.audit.models import AccessLogEntry

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 11, 24, 10, tzinfo=JST)

# Path arguments that name a person: by numbers, or by the id of a row that belongs to one.
NUMBER_ARGS = ({"insurer_no", "insured_no"}, {"insurer_number", "insured_number"})
# Form fields and API fields that name or search for a person.
PERSON_FIELDS = {"insurer_number", "insured_number", "insurer_no", "insured_no", "q", "name_kana", "person"}

# Routes whose path names a person by the id of a row of theirs: argument -> which hidden row it takes.
PERSON_ROUTES: dict[str, dict[str, str]] = {
    # the person's own pages (the id is the insured person's)
    **{f"consent:{name}": {"pk": "person"} for name in
       ("my_data", "my_consents", "my_consent_change", "my_access_log", "my_notice_setting")},
    "consent:my_dispute": {"pk": "person", "entry_id": "log_entry"},
    "careplans:my_plans": {"pk": "person"},
    "careplans:my_life": {"pk": "person"},
    "careplans:my_plan": {"pk": "person", "plan_pk": "plan"},
    "careplans:my_plan_agree": {"pk": "person", "plan_pk": "plan"},
    # offices
    "consent:relationship_end": {"pk": "relationship"},
    # municipal queues
    "consent:municipal_break_glass_close": {"pk": "break_glass"},
    "consent:municipal_dispute_close": {"pk": "dispute"},
    # imports (a job is a file of the insurer's persons)
    **{name: {"job_id": "import_job"} for name in
       ("import_detail", "import_progress", "import_errors", "import_retry", "api_import_detail", "api_import_errors")},
    # certification
    **{f"certification:{name}": {"pk": "application"} for name in
       ("application_detail", "survey_entry", "survey_view", "survey_pdf", "notice_pdf")},
    **{f"certification:{name}": {"pk": "certificate"} for name in ("certificate_detail", "certificate_pdf")},
    # opinions
    "opinions:write": {"pk": "opinion_request"},
    "opinions:paper": {"pk": "opinion_request"},
    **{f"opinions:{name}": {"pk": "opinion"} for name in ("detail", "pdf", "attachment", "correct", "receive")},
    "opinion_detail": {"pk": "opinion"},
    "opinion_acknowledge": {"pk": "opinion"},
    # care plans
    **{f"careplans:{name}": {"pk": "plan"} for name in ("plan_detail", "plan_edit", "plan_pdf")},
    "careplans:plan_action": {"pk": "plan", "action": "=deliver"},
    **{name: {"pk": "plan"} for name in
       ("careplans-api-detail", "careplans-api-request-agreement", "careplans-api-withdraw-request",
        "careplans-api-paper-agreement", "careplans-api-deliver", "careplans-api-revise", "careplans-api-send")},
}  # fmt: skip

# Routes whose path takes an argument that is no person's: why.
NOT_A_PERSON: dict[str, str] = {
    "subsidies:start": "a fiscal year", "subsidies:application": "an office's subsidy application",
    "subsidies:autosave": "an office's subsidy application", "subsidies:application_pdf": "an office's subsidy application",
    "subsidies:decision_pdf": "an office's subsidy application", "subsidies:receipt": "an office's receipt",
    "subsidies:review_detail": "an office's subsidy application", "subsidies:review_act": "an office's subsidy application",
    "api_subsidy_application": "an office's subsidy application",
    "careplans:unit_export": "a kind of send unit (the persons come from the sender's office)",
    "staff_revoke": "a staff membership", "api_key_revoke": "an API key",
    "terminals:detail": "an office's terminal certificate", "terminals:download": "an office's terminal certificate",
    "terminals:renew": "an office's terminal certificate", "terminals:revoke": "an office's terminal certificate",
    "public:news_detail": "a public news item", "public:manage_news_edit": "a public news item",
    "public:manage_news_delete": "a public news item", "public:manage_faq_edit": "a FAQ entry",
    "public:manage_faq_delete": "a FAQ entry",
    "offices:detail": "an office of the national master, by its 事業所番号",
    "public:my_inquiry": "the asker's own inquiry ticket", "public:manage_inquiry": "an inquiry ticket",
    "public:manage_inquiry_reply": "an inquiry ticket", "public:manage_inquiry_note": "an inquiry ticket",
    "public:manage_inquiry_assign": "an inquiry ticket", "public:manage_inquiry_status": "an inquiry ticket",
    "api_identity_device_code": "a sign-in device code", "api_identity_device_code_complete": "a sign-in device code",
    "account_confirm_email": "an e-mail confirmation key", "account_reset_password_from_key": "a password-reset key",
}  # fmt: skip
# Pages whose search field (q) looks for something that is no insured person: what it searches.
SEARCHES_OF_NO_PERSON: dict[str, str] = {
    "staff_list": "the organisation's own staff",
    "public:rollout": "insurers by name or number",
    "public:manage_inquiries": "inquiry tickets",
    "subsidies:review_queue": "offices by name or number",
    "offices:search": "offices of the national master by name, kana, service or town",
}


@dataclass(frozen=True)
class Ref:
    """A person as one request names them."""

    insurer_number: str
    insured_number: str
    ids: dict[str, int] = field(default_factory=dict)  # for id routes: hidden row name -> id


def _verify(ref: Ref) -> dict:
    """The numbers, with a name and a birth date the actor guessed (not the person's: that is 本人確認)."""
    return {
        "insurer_number": ref.insurer_number,
        "insured_number": ref.insured_number,
        "name_kana": "ダレカ　タロウ",
        "birth_date": "1950-01-01",
    }


def _break_glass(ref: Ref) -> dict:
    return {"insurer_number": ref.insurer_number, "insured_number": ref.insured_number, "reason": "避難所"}


def _number(ref: Ref) -> dict:
    return {"insured_number": ref.insured_number}


def _search(ref: Ref) -> dict:
    return {"q": ref.insured_number}


def _claims(ref: Ref) -> dict:
    return {
        "rows": [
            {
                "office_number": "1370100016",
                "insurer_number": ref.insurer_number,
                "insured_number": ref.insured_number,
                "service_month": "2026-10",
            }
        ]
    }


def _person_ref(ref: Ref) -> dict:
    return {"insurer_number": ref.insurer_number, "insured_number": ref.insured_number}


def _careplan(ref: Ref) -> dict:
    return {"person": _person_ref(ref), "created_on": "2026-11-20", "plan_kind": "1", "rows": []}


def _life(ref: Ref) -> dict:
    return {"person": _person_ref(ref), "assessed_on": "2026-11-01", "barthel": {}}


@dataclass(frozen=True)
class FormRoute:
    method: str  # "post" (form), "json" (API body) or "get" (query)
    data: Callable[[Ref], dict]


# Routes that take a person in a form field, a JSON body or a query.
FORM_ROUTES: dict[str, FormRoute] = {
    "consent:verify": FormRoute("post", _verify),
    "consent:break_glass": FormRoute("post", _break_glass),
    "person_search": FormRoute("post", _number),
    "consent:municipal_consents": FormRoute("post", _number),
    "consent:municipal_invitations": FormRoute("post", _number),
    "consent:municipal_representatives": FormRoute("post", _number),
    "consent:municipal_card_certificates": FormRoute("post", _number),
    "certification:application_new": FormRoute("post", _number),
    "certification:certificate_new": FormRoute(
        "post", lambda ref: {"insured_number": ref.insured_number, "moved_out_on": "2026-10-15"}
    ),
    "opinions:clinic_queue": FormRoute("post", _search),
    "opinions:clinic_written": FormRoute("post", _search),
    "opinions:insurer_queue": FormRoute("post", _search),
    "api_claims": FormRoute("json", _claims),
    "careplans-api-list": FormRoute("json", _careplan),
    "careplans-api-list:get": FormRoute("get", _number),
    "life-api-assessments": FormRoute("json", _life),
}


# --- the routes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    args: frozenset[str]


def routes(urlconf=None) -> list[Route]:
    """Every named route of the URLconf (Django admin apart: it shows no person, test_admin_* checks)."""

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith("admin/"):
                    continue
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                yield Route(
                    namespace + p.name, prefix + str(p.pattern), frozenset(p.pattern.regex.groupindex)
                )

    return list(walk(get_resolver(urlconf).url_patterns))


def takes_numbers(route: Route) -> bool:
    return any(names <= route.args for names in NUMBER_ARGS)


def number_kwargs(route: Route, ref: Ref) -> dict[str, str]:
    names = next(names for names in NUMBER_ARGS if names <= route.args)
    insurer, insured = sorted(names, key=lambda n: "insured" in n)
    return {insurer: ref.insurer_number, insured: ref.insured_number}


# --- the world: persons none of the actors may see ---------------------------------------------------------


@pytest.fixture
def world(orgs, cast):
    with time_machine.travel(NOW, tick=False):
        koto = make_org(
            OrganisationKind.INSURER, "江東区", insurer_number="132084", go_live_date=dt.date(2026, 4, 1)
        )
        office = make_org(
            OrganisationKind.CARE_OFFICE,
            "ケアプランセンター亀戸",
            office_number="1370100073",
            services=("43",),
        )
        clinic = make_org(OrganisationKind.CLINIC, "亀戸内科", medical_institution_code="1310112360")
        manager = make_user("kameido-cm@example.jp", org=office, role=Role.CARE_MANAGER)
        hidden = ef.person(
            insurer=koto,
            insured_number="0000004321",
            name="隠 太郎",
            name_kana="カクレ　タロウ",
            birth_date=dt.date(1945, 1, 2),
        )
        tsukuba = make_org(
            OrganisationKind.INSURER, "つくば市", insurer_number="082206", go_live_date=dt.date(2027, 10, 1)
        )
        not_live = ef.person(insurer=tsukuba, insured_number="0000004322")
        ids = _hidden_rows(hidden, koto, office, clinic, manager)
    return {"hidden": hidden, "not_live": not_live, "ids": ids, "koto": koto}


def _hidden_rows(hidden, koto, office, clinic, manager) -> dict[str, int]:
    from careplans.tests import factories as pf
    from kaigo_portal import access
    from opinions.tests import factories as of

    cf.consent(hidden)
    relationship = cf.relationship(office, hidden, by=manager)
    request = of.opinion_request(person=hidden, clinic=clinic)
    opinion = of.submitted(request)
    actor = access.Actor(user=manager, organisation=office, role=Role.CARE_MANAGER)
    plan = pf.draft(actor=actor, person=hidden, rows=[])
    period = DisasterPeriod.objects.create(
        insurer=koto, starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2026, 10, 7), reason="訓練"
    )
    break_glass = Relationship.objects.create(
        office=office,
        person=hidden,
        method="disaster",
        disaster_period=period,
        verified_at=NOW - dt.timedelta(days=40),
        reason="訓練",
        anchor_on=dt.date(2026, 10, 15),
        ended_at=NOW - dt.timedelta(days=39),
    )
    access.authorize(actor, hidden, "eligibility", access.Purpose.CARE_MANAGEMENT)
    entry = AccessLogEntry.objects.filter(insured_number=hidden.insured_number).latest("id")
    dispute = Dispute.objects.create(person=hidden, entry_id=entry.pk, note="心当たりがない")
    job = ef.import_job(insurer=koto)
    from certification.models import EligibilityCertificate

    certificate = EligibilityCertificate.objects.create(
        number="ABCD-EFGH-JKLM",
        person=hidden,
        moved_out_on=dt.date(2026, 10, 15),
        issued_on=dt.date(2026, 10, 1),
        care_level="22",
        certified_on=dt.date(2026, 4, 1),
        valid_from=dt.date(2026, 4, 1),
        valid_to=dt.date(2027, 3, 31),
    )
    return {
        "certificate": certificate.pk,
        "person": hidden.pk,
        "log_entry": entry.pk,
        "relationship": relationship.pk,
        "break_glass": break_glass.pk,
        "dispute": dispute.pk,
        "import_job": job.pk,
        "application": request.application_id,
        "opinion_request": request.pk,
        "opinion": opinion.pk,
        "plan": plan.pk,
    }


def made_up_ids(ids: dict[str, int]) -> dict[str, int]:
    return {name: value + 100_000 for name, value in ids.items()}


# --- the actors -------------------------------------------------------------------------------------------


@pytest.fixture
def actors(cast, orgs):
    """Every role signed in, a representative, the anonymous visitor, and an API key of every scope."""
    from consent.tests.factories import person_user, representative

    pia_person = ef.person(insurer=orgs["chiyoda"], insured_number="0000004400")
    PersonAccount.objects.create(user=cast["pia"], person=pia_person)
    rep = make_user("rita@example.jp", kind=UserKind.PERSON)
    representative(rep, ef.person(insurer=orgs["chiyoda"], insured_number="0000004401"))
    person_user("own@example.jp", ef.person(insurer=orgs["chiyoda"], insured_number="0000004402"))
    users = {name: ("user", user) for name, user in cast.items()} | {"rita": ("user", rep)}
    keys = {
        ApiScope.IMPORTS: orgs["chiyoda"],
        ApiScope.CLAIMS: orgs["kokuhoren"],
        ApiScope.READ: orgs["kyotaku"],
        ApiScope.DEVICE: orgs["kyotaku"],
        ApiScope.OPINIONS: orgs["clinic"],
        ApiScope.CAREPLANS: orgs["kyotaku"],
    }
    for scope, org in keys.items():
        _key, raw = api_key_create(organisation=org, scope=scope, name=f"sweep {scope}", by=None)
        users[f"key:{scope}"] = ("key", raw)
    users["anonymous"] = ("anonymous", None)
    return users


def client_for(actor) -> Client:
    kind, who = actor
    if kind == "key":
        return Client(HTTP_AUTHORIZATION=f"Api-Key {who}")
    client = Client()
    if kind == "user":
        client.force_login(who)
    return client


# --- sending and comparing ------------------------------------------------------------------------------------

_NOISE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken"'),
    (re.compile(r'data-csrf-token="[^"]*"'), "data-csrf-token"),
    (re.compile(r' value="[^"]*"'), ""),  # what the form echoes back of the request
    (re.compile(r"<textarea([^>]*)>[^<]*</textarea>"), r"<textarea\1></textarea>"),
    (re.compile(r'"request_id":\s*"[^"]*"'), '"request_id": ""'),
]


def normalised(response, ref: Ref, url: str) -> tuple[int, str, str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    for pattern, replacement in _NOISE:
        text = pattern.sub(replacement, text)
    for value in (url, ref.insured_number, ref.insurer_number):  # the reference itself, where echoed
        text = text.replace(value, "<ref>")
    return response.status_code, response.get("Content-Type", ""), text


def _send(client: Client, method: str, url: str, data: dict | None = None):
    if method == "json":
        return client.post(url, json.dumps(data or {}), content_type="application/json")
    if method == "post":
        return client.post(url, data or {})
    return client.get(url, data or {})


@dataclass
class Sweep:
    refs: list[Ref]
    actors: dict
    failures: list[str] = field(default_factory=list)
    calls: int = 0
    clients: dict[str, Client] = field(default_factory=dict)

    def compare(self, label: str, method: str, build: Callable[[Ref], tuple[str, dict | None]]) -> None:
        for actor_name, actor in self.actors.items():
            answers = []
            client = self.clients.setdefault(actor_name, client_for(actor))
            for ref in self.refs:
                VerificationAttempt.objects.all().delete()  # the look-up forms' lock is tested on its own
                cache.clear()  # rate limits
                url, data = build(ref)
                answers.append((ref, normalised(_send(client, method, url, data), ref, url)))
                client.cookies.pop(
                    "messages", None
                )  # a message one request left is not the next one's answer
                self.calls += 1
            if len({answer for _ref, answer in answers}) > 1:
                shown = "; ".join(f"{ref.insurer_number}/{ref.insured_number}: {a[0]}" for ref, a in answers)
                shown += " | " + _first_difference([a[2] for _ref, a in answers])
                self.failures.append(
                    f"{label} {method.upper()} as {actor_name} answers differently ({shown})"
                )


def _first_difference(bodies: list[str]) -> str:
    first = bodies[0]
    for other in bodies[1:]:
        if other != first:
            at = next(
                (i for i, (a, b) in enumerate(zip(first, other, strict=False)) if a != b),
                min(len(first), len(other)),
            )
            return f"{first[max(0, at - 60) : at + 60]!r} vs {other[max(0, at - 60) : at + 60]!r}"
    return ""


def number_refs(world) -> list[Ref]:
    return [
        Ref("132084", world["hidden"].insured_number),  # real, another insurer's (none of the actors')
        Ref("132084", "0000009876"),  # made up
        Ref("082206", world["not_live"].insured_number),  # real, insurer not live (none of the actors')
        Ref("999999", "0000009877"),  # no such insurer
    ]


def run_sweep(world, actors, urlconf=None, *, only: set[str] | None = None) -> Sweep:
    refs = number_refs(world)
    id_refs = [
        Ref("132084", world["hidden"].insured_number, world["ids"]),
        Ref("132084", "0000009876", made_up_ids(world["ids"])),
    ]
    sweep = Sweep(refs, actors)
    for route in routes(urlconf):
        if only is not None and route.name not in only:
            continue
        if takes_numbers(route):
            for method in ("get", "post"):
                sweep.compare(
                    route.name,
                    method,
                    lambda ref, r=route: (reverse(r.name, urlconf, kwargs=number_kwargs(r, ref)), None),
                )
        elif route.name in PERSON_ROUTES:
            sweep.refs = id_refs
            for method in ("get", "post"):
                sweep.compare(route.name, method, lambda ref, r=route: (_id_url(r, ref, urlconf), None))
            sweep.refs = refs
        for key in (route.name, f"{route.name}:get"):
            if key in FORM_ROUTES:
                form = FORM_ROUTES[key]
                sweep.compare(
                    key, form.method, lambda ref, r=route, f=form: (reverse(r.name, urlconf), f.data(ref))
                )
    return sweep


def _id_url(route: Route, ref: Ref, urlconf) -> str:
    kwargs = {}
    for arg, source in PERSON_ROUTES[route.name].items():
        kwargs[arg] = source[1:] if source.startswith("=") else ref.ids[source]
    return reverse(route.name, urlconf, kwargs=kwargs)


# --- the tests ------------------------------------------------------------------------------------------------


def test_every_person_taking_route_answers_one_way_for_not_there_and_not_yours(world, actors):
    with time_machine.travel(NOW, tick=False):
        sweep = run_sweep(world, actors)
    assert sweep.failures == [], "\n".join(sweep.failures)
    assert sweep.calls > 1000  # the sweep did run: every route, as every actor


def test_every_route_is_known(client, cast):
    """A route with a path argument, a page with a person field, or an API operation naming a person must be
    in one of the tables above: the sweep cannot call what it does not know."""
    unknown = []
    for route in routes():
        if route.args and not takes_numbers(route) and route.name not in PERSON_ROUTES | NOT_A_PERSON:
            unknown.append(f"{route.name} ({route.pattern}): path argument {sorted(route.args)}")
    unknown += _pages_with_person_fields(client, cast)
    unknown += _operations_naming_a_person()
    assert unknown == [], "\n".join(unknown)


def _pages_with_person_fields(client, cast) -> list[str]:
    found = []
    field_names = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"')
    for route in routes():
        if (
            route.args
            or route.name in FORM_ROUTES | SEARCHES_OF_NO_PERSON
            or route.name.startswith(("account_", "mfa_"))
        ):
            continue
        for user in cast.values():
            client.force_login(user)
            response = client.get(reverse(route.name))
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            names = set(field_names.findall(response.content.decode())) & PERSON_FIELDS
            if names:
                found.append(f"{route.name}: a form field naming a person {sorted(names)} (as {user.email})")
                break
    return found


def _operations_naming_a_person() -> list[str]:
    from django.urls import resolve
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})

    def properties(node, depth=0) -> set[str]:
        if depth > 6 or not isinstance(node, dict):
            return set()
        if "$ref" in node:
            return properties(components.get(node["$ref"].rsplit("/", 1)[-1], {}), depth + 1)
        names = set(node.get("properties", {}))
        for child in [*node.get("properties", {}).values(), node.get("items")]:
            names |= properties(child, depth + 1)
        return names

    found = []
    for path, operations in schema["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "1", path.replace("{code}", "ABCD-1234"))
        concrete = concrete.replace("/1/1/", "/131011/0000000001/")
        try:
            name = resolve(concrete).url_name
            namespace = resolve(concrete).namespace
        except Exception:
            found.append(f"{path}: in the schema but not resolvable")
            continue
        name = f"{namespace}:{name}" if namespace else name
        for method, operation in operations.items():
            params = {p["name"] for p in operation.get("parameters", []) if p.get("in") in ("query", "path")}
            body = operation.get("requestBody", {}).get("content", {})
            fields = (
                set().union(*(properties(media.get("schema", {})) for media in body.values()))
                if body
                else set()
            )
            named = (params | fields) & PERSON_FIELDS
            known = name in FORM_ROUTES or f"{name}:get" in FORM_ROUTES or name in PERSON_ROUTES
            if named and not known and not any(names <= params for names in NUMBER_ARGS):
                found.append(f"{method.upper()} {path} ({name}): names a person {sorted(named)}")
    return found


# --- the sweep finds what it is for ---------------------------------------------------------------------------


def test_the_sweep_catches_a_route_that_answers_differently(world, actors):
    with override_settings(ROOT_URLCONF="tests.one_answer_leaky_urls"):
        with time_machine.travel(NOW, tick=False):
            sweep = run_sweep(
                world, {"alice": actors["alice"]}, "tests.one_answer_leaky_urls", only={"leaky"}
            )
    assert sweep.failures and all(
        f.startswith("leaky GET as alice answers differently") or "POST" in f for f in sweep.failures
    )


def test_a_new_person_route_the_sweep_cannot_call_fails_the_check(settings, client, cast):
    settings.ROOT_URLCONF = "tests.one_answer_leaky_urls"
    unknown = [
        route.name
        for route in routes()
        if route.args and not takes_numbers(route) and route.name not in PERSON_ROUTES | NOT_A_PERSON
    ]
    assert unknown == ["unknown_person_route"]
