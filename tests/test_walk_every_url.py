"""Every page of the project, as every demo role opens it (issue 16: a working day for each user).

The URL resolver's list is walked with the demo data (seed_demo) for its arguments. For each role and
each page it asserts:
- no 500;
- an HTML page is in the site's layout (never a bare status page);
- no raw code of a label table (roles, purposes, methods) in the text a person reads;
- no ISO date (2026-12-07) in the text a person reads: 和暦, with 西暦 beside it;
- a detail page (one with arguments in its URL) and a form to add or edit has a way back in its main part
  (「← 一覧」, 「…へ戻る」): the header's home link alone is a long way round.
JSON, CSV and PDF answers, the API, Django's admin and allauth's one-time-key links are not pages a person
reads here (the API keeps its codes; the PDFs have their own tests).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.people_text import problems_in, visible_text, ways_back

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
ROLES = [
    "operator@example.jp",
    "municipal.admin@example.jp",
    "municipal@example.jp",
    "office.admin@example.jp",
    "caremanager@example.jp",
    "provider@example.jp",
    "doctor@example.jp",
    "clinic.staff@example.jp",
    "person@example.jp",
    "family@example.jp",  # a representative
    "reviewer@example.jp",
    None,  # nobody signed in: the public portal
]
SKIPPED_PREFIXES = ("api/", "^api/", "admin/", "accounts/^confirm-email", "accounts/^password/reset/key")
# Routes that only take a POST (a GET answers 405, which no link leads to) are not walked.


def _routes(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + str(pattern.pattern), name, pattern


def _arguments() -> dict[str, object]:
    """What each argument name takes in the demo: the demo person's numbers and the demo's own rows."""
    from careplans.models import CarePlan
    from certification.models import Application
    from consent.models import PersonAccount, Relationship
    from eligibility.models import ImportJob
    from kaigo_portal.audit.models import AccessLogEntry
    from kaigo_portal.offices.models import Office
    from kaigo_portal.public.models import FaqEntry, Inquiry, NewsItem
    from opinions.models import Opinion, OpinionRequest
    from subsidies.models import Application as SubsidyApplication
    from subsidies.models import Receipt

    person = PersonAccount.objects.get(user__email="person@example.jp").person
    entry = (
        AccessLogEntry.objects.filter(insured_number=person.insured_number)
        .exclude(purpose="own_data")
        .first()
    )
    first = lambda model: model.objects.order_by("pk").values_list("pk", flat=True).first()  # noqa: E731
    return {
        "numbers": (person.insurer.insurer_number, person.insured_number),
        "person": person.pk,
        "entry_id": entry.pk if entry else None,
        "relationship": Relationship.objects.filter(person=person).values_list("pk", flat=True).first(),
        "application": first(Application),
        "opinion_request": first(OpinionRequest),
        "opinion": first(Opinion),
        "plan": CarePlan.objects.filter(person=person).values_list("pk", flat=True).first(),
        "job_id": first(ImportJob),
        "application_id": first(SubsidyApplication),
        "receipt_id": first(Receipt),
        "news": first(NewsItem),
        "faq": first(FaqEntry),
        "ticket_number": Inquiry.objects.values_list("ticket_number", flat=True).first(),
        "number": Office.objects.order_by("office_number").values_list("office_number", flat=True).first(),
    }


def _kwargs(name: str, pattern, found: dict) -> dict | None:
    """The route's arguments from the demo, or None where the demo has no such row."""
    wanted = set(pattern.pattern.regex.groupindex)
    kwargs: dict = {}
    for arg in wanted:
        if arg in ("insurer_no", "insurer_number"):
            kwargs[arg] = found["numbers"][0]
        elif arg in ("insured_no", "insured_number"):
            kwargs[arg] = found["numbers"][1]
        elif arg == "pk" and name.startswith(("consent:my_", "careplans:my_")):
            kwargs[arg] = found["person"]
        elif arg == "plan_pk":
            kwargs[arg] = found["plan"]
        elif arg == "pk":
            key = {
                "consent:relationship_end": "relationship",
                "opinions:write": "opinion_request",
                "opinions:paper": "opinion_request",
                "public:news_detail": "news",
                "public:manage_news_edit": "news",
                "public:manage_faq_edit": "faq",
            }.get(name)
            if key is None and name.startswith("certification:"):
                key = "application"
            elif key is None and name.startswith("opinions:"):
                key = "opinion"
            elif key is None and name.startswith("careplans:"):
                key = "plan"
            kwargs[arg] = found.get(key) if key else None
        elif arg == "fiscal_year":
            kwargs[arg] = 2026
        elif arg == "kind":
            kwargs[arg] = "plans"
        elif arg == "action":
            return None  # a workflow step: POST only
        else:
            kwargs[arg] = found.get(arg)
    if any(value is None for value in kwargs.values()):
        return None
    return kwargs


def test_every_page_as_every_role(settings):
    settings.DEBUG = True  # seed_demo refuses to run without it (known passwords)
    with time_machine.travel(dt.datetime(2026, 12, 7, 10, tzinfo=JST), tick=False):
        call_command("seed_demo", "--quiet", stdout=io.StringIO())
        settings.DEBUG = False
        _walk()


def _walk() -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from kaigo_portal.accounts.models import User

    for user in User.objects.filter(email__in=[email for email in ROLES if email]):
        TOTP.activate(user, generate_totp_secret())  # signed in past the MFA stage, as each works

    # A read by the care manager, so that the person's access log has a line of someone else's.
    care_manager = Client()
    care_manager.force_login(User.objects.get(email="caremanager@example.jp"))
    care_manager.get(reverse("consent:office_person", args=_arguments()["numbers"]))
    found = _arguments()
    problems: list[str] = []
    walked = shown = 0
    for path, name, pattern in _routes(get_resolver().url_patterns):
        if path.startswith(SKIPPED_PREFIXES) or name in ("healthz", "favicon"):
            continue
        kwargs = _kwargs(name, pattern, found) if pattern.pattern.regex.groupindex else {}
        if kwargs is None:
            continue
        url = reverse(name, kwargs=kwargs)
        for email in ROLES:
            client = Client()
            if email:
                client.force_login(User.objects.get(email=email))
            response = client.get(url)
            walked += 1
            shown += response.status_code == 200
            who = email or "anonymous"
            if response.status_code >= 500:
                problems.append(f"{response.status_code} {url} as {who}")
                continue
            if response.status_code in (301, 302, 405) or "text/html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            if 'class="skip-link"' not in html:
                problems.append(f"no site layout: {response.status_code} {url} as {who}")
            problems += [f"{problem}: {url} as {who}" for problem in problems_in(visible_text(html))]
            detail = bool(kwargs) or name.endswith(("_new", "_add", "_edit"))
            if detail and response.status_code == 200 and email and not ways_back(html, url):
                problems.append(f"no way back: {url} as {who}")
    assert walked > 1000 and shown > 300, (walked, shown)  # signed in past MFA: the pages, not redirects
    assert not problems, "\n".join(problems)


def test_a_way_back_is_a_named_link_in_main_to_another_page():
    header = '<header><a href="/">介護情報ポータル</a></header>'
    assert not ways_back(f'{header}<main><h1>詳細</h1><a href="/x/?page=2">次へ</a></main>', "/persons/1/")
    assert not ways_back(f'{header}<main><a href="/persons/1/">← 一覧</a></main>', "/persons/1/")  # itself
    assert ways_back(f'{header}<main><a href="/persons/">← 被保険者の検索へ</a></main>', "/persons/1/")
    assert ways_back('<main><a class="x" href="/me/">マイページへ<span>戻る</span></a></main>', "/me/1/")
