"""Reads of certification data. Every read of a person's data is authorised through kaigo_portal.access
(categories certification_progress and survey); the progress helpers take an authorised application."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from eligibility.models import InsuredPerson
from eligibility.selectors import person_for
from kaigo_portal import access

from . import rules
from .models import STEP_REQUIRES, Application, ProgressEvent, Step, StepKind, Survey

CATEGORY_PROGRESS = "certification_progress"
CATEGORY_SURVEY = "survey"


@dataclass(frozen=True)
class Progress:
    application: Application
    steps: dict[str, Step]
    due: dt.date
    days_elapsed: int
    overdue: bool
    waiting_for: list[str]  # the steps that can be completed next (the ones holding things up)

    @property
    def needs_extension_notice(self) -> bool:
        return (
            self.overdue
            and self.application.decided_on is None
            and self.application.extension_notice_on is None
        )


def _imported(applications: list[Application]) -> dict[tuple[int, str], dict[str, ProgressEvent]]:
    """Imported progress events in force (latest version per key, not deleted), per (person, 申請番号)."""
    persons = {a.person_id for a in applications}
    references = {a.reference for a in applications if a.reference}
    events = ProgressEvent.objects.filter(person_id__any_of=persons, application_number__any_of=references)
    latest: dict[tuple[int, str, str], ProgressEvent] = {}
    for event in events.order_by("effective_date", "id"):
        latest[(event.person_id, event.application_number, event.kind)] = event
    out: dict[tuple[int, str], dict[str, ProgressEvent]] = {}
    for (person_id, number, kind), event in latest.items():
        if not event.deleted:
            out.setdefault((person_id, number), {})[kind] = event
    return out


def completed_steps(application: Application, imported: dict | None = None) -> dict:
    """Steps completed on screen, and (where the screen has none) steps imported, by kind, in step order."""
    if imported is None:
        imported = _imported([application])
    done: dict = dict(imported.get((application.person_id, application.reference), {}))
    done.update({step.kind: step for step in application.steps.all()})
    return {kind: done[kind] for kind in StepKind.values if kind in done}


def progress_many(applications, today: dt.date) -> list[Progress]:
    """Progress of many applications with one query for the imported events."""
    applications = list(applications)
    imported = _imported(applications)
    return [progress(a, today, imported=imported) for a in applications]


def progress(application: Application, today: dt.date, *, imported: dict | None = None) -> Progress:
    """Days elapsed (初日不算入), the due date, the overdue flag and the step(s) holding things up."""
    steps = completed_steps(application, imported)
    end = application.decided_on or today
    waiting = [
        kind
        for kind in StepKind.values
        if kind not in steps and all(required in steps for required in STEP_REQUIRES[kind])
    ]
    return Progress(
        application=application,
        steps=steps,
        due=rules.decision_due(application.applied_on),
        days_elapsed=(end - application.applied_on).days,
        overdue=rules.is_overdue(
            applied_on=application.applied_on, decided_on=application.decided_on, today=today
        ),
        waiting_for=waiting,
    )


def applications_of(person: InsuredPerson) -> QuerySet[Application]:
    """The applications of a person already authorised for certification_progress."""
    return person.certification_applications.prefetch_related("steps").select_related("proxy_office")


def person_progress_for(actor: access.Actor, *, insurer_id: int, insured_number: str, purpose: str):
    """Fetches and authorises (logged) a person's certification progress."""
    person = person_for(
        actor,
        insurer_id=insurer_id,
        insured_number=insured_number,
        category=CATEGORY_PROGRESS,
        purpose=purpose,
    )
    return person, list(applications_of(person))


def survey_for(actor: access.Actor, *, application_id: int, purpose: str) -> Survey:
    """The 認定調査票 of an application, authorised under the `survey` category (care managers need
    consent; other offices are refused)."""
    survey = (
        Survey.objects.select_related("application__person__insurer")
        .filter(application_id=application_id)
        .first()
    )
    if survey is None:
        raise access.NotVisible("no such survey")
    access.authorize(actor, survey.application.person, CATEGORY_SURVEY, purpose)
    return survey


def application_for(actor: access.Actor, pk: int, *, purpose: str) -> Application:
    """An application of a person the actor may read under certification_progress, the read authorised and
    logged; else the same 404 as for one that does not exist."""
    applications = Application.objects.select_related("person__insurer", "proxy_office").prefetch_related(
        "steps"
    )
    return access.fetch(actor, applications, CATEGORY_PROGRESS, purpose, pk=pk)


def municipal_applications_for(actor: access.Actor) -> QuerySet[Application]:
    """Applications of persons the actor may see under certification_progress (a municipality: its own)."""
    # The policy's filter through the application's person (a join), not `person IN (the persons the actor
    # may see)`: for a municipality that subquery is every one of its insured persons.
    applications = access.filter_persons(
        actor, Application.objects.all(), CATEGORY_PROGRESS, prefix="person__"
    )
    return applications.select_related("person", "person__insurer").prefetch_related("steps")


@dataclass(frozen=True)
class StepStats:
    kind: str
    label: str
    count: int
    median: float | None
    p90: float | None


def percentile(values: list[int], share: float) -> float | None:
    """Linear interpolation between closest ranks (as numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def step_stats(applications: QuerySet[Application], today: dt.date) -> list[StepStats]:
    """Per step: the median and 90th percentile of days from the application to the step's completion,
    over steps completed in the last 3 months (one query)."""
    since = today - dt.timedelta(days=91)
    rows = Step.objects.filter(application__in=applications, completed_on__gte=since).values_list(
        "kind", "completed_on", "application__applied_on"
    )
    days: dict[str, list[int]] = {kind: [] for kind in StepKind.values}
    for kind, completed_on, applied_on in rows:
        days[kind].append((completed_on - applied_on).days)
    return [
        StepStats(
            kind,
            StepKind(kind).label,
            len(days[kind]),
            percentile(days[kind], 0.5),
            percentile(days[kind], 0.9),
        )
        for kind in StepKind.values
        if kind != StepKind.RECEIVED
    ]


STEP_STATS_SECONDS = 600  # the figures of three months move slowly: each insurer's are kept ten minutes


def step_stats_cached(actor: access.Actor, today: dt.date) -> list[StepStats]:
    """step_stats of the applications the actor may see, kept in the cache for STEP_STATS_SECONDS (they read
    every step of three months). Without the cache (Redis away) they are computed each time."""
    from django.core.cache import cache

    from kaigo_portal.errors import unless_away

    key = f"certification:step-stats:{actor.organisation.pk if actor.organisation else 0}:{today.isoformat()}"
    kept = unless_away(lambda: cache.get(key))
    if kept is None:
        kept = step_stats(municipal_applications_for(actor), today)
        unless_away(lambda: cache.set(key, kept, timeout=STEP_STATS_SECONDS))
    return kept
