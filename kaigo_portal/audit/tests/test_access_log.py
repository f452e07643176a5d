"""The access log: append-only on both databases, hash-chained, verified by `audit_verify`."""

from __future__ import annotations

import contextlib
import io
import itertools
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from kaigo_portal.access import Actor, PersonRef, Purpose, authorize
from kaigo_portal.audit.models import AccessLogEntry, AppendOnlyError, Category, ChainHead
from kaigo_portal.audit.services import Access, content_hash, record, verify_all

pytestmark = pytest.mark.django_db

INSURERS = ["131011", "082024", "011007", "271007", "141003", "231002", "401005", "011114"]


def access(insurer="131011", insured="0000000001", **overrides) -> Access:
    values = dict(
        actor_user_id=1,
        actor_name="千代田 花子",
        organisation_number=insurer,
        organisation_name="千代田区",
        role="municipal_staff",
        api_key_prefix="",
        insurer_number=insurer,
        insured_number=insured,
        category="eligibility",
        purpose="insurer_administration",
        method="insurer",
        channel="page",
        outcome="granted",
        reason="own_insurer",
        request_id="req-00000001",
    )
    values.update(overrides)
    return Access(**values)


@contextlib.contextmanager
def head_held(chain: int, *, release_after: float | None = None):
    """Another connection holds the chain's head (SELECT … FOR UPDATE) until the block ends, or for
    `release_after` seconds when given."""
    held, release = threading.Event(), threading.Event()

    def holder():
        with transaction.atomic():
            ChainHead.objects.select_for_update().get(chain=chain)
            held.set()
            release.wait(10)
        connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        if release_after is not None:
            threading.Timer(release_after, release.set).start()
        yield
    finally:
        release.set()
        thread.join()


def fill(rows_per_insurer=3) -> list[AccessLogEntry]:
    rows = []
    for n in range(rows_per_insurer):
        rows += record([access(insurer, f"{n:010d}") for insurer in INSURERS])
    return rows


def verify_command() -> tuple[bool, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except CommandError as error:  # manage.py turns this into exit code 1
        return False, err.getvalue() + str(error)
    return True, out.getvalue()


def edit_row_behind_the_triggers_back(row_id: int, sql_set: str) -> None:
    """What an attacker with table-owner rights could do: the trigger is disabled for the edit."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE audit_accesslogentry DISABLE TRIGGER audit_accesslogentry_append_only"
            )
        cursor.execute(f"UPDATE audit_accesslogentry SET {sql_set} WHERE id = %s", [row_id])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_accesslogentry ENABLE TRIGGER audit_accesslogentry_append_only")


def delete_row_behind_the_triggers_back(row_id: int) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE audit_accesslogentry DISABLE TRIGGER audit_accesslogentry_append_only"
            )
        cursor.execute("DELETE FROM audit_accesslogentry WHERE id = %s", [row_id])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_accesslogentry ENABLE TRIGGER audit_accesslogentry_append_only")


def test_rows_are_chained_over_several_chains_and_verify(settings):
    rows = fill()
    # Each block takes a random chain: three blocks share one chain in 1 run of 256, twenty in 16**19.
    for _more in range(17):
        if len({row.chain for row in rows}) > 1:
            break
        rows += fill(rows_per_insurer=1)
    chains = {row.chain for row in rows}
    assert len(chains) > 1  # writes spread over several chains
    for chain in chains:
        in_chain = sorted((r for r in rows if r.chain == chain), key=lambda r: r.chain_seq)
        assert [r.chain_seq for r in in_chain] == list(range(1, len(in_chain) + 1))
        assert in_chain[0].prev_hash == "0" * 64
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(in_chain))
    assert ChainHead.objects.count() == settings.KAIGO_AUDIT_CHAINS
    assert verify_all() == (len(rows), [])
    ok, output = verify_command()
    assert ok and f"OK: {len(rows)} rows" in output


def test_one_call_writes_one_chain_in_order():
    rows = record([access(insurer, "0000000001") for insurer in INSURERS])
    assert len({row.chain for row in rows}) == 1
    assert [row.chain_seq for row in rows] == list(range(rows[0].chain_seq, rows[0].chain_seq + len(rows)))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert [row.pk for row in rows] == list(
        AccessLogEntry.objects.filter(pk__in=[r.pk for r in rows])
        .order_by("chain_seq")
        .values_list("pk", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_a_writer_skips_a_chain_another_writer_holds(settings):
    """Concurrent writers take different chains (SKIP LOCKED) instead of queueing behind one lock."""
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SKIP LOCKED is a PostgreSQL feature; SQLite has one writer at a time anyway")
    settings.KAIGO_AUDIT_CHAINS = 2
    record([access()])  # creates both heads
    written = []
    with head_held(0):
        for _ in range(5):  # whatever chain each write would start from, none waits for chain 0
            written += record([access()])
    assert {row.chain for row in written} == {1}
    assert verify_all()[1] == []


def test_rows_logged_while_verifying_are_not_reported_as_missing():
    from kaigo_portal.audit.services import verify_chain

    rows = fill(1)
    chain = rows[0].chain
    head = ChainHead.objects.get(chain=chain)
    record([access(INSURERS[0], "0000000099")])  # appended after the head was read
    assert verify_chain(chain, head)[1] is None


def test_rows_are_time_ordered_by_id_and_time():
    fill()
    rows = list(AccessLogEntry.objects.order_by("id"))
    assert [r.at for r in rows] == sorted(r.at for r in rows)


@pytest.mark.sqlite
def test_model_layer_refuses_update_and_delete():
    row = record([access()])[0]
    row = AccessLogEntry.objects.get(pk=row.pk)
    row.purpose = "changed"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=row.pk).update(purpose="changed")
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.all().delete()
    assert AccessLogEntry.objects.get(pk=row.pk).purpose == "insurer_administration"


@pytest.mark.postgres
def test_postgres_trigger_refuses_update_and_delete():
    row = record([access()])[0]
    for sql in (
        "UPDATE audit_accesslogentry SET purpose = 'x' WHERE id = %s",
        "DELETE FROM audit_accesslogentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [row.pk])
    assert AccessLogEntry.objects.filter(pk=row.pk, purpose="insurer_administration").exists()


@pytest.mark.sqlite
@pytest.mark.parametrize("victim_index", range(len(INSURERS)))
def test_audit_verify_catches_an_edited_row_in_any_chain(victim_index):
    rows = fill()
    victim = [r for r in rows if r.insurer_number == INSURERS[victim_index]][1]
    edit_row_behind_the_triggers_back(victim.pk, "actor_name = 'someone else'")
    _checked, broken = verify_all()
    assert [(b.chain, b.chain_seq, b.entry_id) for b in broken] == [
        (victim.chain, victim.chain_seq, victim.pk)
    ]
    assert "edited" in broken[0].problem
    ok, output = verify_command()
    assert not ok
    assert f"chain {victim.chain}, seq {victim.chain_seq}, id {victim.pk}" in output


@pytest.mark.sqlite
def test_audit_verify_catches_an_edit_that_recomputes_the_rows_own_hash():
    rows = fill()
    victim = rows[0]
    forged = AccessLogEntry.objects.get(pk=victim.pk)
    forged.actor_name = "someone else"
    from kaigo_portal.audit.services import row_hash

    edit_row_behind_the_triggers_back(victim.pk, f"actor_name = 'someone else', hash = '{row_hash(forged)}'")
    _checked, broken = verify_all()
    # The row now matches its own hash, but the next row's prev_hash no longer matches it.
    assert len(broken) == 1 and broken[0].chain == victim.chain
    assert broken[0].chain_seq == victim.chain_seq + 1 and "prev_hash" in broken[0].problem


@pytest.mark.sqlite
def test_audit_verify_catches_a_removed_row_and_a_cut_tail():
    rows = fill()
    for _ in range(20):  # each block takes a random chain, and 1 fill in 256 puts all three in one
        if len({row.chain for row in rows}) > 1:
            break
        rows += fill(1)
    chain_rows = sorted((r for r in rows if r.chain == rows[0].chain), key=lambda r: r.chain_seq)
    delete_row_behind_the_triggers_back(chain_rows[1].pk)
    _checked, broken = verify_all()
    assert broken[0].chain == rows[0].chain and "missing" in broken[0].problem

    other_chain = next(r.chain for r in rows if r.chain != rows[0].chain)
    tail = max((r for r in rows if r.chain == other_chain), key=lambda r: r.chain_seq)
    delete_row_behind_the_triggers_back(tail.pk)
    _checked, broken = verify_all()
    assert {b.chain for b in broken} == {rows[0].chain, other_chain}


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_the_test_flush_still_works():
    fill(1)
    assert AccessLogEntry.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not AccessLogEntry.objects.exists()
    assert not ChainHead.objects.exists()
    assert record([access()])[0].chain_seq == 1  # a fresh chain starts again after the flush


@pytest.mark.parametrize("insured", ["123456789012", "12345", "０００００００００１"])
def test_a_row_cannot_name_a_person_by_anything_but_the_insured_number(insured):
    with pytest.raises(ValueError, match="10-digit"):
        record([access(insured=insured)])
    assert not AccessLogEntry.objects.exists()


def test_no_column_can_hold_a_secret():
    columns = {field.name for field in AccessLogEntry._meta.get_fields()}
    assert not {
        c for c in columns if any(word in c for word in ("password", "pin", "cert", "my_number", "mynumber"))
    }


def test_logging_happens_outside_any_transaction(orgs, cast):
    actor = Actor(user=cast["alice"], organisation=orgs["chiyoda"], role="municipal_staff")
    with pytest.raises(RuntimeError), transaction.atomic():
        authorize(
            actor,
            PersonRef(orgs["chiyoda"], "0000000001"),
            Category.ELIGIBILITY,
            Purpose.INSURER_ADMINISTRATION,
        )


@pytest.mark.sqlite
def test_the_nightly_task_reports_broken_chains(caplog):
    from kaigo_portal.audit.tasks import verify_chains

    rows = fill(2)
    assert verify_chains() == 0
    edit_row_behind_the_triggers_back(rows[3].pk, "purpose = 'rewritten'")
    with caplog.at_level("ERROR"):
        assert verify_chains() == 1
    assert f"chain {rows[3].chain}" in caplog.text and "edited" in caplog.text


def test_a_write_costs_one_lock_and_one_append_once_the_heads_exist():
    from django.test.utils import CaptureQueriesContext

    record([access()])
    with CaptureQueriesContext(connection) as queries:
        record([access(insured="0000000002"), access(insured="0000000003")])
    statements = [q["sql"] for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    assert not any('INSERT INTO "audit_chainhead"' in sql for sql in statements)  # no upsert of a head
    expected = 2 if connection.vendor == "postgresql" else 3  # PostgreSQL: rows and head in one statement
    assert (
        len([sql for sql in statements if not sql.startswith("SAVEPOINT") and not sql.startswith("RELEASE")])
        == expected
    )
    assert verify_all()[1] == []


@pytest.mark.django_db(transaction=True)
def test_a_single_read_outside_a_transaction_is_one_statement_that_links_like_python():
    """PostgreSQL links the row itself (same formula as link_hash): one round trip, durable when it returns."""
    from django.test.utils import CaptureQueriesContext

    from kaigo_portal.audit.services import link_hash

    if connection.vendor != "postgresql":
        pytest.skip("the one-statement append is PostgreSQL's; SQLite takes the transaction path")
    record([access(insured="0000000001")])  # makes the heads
    with CaptureQueriesContext(connection) as queries:
        row = record([access(insured="0000000002")])[0]
    assert len(queries.captured_queries) == 1 and queries.captured_queries[0]["sql"].startswith(
        "WITH head AS"
    )
    stored = AccessLogEntry.objects.get(pk=row.pk)
    assert (stored.chain, stored.chain_seq, stored.hash) == (row.chain, row.chain_seq, row.hash)
    assert stored.hash == link_hash(stored.prev_hash, stored.chain, stored.chain_seq, content_hash(stored))
    assert ChainHead.objects.get(chain=row.chain).last_hash == row.hash
    record([access(insured=f"{n:010d}") for n in range(3, 6)])  # a list, chained in Python after it
    for n in range(6, 30):
        record([access(insured=f"{n:010d}")])
    assert verify_all() == (AccessLogEntry.objects.count(), [])
