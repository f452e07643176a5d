"""Reads of eligibility data. Every read of a person's data goes through kaigo_portal.access first:
`person_for` fetches and authorises in one call; the `*_as_of` helpers take an already authorised person."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce

from django.db.models import Exists, F, Field, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast

from kaigo_portal import access
from kaigo_portal.fastsql import Reader
from kaigo_portal.prepared import Bound, Prepared

from .models import (
    HOUSING_STAGE,
    BenefitLimit,
    BurdenRatioVersion,
    CertificationVersion,
    CostLimitVersion,
    InsuredPerson,
    LedgerKind,
    LedgerLineVersion,
    PersonVersion,
    RestrictionVersion,
    Version,
)

HOUSING_CAP = 200_000  # 住宅改修費: per person per dwelling (domain.md §2.2)
EQUIPMENT_CAP = 100_000  # 福祉用具購入費: per fiscal year from 1 April

# The key that identifies one record across its versions, per version model.
VERSION_KEYS: dict[type[Version], tuple[str, ...]] = {
    PersonVersion: (),
    CertificationVersion: ("valid_from",),
    BurdenRatioVersion: ("valid_from",),
    CostLimitVersion: ("valid_from",),
    RestrictionVersion: ("kind", "valid_from"),
    LedgerLineVersion: ("line_id",),
}


def person_for(
    actor: access.Actor, *, insurer_id: int, insured_number: str, category: str, purpose: str
) -> InsuredPerson:
    """Fetches a person and authorises the read (logged); a person the actor may not see is a 404."""
    person = (
        InsuredPerson.objects.select_related("insurer")
        .filter(insurer_id=insurer_id, insured_number=insured_number)
        .first()
    )
    if person is None:
        raise access.NotVisible("no such person")
    access.authorize(actor, person, category, purpose)
    return person


def persons_for(
    actor: access.Actor,
    *,
    category: str,
    insured_number: str = "",
    name: str = "",
    name_kana: str = "",
    birth_date: dt.date | None = None,
) -> QuerySet[InsuredPerson]:
    """Persons the actor may read, searched by insured number (prefix), name in kanji (prefix), kana name
    (prefix) or birth date. Each prefix has its index (insurer, column varchar_pattern_ops)."""
    persons = access.filter_persons(actor, InsuredPerson.objects.select_related("insurer"), category)
    if insured_number:
        persons = persons.filter(insured_number__startswith=insured_number)
    if name:
        persons = persons.filter(_spaced_prefix("name", name))
    if name_kana:
        # フリガナ may separate family and given names with a full-width or a half-width space (both
        # pass the import's kana rule): match the prefix either way.
        persons = persons.filter(_spaced_prefix("name_kana", name_kana))
    if birth_date:
        persons = persons.filter(birth_date=birth_date)
    return persons.order_by("name_kana", "insured_number")


def _spaced_prefix(column: str, prefix: str) -> Q:
    """Names may separate family and given names with a full-width or a half-width space (both pass the
    import's rules): match the prefix either way."""
    spaced = {prefix, prefix.replace(" ", "\u3000"), prefix.replace("\u3000", " ")}
    return reduce(operator.or_, (Q(**{f"{column}__startswith": s}) for s in sorted(spaced)))


def current_versions(model: type[Version], person: InsuredPerson, on: dt.date) -> list[Version]:
    """What was true on `on`: per record key, the latest version effective on or before `on`, unless it
    is a deletion; period records must also cover `on`."""
    versions = model.objects.filter(person=person, effective_date__lte=on).order_by("effective_date", "id")
    return versions_as_of(model, versions, on)


def versions_as_of(model: type[Version], versions: Iterable[Version], on: dt.date) -> list[Version]:
    """The same rule as `current_versions`, over versions already loaded (so that a loop over dates
    needs one query, not one per date)."""
    key_fields = VERSION_KEYS[model]
    latest: dict[tuple, Version] = {}
    for version in sorted(versions, key=lambda v: (v.effective_date, v.pk)):
        if version.effective_date <= on:
            latest[tuple(getattr(version, name) for name in key_fields)] = version
    live = [v for v in latest.values() if not v.deleted]
    if hasattr(model, "valid_to"):
        live = [v for v in live if v.valid_from <= on and (v.valid_to is None or on <= v.valid_to)]
    return sorted(live, key=lambda v: tuple(getattr(v, name) for name in key_fields))


def versions_of_persons(
    model: type[Version], persons: Iterable[InsuredPerson], on: dt.date
) -> dict[int, list[Version]]:
    """`current_versions` of many persons in one query: {person pk: versions}."""
    loaded: dict[int, list[Version]] = {person.pk: [] for person in persons}
    for version in model.objects.filter(person_id__in=loaded, effective_date__lte=on):
        loaded[version.person_id].append(version)
    return {pk: versions_as_of(model, versions, on) for pk, versions in loaded.items()}


def identities_as_of(persons: Iterable[InsuredPerson], on: dt.date) -> dict[int, PersonVersion | None]:
    """The identity (被保険者の氏名・生年月日・性別) of each person on `on`, in one query: {pk: version}."""
    return {
        pk: next(iter(found), None) for pk, found in versions_of_persons(PersonVersion, persons, on).items()
    }


def certifications_as_of(
    persons: Iterable[InsuredPerson], on: dt.date
) -> dict[int, CertificationVersion | None]:
    """The certification in force of each person on `on` (the card's), in one query: {pk: version}."""
    return {
        pk: found[-1] if found else None
        for pk, found in versions_of_persons(CertificationVersion, persons, on).items()
    }


def history(model: type[Version], person: InsuredPerson) -> QuerySet[Version]:
    return model.objects.filter(person=person).select_related("job").order_by("effective_date", "id")


def benefit_limit_on(care_level: str, on: dt.date) -> int | None:
    """区分支給限度基準額 (単位/月) in force on `on`; None for levels without one (事業対象者, 非該当)."""
    row = (
        BenefitLimit.objects.filter(care_level=care_level, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from")
        .first()
    )
    return row.units if row else None


@dataclass
class Card:
    """The 被保険者証 as of one date: its three panels."""

    on: dt.date
    person: InsuredPerson
    identity: PersonVersion | None
    certification: CertificationVersion | None
    benefit_limit: int | None
    burden_ratio: BurdenRatioVersion | None
    cost_limit: CostLimitVersion | None
    restrictions: list[RestrictionVersion] = field(default_factory=list)


# The card's panels and the 区分支給限度基準額 master rows come back in one statement: one UNION ALL branch
# per table, each table's columns in their own slots (NULLs of the slot's type elsewhere), turned back into
# model instances with the backend's converters. A page or API read costs one round trip, not six.
_CARD_MODELS: tuple[type[Version], ...] = (
    PersonVersion,
    CertificationVersion,
    BurdenRatioVersion,
    CostLimitVersion,
    RestrictionVersion,
)


def _slot_of(f: Field) -> tuple[str, str]:
    from django.db import connection

    return f.column, f.db_type(connection)


@functools.cache
def _card_layout(vendor: str) -> tuple[tuple[Field, ...], tuple[Reader, ...]]:
    """The slots of the union (one per column name and type: every version table has id, person_id,
    effective_date…) and, per branch, the reader of its model's columns."""
    models = (*_CARD_MODELS, BenefitLimit)
    slots: dict[tuple[str, str], Field] = {}
    for model in models:
        for f in model._meta.concrete_fields:
            slots.setdefault(_slot_of(f), f)
    keys = list(slots)
    readers = tuple(
        Reader.of(model, [1 + keys.index(_slot_of(f)) for f in model._meta.concrete_fields])
        for model in models
    )
    return tuple(slots.values()), readers


def _card_query(*, person_id: int, on: dt.date) -> QuerySet:
    from django.db import connection

    slots, _readers = _card_layout(connection.vendor)
    branches = [
        *(model.objects.filter(person_id=person_id, effective_date__lte=on) for model in _CARD_MODELS),
        BenefitLimit.objects.filter(effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .filter(care_level__in=CertificationVersion.objects.filter(person_id=person_id).values("care_level")),
    ]
    selected = []
    for index, branch in enumerate(branches):
        mine = {_slot_of(f): f for f in branch.model._meta.concrete_fields}
        # UNION takes its column types from the first branch: only its NULLs need a type, and untyped NULLs
        # elsewhere keep the statement short.
        columns = [
            F(mine[_slot_of(slot)].attname)
            if _slot_of(slot) in mine
            else Cast(Value(None), output_field=slot)
            if index == 0
            else Value(None, output_field=slot)
            for slot in slots
        ]
        selected.append(branch.order_by().values_list(Value(index), *columns))
    return selected[0].union(*selected[1:], all=True)


_CARD = Prepared(_card_query, raw=True)


def card_read(person: InsuredPerson, on: dt.date) -> Bound:
    """The 被保険者証 as of `on` in one statement, for the door to run with the read's log row
    (`access.read`); it gives the Card. The caller authorises; `card_as_of` runs it without the door."""
    return _CARD.bind(person_id=person.pk, on=on).then(lambda rows: card_from_rows(person, on, rows))


def _card_rows(rows) -> dict[type, list]:
    from django.db import connection

    _slots, readers = _card_layout(connection.vendor)
    found: dict[type, list] = {reader.model: [] for reader in readers}
    for row in rows:
        reader = readers[row[0]]
        found[reader.model].append(reader.read(row))
    return found


def _person_query(*, insurer_number: str, insured_number: str) -> QuerySet[InsuredPerson]:
    return InsuredPerson.objects.select_related("insurer").filter(
        insurer__insurer_number=insurer_number, insured_number=insured_number
    )


_PERSON_BY_NUMBERS = Prepared(_person_query)


def person_by_numbers(insurer_number: str, insured_number: str) -> InsuredPerson | None:
    """The person (with the insurer) named by 保険者番号 and 被保険者番号, in one statement. Not a read of
    the person's data: the caller authorises before it shows anything."""
    found = _PERSON_BY_NUMBERS.bind(insurer_number=insurer_number, insured_number=insured_number).run()
    return found[0] if found else None


def qualified_on(on: dt.date, *, person=None) -> Exists:
    """資格 on `on` as an expression over a person row (True: qualified): the latest identity version in force
    exists, is not a deletion and has no 資格喪失日 on or before `on`. `person` names the person in the
    query the expression goes into (by default the row's own pk)."""
    latest = (
        PersonVersion.objects.filter(person_id=OuterRef("person_id"), effective_date__lte=on)
        .order_by("-effective_date", "-id")
        .values("pk")[:1]
    )
    return Exists(
        PersonVersion.objects.filter(
            person_id=person if person is not None else OuterRef("pk"), pk=Subquery(latest), deleted=False
        ).filter(Q(disqualified_on__isnull=True) | Q(disqualified_on__gt=on))
    )


def card_as_of(person: InsuredPerson, on: dt.date) -> Card:
    return card_read(person, on).run()


def card_from_rows(person: InsuredPerson, on: dt.date, rows) -> Card:
    """The card from the rows of `card_read`'s statement."""
    rows = _card_rows(rows)
    identity = versions_as_of(PersonVersion, rows[PersonVersion], on)
    certifications = versions_as_of(CertificationVersion, rows[CertificationVersion], on)
    certification = certifications[-1] if certifications else None
    ratios = versions_as_of(BurdenRatioVersion, rows[BurdenRatioVersion], on)
    limits = versions_as_of(CostLimitVersion, rows[CostLimitVersion], on)
    benefit_limit = None
    if certification is not None:
        in_force = [b for b in rows[BenefitLimit] if b.care_level == certification.care_level]
        benefit_limit = max(in_force, key=lambda b: b.effective_from).units if in_force else None
    return Card(
        on=on,
        person=person,
        identity=identity[0] if identity else None,
        certification=certification,
        benefit_limit=benefit_limit,
        burden_ratio=ratios[-1] if ratios else None,
        cost_limit=limits[-1] if limits else None,
        restrictions=versions_as_of(RestrictionVersion, rows[RestrictionVersion], on),
    )


@dataclass(frozen=True)
class Remainder:
    """What is left of an allowance on a date, and the ledger lines counted against it."""

    kind: str
    cap: int
    used: int
    period_start: dt.date | None
    lines: tuple[LedgerLineVersion, ...] = ()

    @property
    def remaining(self) -> int:
        return max(self.cap - self.used, 0)


def _level_on(certifications: list[CertificationVersion], on: dt.date) -> str | None:
    current = versions_as_of(CertificationVersion, certifications, on)
    return current[-1].care_level if current else None


def housing_remainder(person: InsuredPerson, on: dt.date) -> Remainder:
    """住宅改修: ¥200,000 per dwelling. A move starts a new allowance; so does, once, a rise of the care
    level by 3 or more stages since the first line of the current allowance."""
    lines = [
        line for line in current_versions(LedgerLineVersion, person, on) if line.kind == LedgerKind.HOUSING
    ]
    lines.sort(key=lambda line: (line.service_date, line.line_id))
    certifications = list(CertificationVersion.objects.filter(person=person)) if lines else []
    counted: list[LedgerLineVersion] = []
    start, dwelling, start_stage, reset_used = None, None, None, False
    for line in lines:
        stage = HOUSING_STAGE.get(_level_on(certifications, line.service_date))
        moved = dwelling is not None and line.dwelling != dwelling
        risen = not reset_used and start_stage is not None and stage is not None and stage - start_stage >= 3
        if start is None or moved or risen:
            reset_used = reset_used or (risen and not moved)
            counted, start, start_stage = [], line.service_date, stage
        dwelling = line.dwelling
        counted.append(line)
    return Remainder(
        LedgerKind.HOUSING, HOUSING_CAP, sum(line.amount for line in counted), start, tuple(counted)
    )


def fiscal_year_start(on: dt.date) -> dt.date:
    return dt.date(on.year if on.month >= 4 else on.year - 1, 4, 1)


def equipment_remainder(person: InsuredPerson, on: dt.date) -> Remainder:
    """福祉用具購入: ¥100,000 per fiscal year (April to March) of the purchase date."""
    start = fiscal_year_start(on)
    counted = tuple(
        line
        for line in current_versions(LedgerLineVersion, person, on)
        if line.kind == LedgerKind.EQUIPMENT and start <= line.service_date <= on
    )
    return Remainder(
        LedgerKind.EQUIPMENT, EQUIPMENT_CAP, sum(line.amount for line in counted), start, counted
    )
