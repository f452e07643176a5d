"""The door to personal data: `authorize()` and the matching queryset filter.

Every read of a person's data, in every app and on every channel (page, API, PDF, export), goes
through here. The door decides with the registered rule set and writes one access-log row for the
decision, granted or denied, before the caller sees the data.

The rules plug in from the consent app (`register_rules`), which sits above this kernel. Until a rule
set is registered, only municipal staff of the person's own insurer get through; in production
(DEBUG off) the web server and the worker refuse to start without a registered rule set, so access
fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from kaigo_portal.accounts.models import MUNICIPAL_ROLES, ApiKey, Organisation, User
from kaigo_portal.audit.models import Category, Channel, Outcome
from kaigo_portal.audit.services import Access, record, record_and_read

__all__ = [
    "Actor", "Category", "Channel", "Decision", "Forbidden", "NotVisible", "PersonLike", "PersonRef",
    "Purpose", "Rules", "authorize", "ensure_rules_for_production", "filter_persons", "log_listed", "log_lookup",
    "register_rules", "registered_rules",
]  # fmt: skip


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

    @property
    def name(self) -> str:
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
    def decide(self, actor: Actor, person: PersonLike, category: str) -> Decision: ...

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
    actor: Actor, insurer_number: str, insured_number: str, category: str, purpose: str,
    *, granted: bool, reason: str, method: str = "",
) -> None:  # fmt: skip
    """Logs a form's look-up of a person by the numbers typed in (本人確認, 緊急閲覧), found or not.

    The row names the numbers as typed, so a number that belongs to nobody is logged like any other: the
    person's history shows every try at their number, and the actor's answer never depends on the row.
    """
    if category not in Category.values:
        raise ValueError(f"unknown category {category!r}")
    decision = Decision(granted, reason, 200 if granted else 404, method)
    record([_row(actor, insurer_number, insured_number, category, purpose, decision)])


def authorize(
    actor: Actor, person: PersonLike, category: str, purpose: str,
    *, object_rule: Callable[[], str | None] | None = None,
) -> Decision:  # fmt: skip
    """Decides whether `actor` may read `category` of `person`'s data, logs it, and raises if not.

    `object_rule`, for a read of one object the rules cannot know about (another office's draft plan),
    is asked when the rules grant: a reason it returns turns the read into a refusal (404), and that
    refusal is the one row logged. Raises NotVisible (404) or Forbidden (403) after the denied row is
    written.
    """
    if category not in Category.values:
        raise ValueError(f"unknown category {category!r}")
    decision = _rules().decide(actor, person, category)
    if decision.granted and object_rule is not None:
        reason = object_rule()
        if reason:
            decision = Decision(False, reason, 404, decision.method)
    return _log_and_enforce(actor, person, category, purpose, decision)


def authorize_by_numbers(
    actor: Actor, insurer_number: str, insured_number: str, category: str, purpose: str,
    *, find: Callable[[str, str], PersonLike | None],
) -> PersonLike:  # fmt: skip
    """`authorize` for a person named by 保険者番号 and 被保険者番号 (the read API): returns the person.

    A rule set with `find_and_decide` looks the person up together with what its decision needs, in one
    statement; otherwise `find` looks the person up and the rules decide as usual. No such person is the
    same 404, logged under the numbers asked for (`log_lookup`), as every refusal is.
    """
    person, decision = _found_and_decided(actor, insurer_number, insured_number, category, purpose, find)
    _log_and_enforce(actor, person, category, purpose, decision)
    return person


def read_by_numbers(
    actor: Actor, insurer_number: str, insured_number: str, category: str, purpose: str,
    *, find: Callable[[str, str], PersonLike | None], read: Callable[[PersonLike], tuple[str, list]],
) -> tuple[PersonLike, list[tuple]]:  # fmt: skip
    """`authorize_by_numbers` for a read that is one statement: `read(person)` gives its (sql, params),
    which run only once the rules grant, in the same round trip as the read's log row where the database
    allows (`audit.services.record_and_read`). Returns the person and the read's rows; a refusal is
    logged and raised as by `authorize_by_numbers`."""
    person, decision = _found_and_decided(actor, insurer_number, insured_number, category, purpose, find)
    if not decision.granted:
        _log_and_enforce(actor, person, category, purpose, decision)  # logs the refusal, then raises
    sql, params = read(person)
    return person, record_and_read(_access_row(actor, person, category, purpose, decision), sql, params)


def _found_and_decided(
    actor: Actor, insurer_number: str, insured_number: str, category: str, purpose: str, find
):
    if category not in Category.values:
        raise ValueError(f"unknown category {category!r}")
    rules = _rules()
    fast = getattr(rules, "find_and_decide", None)
    found = fast(actor, insurer_number, insured_number, category) if fast is not None else None
    person, decision = found if found is not None else (find(insurer_number, insured_number), None)
    if person is None:
        log_lookup(
            actor, insurer_number, insured_number, category, purpose, granted=False, reason="no_such_person"
        )
        raise NotVisible("no such person")
    if decision is None:
        decision = rules.decide(actor, person, category)
    return person, decision


def _log_and_enforce(
    actor: Actor, person: PersonLike, category: str, purpose: str, decision: Decision
) -> Decision:
    record([_access_row(actor, person, category, purpose, decision)])
    if decision.granted:
        return decision
    if decision.status == 404:
        raise NotVisible(decision.reason)
    raise Forbidden(decision.reason)


def filter_persons(actor: Actor, queryset: QuerySet, category: str, *, prefix: str = "") -> QuerySet:
    """Narrows a queryset to the persons `authorize` would let the actor read (`prefix` reaches the person)."""
    return queryset.filter(_rules().person_filter(actor, category, prefix=prefix))


def log_listed(actor: Actor, persons: Iterable[PersonLike], category: str, purpose: str) -> None:
    """Logs the persons a list showed, as granted reads (lists come from `filter_persons`)."""
    rows = []
    persons = list(persons)
    rules = _rules()
    # A rule set may answer for a whole page at once (a fixed number of queries, not one per person).
    decide_many = getattr(rules, "decide_many", None)
    if decide_many is not None:
        decisions = decide_many(actor, persons, category)
    else:
        decisions = [rules.decide(actor, person, category) for person in persons]
    for person, decision in zip(persons, decisions, strict=True):
        if not decision.granted:  # a list built without filter_persons: a bug, and never shown silently
            raise RuntimeError(f"listed a person the rules refuse ({decision.reason})")
        rows.append(_access_row(actor, person, category, purpose, decision))
    record(rows)
