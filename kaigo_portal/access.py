"""The door to personal data: `read()`, `authorize()` and the matching queryset filter.

Every read of a person's data, in every app and on every channel (page, API, PDF, export), goes
through here. The door decides with the registered rule set and writes one access-log row for the
decision, granted or denied, before the caller sees the data. `read()` also runs the caller's read of
the data (a queryset it compiles), in the same round trip as the log row where the database allows;
the SQL stays inside the kernel (this module, `prepared`, and audit).

The rules plug in from the consent app (`register_rules`), which sits above this kernel. Until a rule
set is registered, only municipal staff of the person's own insurer get through; in production
(DEBUG off) the web server and the worker refuse to start without a registered rule set, so access
fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from kaigo_portal import prepared
from kaigo_portal.accounts.models import MUNICIPAL_ROLES, ApiKey, Organisation, User
from kaigo_portal.audit.models import Category, Channel, Outcome
from kaigo_portal.audit.services import Access, record, record_and_read
from kaigo_portal.prepared import Bound

__all__ = [
    "Actor",
    "Category",
    "Channel",
    "Decision",
    "Forbidden",
    "NotVisible",
    "Numbers",
    "PersonLike",
    "PersonRef",
    "Purpose",
    "Rules",
    "authorize",
    "ensure_rules_for_production",
    "fetch",
    "filter_persons",
    "log_listed",
    "log_lookup",
    "read",
    "register_rules",
    "registered_rules",
]


class Purpose:
    """Stable purpose codes written to the log. Apps may add their own short snake_case codes."""

    CARE_MANAGEMENT = "care_management"  # ケアマネジメント・ケアプラン作成
    SERVICE_PROVISION = "service_provision"  # サービス提供
    INSURER_ADMINISTRATION = "insurer_administration"  # 保険者事務
    OPINION_WRITING = "opinion_writing"  # 主治医意見書作成
    OWN_DATA = "own_data"  # 本人による閲覧
    DISASTER = "disaster"  # 災害時の緊急閲覧


class PersonLike(Protocol):
    """What the door needs to know of a person: whose insured person it is, and the number."""

    insurer_id: int
    insurer: Organisation
    insured_number: str


@dataclass(frozen=True)
class PersonRef:
    """A person named by insurer and 被保険者番号, for reads that have no person row at hand."""

    insurer: Organisation
    insured_number: str

    @property
    def insurer_id(self) -> int:
        return self.insurer.pk


@dataclass(frozen=True)
class Actor:
    """Who is asking: a signed-in user in one organisation and role, or an organisation's API key."""

    user: User | None
    organisation: Organisation | None
    role: str | None
    api_key: ApiKey | None = None
    channel: str = Channel.PAGE
    request_id: str = ""
    label: str = ""  # the name logged for an actor that is neither a user nor a key (an import)

    @classmethod
    def for_request(cls, request, *, channel: str = Channel.PAGE) -> Actor:
        key = getattr(request, "auth", None)
        request_id = getattr(request, "request_id", "")
        if isinstance(key, ApiKey):
            return cls(None, key.organisation, key.acting_role, key, Channel.API, request_id)
        membership = getattr(request, "membership", None)
        user = request.user if request.user.is_authenticated else None
        return cls(
            user=user,
            organisation=membership.organisation if membership else None,
            role=membership.role if membership else None,
            channel=channel,
            request_id=request_id,
        )

    @classmethod
    def for_import(cls, job) -> Actor:
        """A bulk import of the insurer's own system (eligibility's ImportJob): the insurer acts, as
        保険者事務; the job is named in the request id."""
        return cls(None, job.insurer, None, None, Channel.IMPORT, f"import-{job.pk}", label="一括取込")

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        if self.api_key is not None:
            return f"{self.api_key.organisation.name} / {self.api_key.name}"
        return self.user.name if self.user is not None else "匿名"

    @property
    def is_person(self) -> bool:
        return self.user is not None and self.user.is_person

    @property
    def is_municipal(self) -> bool:
        return self.role in MUNICIPAL_ROLES


@dataclass(frozen=True)
class Decision:
    """The rules' answer. `status` is 404 when the person must not even appear to exist, else 403."""

    granted: bool
    reason: str
    status: int = 200
    method: str = ""

    @classmethod
    def grant(cls, reason: str, *, method: str = "") -> Decision:
        return cls(True, reason, 200, method)

    @classmethod
    def not_visible(cls, reason: str) -> Decision:
        return cls(False, reason, 404)

    @classmethod
    def forbid(cls, reason: str, *, method: str = "") -> Decision:
        return cls(False, reason, 403, method)


class NotVisible(Http404):
    """The person does not exist for this actor (404): nothing leaks about whether they do."""


class Forbidden(PermissionDenied):
    """The actor may know the person but not see this category now (403), with a reason code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Rules(Protocol):
    """A rule set: one person, one person named by numbers, a page of persons, and a queryset filter. All
    must agree (tests/test_authorization_matrix.py and consent's tests hold the registered set to it)."""

    def decide(self, actor: Actor, person: PersonLike, category: str) -> Decision: ...

    def find(
        self, actor: Actor, insurer_number: str, insured_number: str, category: str
    ) -> tuple[PersonLike | None, Decision | None]: ...

    def decide_many(self, actor: Actor, persons: Sequence[PersonLike], category: str) -> list[Decision]: ...

    def person_filter(self, actor: Actor, category: str, *, prefix: str = "") -> Q: ...


class OwnInsurerOnly:
    """The rules in force until the consent app registers its own: municipal staff of the person's insurer."""

    def decide(self, actor: Actor, person: PersonLike, category: str) -> Decision:
        if (
            actor.is_municipal
            and actor.organisation is not None
            and actor.organisation.pk == person.insurer_id
        ):
            return Decision.grant("own_insurer", method="insurer")
        return Decision.not_visible("no_rule_grants_access")

    def find(self, actor: Actor, insurer_number: str, insured_number: str, category: str):
        """The kernel knows no person model: until the rules arrive, no one is found by numbers."""
        return None, None

    def decide_many(self, actor: Actor, persons: Sequence[PersonLike], category: str) -> list[Decision]:
        return [self.decide(actor, person, category) for person in persons]

    def person_filter(self, actor: Actor, category: str, *, prefix: str = "") -> Q:
        if actor.is_municipal and actor.organisation is not None:
            return Q(**{f"{prefix}insurer_id": actor.organisation.pk})
        return Q(pk__in=[])


_FALLBACK = OwnInsurerOnly()
_registered: Rules | None = None


def register_rules(rules: Rules) -> None:
    """Called once by the app that owns the policy (consent) from its AppConfig.ready()."""
    global _registered
    _registered = rules


def registered_rules() -> Rules | None:
    return _registered


def _rules() -> Rules:
    return _registered or _FALLBACK


def ensure_rules_for_production() -> None:
    """Refuses to start a production process (DEBUG off) that has no registered rule set."""
    if not settings.DEBUG and _registered is None:
        raise ImproperlyConfigured(
            "No access rule set is registered (kaigo_portal.access.register_rules); "
            "production refuses to start rather than run on the fallback rules."
        )


def _access_row(actor: Actor, person: PersonLike, category: str, purpose: str, decision: Decision) -> Access:
    return _row(
        actor, person.insurer.insurer_number or "", person.insured_number, category, purpose, decision
    )


def _row(
    actor: Actor, insurer_number: str, insured_number: str, category: str, purpose: str, decision: Decision
) -> Access:
    """The log row of one decision about the person with these numbers (who may have no row at all)."""
    organisation = actor.organisation
    return Access(
        actor_user_id=actor.user.pk if actor.user is not None else None,
        actor_name=actor.name,
        organisation_number=organisation.number if organisation else "",
        organisation_name=organisation.name if organisation else "",
        role=actor.role or ("person" if actor.is_person else ""),
        api_key_prefix=actor.api_key.prefix if actor.api_key else "",
        insurer_number=insurer_number,
        insured_number=insured_number,
        category=str(category),
        purpose=purpose,
        method=decision.method,
        channel=str(actor.channel),
        outcome=Outcome.GRANTED if decision.granted else Outcome.DENIED,
        reason=decision.reason,
        request_id=actor.request_id,
    )


def log_lookup(
    actor: Actor,
    insurer_number: str,
    insured_number: str,
    category: str,
    purpose: str,
    *,
    granted: bool,
    reason: str,
    method: str = "",
) -> None:
    """Logs a form's look-up of a person by the numbers typed in (本人確認, 緊急閲覧), found or not.

    The row names the numbers as typed, so a number that belongs to nobody is logged like any other: the
    person's history shows every try at their number, and the actor's answer never depends on the row.
    """
    _check_category(category)
    decision = Decision(granted, reason, 200 if granted else 404, method)
    record([_row(actor, insurer_number, insured_number, category, purpose, decision)])


def authorize(
    actor: Actor,
    person: PersonLike,
    category: str,
    purpose: str,
    *,
    object_rule: Callable[[], str | None] | None = None,
) -> Decision:
    """Decides whether `actor` may read `category` of `person`'s data, logs it, and raises if not: `read`
    for a caller that reads what it needs itself, after the door. Returns the decision."""
    _check_category(category)
    decision = _with_object_rule(_rules().decide(actor, person, category), object_rule)
    _log_and_enforce(_access_row(actor, person, category, purpose, decision), decision)
    return decision


@dataclass(frozen=True)
class Numbers:
    """A person named by 保険者番号 and 被保険者番号, as an API path names them: the door looks them up."""

    insurer_number: str
    insured_number: str


Query = QuerySet | Bound | Callable[[PersonLike], "QuerySet | Bound"]


def read(
    actor: Actor,
    person: PersonLike | Numbers,
    category: str,
    purpose: str,
    query: Query | None = None,
    *,
    object_rule: Callable[[], str | None] | None = None,
) -> tuple[PersonLike, Any]:
    """The one read entry: decides, logs and reads, and returns the person and what `query` gives.

    `person` is a person at hand, or `Numbers` for the door to look up together with what the rules decide
    on (one statement). No such person is the same 404 as a refusal, logged under the numbers asked for.
    `query` is the caller's read of the person's data: a queryset (one statement: a model queryset or a
    values_list, no prefetch), a prepared one (`Bound`), or a function of the person giving either. It runs
    only once the rules grant, in the statement that writes the read's log row where the database allows
    (`audit.services.record_and_read`), so one round trip logs and reads.
    `object_rule` is asked when the rules grant (see `authorize`). A refusal is logged and raised.
    """
    _check_category(category)
    rules = _rules()
    if isinstance(person, Numbers):
        found, decision = rules.find(actor, person.insurer_number, person.insured_number, category)
        if found is None:
            log_lookup(
                actor,
                person.insurer_number,
                person.insured_number,
                category,
                purpose,
                granted=False,
                reason="no_such_person",
            )
            raise NotVisible("no such person")
        person = found
    else:
        decision = rules.decide(actor, person, category)
    decision = _with_object_rule(decision, object_rule)
    row = _access_row(actor, person, category, purpose, decision)
    if not decision.granted or query is None:
        _log_and_enforce(row, decision)
        return person, None
    if callable(query):  # a queryset or a Bound is not callable
        query = query(person)
    statement = query if isinstance(query, Bound) else prepared.bound(query)
    return person, statement.finish(record_and_read(row, statement.sql, statement.params))


def _check_category(category: str) -> None:
    if category not in Category.values:
        raise ValueError(f"unknown category {category!r}")


def _with_object_rule(decision: Decision, object_rule: Callable[[], str | None] | None) -> Decision:
    if decision.granted and object_rule is not None:
        reason = object_rule()
        if reason:
            return Decision(False, reason, 404, decision.method)
    return decision


def _log_and_enforce(row: Access, decision: Decision) -> Decision:
    record([row])
    if decision.granted:
        return decision
    if decision.status == 404:
        raise NotVisible(decision.reason)
    raise Forbidden(decision.reason)


def filter_persons(actor: Actor, queryset: QuerySet, category: str, *, prefix: str = "") -> QuerySet:
    """Narrows a queryset to the persons `authorize` would let the actor read (`prefix` reaches the person)."""
    return queryset.filter(_rules().person_filter(actor, category, prefix=prefix))


def fetch(actor: Actor, queryset: QuerySet, category: str, purpose: str, *, person: str = "person", **lookup):
    """One row about a person (its `person` field) that the actor may read: narrowed by the rules' filter,
    found by `lookup`, its read authorised and logged. A row the actor may not see is the same 404 as one
    that does not exist, and is not logged (nothing names the person)."""
    found = filter_persons(actor, queryset, category, prefix=f"{person}__").filter(**lookup).first()
    if found is None:
        raise NotVisible("no such row")
    authorize(actor, getattr(found, person), category, purpose)
    return found


def log_listed(actor: Actor, persons: Iterable[PersonLike], category: str, purpose: str) -> None:
    """Logs the persons a list showed, as granted reads (lists come from `filter_persons`)."""
    rows = []
    persons = list(persons)
    # The rule set answers for the whole page at once (a fixed number of queries, not one per person).
    decisions = _rules().decide_many(actor, persons, category)
    for person, decision in zip(persons, decisions, strict=True):
        if not decision.granted:  # a list built without filter_persons: a bug, and never shown silently
            raise RuntimeError(f"listed a person the rules refuse ({decision.reason})")
        rows.append(_access_row(actor, person, category, purpose, decision))
    record(rows)
