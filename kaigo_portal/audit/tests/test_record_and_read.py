"""`record_and_read`: a granted read's log row and the read itself in one round trip (PostgreSQL outside a
transaction), or the row first and then the read (SQLite, or when every chain head is busy)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaigo_portal.audit.models import AccessLogEntry
from kaigo_portal.audit.services import record, record_and_read, verify_all
from kaigo_portal.audit.tests.test_access_log import access, head_held

pytestmark = pytest.mark.django_db(transaction=True)

# Portable: two rows with a parameter each, the first column an integer.
READ = "SELECT 1 AS n, %s AS label UNION ALL SELECT 2, %s"
EMPTY = "SELECT 1 AS n, %s AS label WHERE 1 = 0"


def logged(insured: str) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(insured_number=insured))


def test_the_rows_come_back_with_one_row_logged_and_the_chain_intact():
    record([access(insured="0000000001")])  # makes the heads
    with CaptureQueriesContext(connection) as queries:
        rows = record_and_read(access(insured="0000000002"), READ, ["a", "b"])
    assert sorted(rows) == [(1, "a"), (2, "b")]
    assert len(logged("0000000002")) == 1
    if connection.vendor == "postgresql":  # the row and the read in one statement, durable when it returns
        assert len(queries.captured_queries) == 1
        assert queries.captured_queries[0]["sql"].startswith("WITH head AS")
    for n in range(3, 12):
        record_and_read(access(insured=f"{n:010d}"), READ, ["c", "d"])
    assert verify_all() == (AccessLogEntry.objects.count(), [])


def test_a_read_that_finds_nothing_returns_no_rows_and_is_still_logged():
    record([access(insured="0000000001")])
    assert record_and_read(access(insured="0000000002"), EMPTY, ["x"]) == []
    assert len(logged("0000000002")) == 1
    assert verify_all()[1] == []


def test_with_every_head_busy_the_row_is_written_first_and_the_read_runs_after(settings):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite always takes the way this test forces")
    settings.KAIGO_AUDIT_CHAINS = 1
    record([access(insured="0000000001")])  # makes the one head
    # The long way waits for the head, then writes.
    with head_held(0, release_after=0.5), CaptureQueriesContext(connection) as queries:
        rows = record_and_read(access(insured="0000000002"), READ, ["a", "b"])
    assert sorted(rows) == [(1, "a"), (2, "b")]
    assert len(logged("0000000002")) == 1
    statements = [q["sql"] for q in queries.captured_queries]
    assert statements[0].startswith("WITH head AS")  # tried the one statement: no free head, nothing written
    assert statements[-1].startswith("SELECT 1 AS n")  # then the read on its own, after the row
    assert verify_all() == (AccessLogEntry.objects.count(), [])


def test_a_person_named_by_anything_but_the_numbers_is_refused_before_any_read():
    with pytest.raises(ValueError), CaptureQueriesContext(connection) as queries:
        record_and_read(access(insured="123456789012"), READ, ["a", "b"])
    assert queries.captured_queries == []
