"""Written-out statements for hot paths give what the ORM gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from consent.models_identity import IdentityChallenge
from kaigo_portal import fastsql
from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create

pytestmark = pytest.mark.django_db


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_insert_applies_defaults_and_reads_back_like_the_orm(orgs, django_assert_num_queries):
    key, _raw = api_key_create(organisation=orgs["kyotaku"], scope=ApiScope.DEVICE, name="agent", by=None)
    expires = timezone.now() + dt.timedelta(minutes=2)
    challenge = IdentityChallenge(nonce=b"\x00\x01" * 16, device=key, expires_at=expires)
    with django_assert_num_queries(1):
        fastsql.insert(challenge)
    assert challenge.pk is not None and challenge.created_at is not None  # default=timezone.now applied
    stored = IdentityChallenge.objects.get(pk=challenge.pk)
    assert bytes(stored.nonce) == b"\x00\x01" * 16 and stored.expires_at == expires
    row = fastsql.fetch_one(
        f"SELECT {fastsql.columns(IdentityChallenge)} FROM consent_identitychallenge WHERE id = %s",
        [challenge.pk],
    )
    read = fastsql.Reader.of(IdentityChallenge, range(len(IdentityChallenge._meta.concrete_fields))).read(row)
    expected = _fields(stored)
    got = _fields(read)
    assert bytes(got.pop("nonce")) == bytes(expected.pop("nonce"))
    assert got == expected


def test_execute_returns_the_rows_changed(orgs):
    key, _raw = api_key_create(organisation=orgs["kyotaku"], scope=ApiScope.DEVICE, name="agent", by=None)
    assert fastsql.execute("UPDATE accounts_apikey SET name = %s WHERE id = %s", ["renamed", key.pk]) == 1
    assert fastsql.execute("UPDATE accounts_apikey SET name = %s WHERE id = %s", ["x", -1]) == 0


def test_insert_after_an_update_in_the_same_statement_respects_a_partial_unique_index(orgs, cast):
    """Ending the open relationship and opening the new one: the end happens first (one round trip on
    PostgreSQL), so the partial unique index on open relationships is never violated."""
    from consent.models import Relationship
    from eligibility.tests import factories as ef

    person = ef.person(insurer=orgs["chiyoda"])
    now = timezone.now()

    def new():
        return Relationship(
            office=orgs["kyotaku"],
            person=person,
            method="mynumber_card",
            verified_at=now,
            anchor_on=now.date(),
        )

    end_open = (
        "UPDATE consent_relationship SET ended_at = %s, end_reason = 'replaced' "
        "WHERE office_id = %s AND person_id = %s AND ended_at IS NULL",
        [now, orgs["kyotaku"].pk, person.pk],
    )
    first = fastsql.insert(new(), before=[end_open])
    second = fastsql.insert(new(), before=[end_open])
    rows = {r.pk: r for r in Relationship.objects.filter(person=person)}
    assert set(rows) == {first.pk, second.pk}
    assert rows[first.pk].ended_at is not None and rows[first.pk].end_reason == "replaced"
    assert rows[second.pk].ended_at is None


def test_an_update_written_by_the_orm_runs_before_the_insert(orgs, cast):
    """update_sql gives the UPDATE that QuerySet.update would run, for insert's earlier statements."""
    from consent.models import Relationship
    from eligibility.tests import factories as ef

    person = ef.person(insurer=orgs["chiyoda"])
    now = timezone.now()

    def new():
        return Relationship(
            office=orgs["kyotaku"],
            person=person,
            method="mynumber_card",
            verified_at=now,
            anchor_on=now.date(),
        )

    def end_open():
        open_ones = Relationship.objects.filter(office=orgs["kyotaku"], person=person, ended_at__isnull=True)
        return fastsql.update_sql(open_ones, ended_at=now, end_reason="replaced")

    first = fastsql.insert(new(), before=[end_open()])
    second = fastsql.insert(new(), before=[end_open()])
    first.refresh_from_db()
    assert (first.ended_at, first.end_reason) == (now, "replaced")
    assert Relationship.objects.get(ended_at__isnull=True) == second
