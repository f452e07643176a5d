"""Prepared querysets: compiled once, bound per call, and giving exactly what the queryset gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count, Exists, F, OuterRef, Value
from django.utils import timezone

from kaigo_portal.accounts.models import ApiKey, ApiScope, Organisation
from kaigo_portal.accounts.services import api_key_create
from kaigo_portal.prepared import STATEMENT_CACHE_LENGTH, Prepared, bound

pytestmark = pytest.mark.django_db


def _keys(*, organisation_id: int, after: dt.datetime):
    return (
        ApiKey.objects.select_related("organisation")
        .filter(organisation_id=organisation_id, created_at__gt=after)
        .annotate(same_org_keys=Count("organisation__api_keys"))
        .order_by("pk")
    )


KEYS = Prepared(_keys)


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


@pytest.fixture
def keys(orgs):
    made = {}
    for org in ("kyotaku", "homon"):
        for n in range(2 if org == "kyotaku" else 1):
            key, _raw = api_key_create(organisation=orgs[org], scope=ApiScope.READ, name=f"k{n}", by=None)
            made.setdefault(org, []).append(key)
    return made


def test_a_bound_query_gives_what_the_queryset_gives_for_each_binding(orgs, keys, django_assert_num_queries):
    long_ago = timezone.now() - dt.timedelta(days=1)
    for org in ("kyotaku", "homon", "chiyoda"):
        expected = list(_keys(organisation_id=orgs[org].pk, after=long_ago))
        with django_assert_num_queries(1):
            got = KEYS.bind(organisation_id=orgs[org].pk, after=long_ago).run()
        assert [_fields(k) for k in got] == [_fields(k) for k in expected]
        assert [_fields(k.organisation) for k in got] == [_fields(k.organisation) for k in expected]
        assert [k.same_org_keys for k in got] == [k.same_org_keys for k in expected]
    later = timezone.now() + dt.timedelta(days=1)
    assert KEYS.bind(organisation_id=orgs["kyotaku"].pk, after=later).run() == []


def test_values_lists_and_flat_ones_come_back_converted(orgs, keys):
    on = timezone.localdate()
    pairs = Prepared(
        lambda pk, on: Organisation.objects.filter(pk=pk).values_list("insurer_number", Value(on))
    )
    assert pairs.bind(pk=orgs["chiyoda"].pk, on=on).run() == [("131011", on)]
    flat = Prepared(
        lambda pk: Organisation.objects.filter(pk=pk).values_list(
            Exists(ApiKey.objects.filter(organisation=OuterRef("pk"))), flat=True
        )
    )
    assert flat.bind(pk=orgs["kyotaku"].pk).run() == [True]
    assert flat.bind(pk=orgs["chiyoda"].pk).run() == [False]


def test_a_plain_queryset_binds_too():
    assert bound(Organisation.objects.filter(pk=-1)).run() == []


def test_a_value_computed_inside_build_is_refused(orgs):
    derived = Prepared(
        lambda today: Organisation.objects.filter(go_live_date__lte=today - dt.timedelta(days=1))
    )
    with pytest.raises(ValueError, match="computed from an argument"):
        derived.bind(today=timezone.localdate())


def test_values_that_would_change_the_statement_are_refused(orgs):
    by_number = Prepared(lambda number: Organisation.objects.filter(insurer_number__startswith=number))
    with pytest.raises(ValueError, match="rewritten"):
        by_number.bind(number="13")
    by_pk = Prepared(lambda pk: Organisation.objects.filter(pk=pk))
    for value in (None, True):
        with pytest.raises(TypeError):
            by_pk.bind(pk=value)


def test_an_argument_the_query_does_not_use_is_refused(orgs):
    unused = Prepared(lambda pk, name: Organisation.objects.filter(pk=pk))
    with pytest.raises(ValueError, match="name"):
        unused.bind(pk=1, name="x")


@pytest.mark.postgres
def test_psycopg_caches_the_parse_of_a_long_prepared_statement(orgs):
    """The read API's statement is about 9,000 characters: psycopg must keep its parse (see prepared.py)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("psycopg is PostgreSQL's driver")
    from psycopg import _queries

    # A statement longer than psycopg's 4,096 characters, with few parameters.
    columns = {f"copy_{n}": F("insurer_number") for n in range(200)}
    long = Prepared(lambda pk: Organisation.objects.filter(pk=pk).annotate(**columns))
    statement = long.bind(pk=orgs["chiyoda"].pk)
    assert 8_000 < len(statement.sql) < STATEMENT_CACHE_LENGTH
    before = _queries._query2pg.cache_info()
    for _ in range(3):
        assert [o.pk for o in long.bind(pk=orgs["chiyoda"].pk).run()] == [orgs["chiyoda"].pk]
    after = _queries._query2pg.cache_info()
    assert after.hits >= before.hits + 2
