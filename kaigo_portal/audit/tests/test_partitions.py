"""The access log partitioned by month (issue 17): the same append-only and chain rules as one table, the
months made ahead, and old months archived to files from which the chain still verifies."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from conftest import require_tool
from kaigo_portal.audit import archive, partitions
from kaigo_portal.audit.models import AccessLogEntry, ArchivedMonth
from kaigo_portal.audit.services import Access, record, verify_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
JST = dt.timezone(dt.timedelta(hours=9))


def read(number: str = "0000000001") -> Access:
    return Access(
        None,
        "ケアマネ 太郎",
        "1370100016",
        "ケアプランセンター神田",
        "care_manager",
        "",
        "131011",
        number,
        "eligibility",
        "care_management",
        "",
        "page",
        "granted",
        "relationship",
        "",
    )


def log_at(year: int, month: int, day: int, count: int = 3) -> None:
    with time_machine.travel(dt.datetime(year, month, day, 10, tzinfo=JST), tick=False):
        for n in range(count):
            record([read(f"{n + 1:010d}")])


def partition_of(entry_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM audit_accesslogentry WHERE id = %s", [entry_id])
        return cursor.fetchone()[0]


def test_rows_go_to_their_months_and_the_log_stays_append_only_and_chained():
    assert partitions.is_partitioned()
    partitions.ensure(today=dt.date(2025, 1, 15), ahead=1)
    log_at(2025, 1, 31, 2)
    log_at(2025, 2, 1, 2)
    first, last = AccessLogEntry.objects.order_by("id").first(), AccessLogEntry.objects.order_by("id").last()
    assert partition_of(first.id) == "audit_accesslogentry_y2025m01"
    assert partition_of(last.id) == "audit_accesslogentry_y2025m02"  # JST months: 2月1日 10:00 JST
    assert verify_all() == (4, [])
    for table in (
        "audit_accesslogentry",
        "audit_accesslogentry_y2025m01",
    ):  # the trigger is on every partition
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(f"UPDATE {table} SET actor_name = 'x'")
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(f"DELETE FROM {table}")
    # Edited behind the trigger's back (as the table's owner could): the chain across the months breaks.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_accesslogentry_y2025m02 DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE audit_accesslogentry SET insured_number = '0000000999' WHERE id = %s", [last.id]
        )
        cursor.execute("ALTER TABLE audit_accesslogentry_y2025m02 ENABLE TRIGGER USER")
    _checked, broken = verify_all()
    assert len(broken) == 1 and "edited" in str(broken[0])
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit_verify", month="2025-02", stdout=io.StringIO())


def test_the_months_ahead_are_made_and_a_stray_row_in_the_default_partition_is_reported(caplog):
    created = partitions.ensure(today=dt.date(2031, 5, 10), ahead=3)
    assert created == [f"audit_accesslogentry_y2031m{m:02d}" for m in (5, 6, 7, 8)]
    assert partitions.ensure(today=dt.date(2031, 5, 10), ahead=3) == []  # idempotent
    log_at(2035, 1, 1, 1)  # a month without its partition: kept, in the default one
    assert partition_of(AccessLogEntry.objects.get().id) == "audit_accesslogentry_default"
    partitions.ensure(today=dt.date(2031, 5, 10), ahead=0)
    assert "1 rows in the default partition" in caplog.text
    assert verify_all() == (1, [])


def test_an_old_month_is_archived_to_a_file_from_which_its_chain_verifies_and_the_rest_goes_on(
    tmp_path, settings
):
    for tool in ("pg_dump", "pg_restore"):
        require_tool(tool, hint="apt-get install postgresql-client")
    settings.KAIGO_ACCESS_LOG_ONLINE_MONTHS = 2
    partitions.ensure(today=dt.date(2025, 1, 1), ahead=4)
    log_at(2025, 1, 20, 5)
    log_at(2025, 2, 20, 4)
    log_at(2025, 5, 20, 3)
    due = archive.months_due(today=dt.date(2025, 5, 25))
    assert [p.month for p in due] == ["2025-01", "2025-02"]  # March and April are within the two months

    archived = [archive.archive_month(partition, tmp_path) for partition in due]
    assert [(a.month, a.rows) for a in archived] == [(dt.date(2025, 1, 1), 5), (dt.date(2025, 2, 1), 4)]
    names = {p.name for p in partitions.partitions()}
    assert "audit_accesslogentry_y2025m01" not in names and "audit_accesslogentry_y2025m05" in names
    assert AccessLogEntry.objects.count() == 3
    # The database's chains go on from the archived months' last links.
    assert verify_all() == (3, [])
    # Each file verifies row by row, by itself.
    for month in ("2025-01", "2025-02"):
        dump = tmp_path / f"access-log-{month}.dump"
        assert archive.verify_file(dump) == {"2025-01": 5, "2025-02": 4}[month]
        manifest = json.loads(dump.with_name(dump.name + ".json").read_text())
        assert manifest["sha256"] == (tmp_path / f"{dump.name}.sha256").read_text().split()[0]
    out = io.StringIO()
    settings.KAIGO_ACCESS_LOG_ARCHIVE_DIR = str(tmp_path)
    call_command("audit_verify", archives=True, stdout=out)
    assert (
        "access-log-2025-01.dump: 5 rows" in out.getvalue() and "OK: 3 rows in every chain" in out.getvalue()
    )

    # A changed archive file is found out.
    dump = tmp_path / "access-log-2025-02.dump"
    content = bytearray(dump.read_bytes())
    content[-20] ^= 1
    dump.write_bytes(bytes(content))
    with pytest.raises(archive.ArchiveError, match="checksum"):
        archive.verify_file(dump)
    # An archive is never written over.
    with pytest.raises(archive.ArchiveError, match="never written over"):
        archive.archive_month(partitions.Partition("x", dt.date(2025, 2, 1), dt.date(2025, 3, 1)), tmp_path)
    assert ArchivedMonth.objects.count() == 2
    # Never inside a transaction: pg_dump's own connection would not see its rows and would wait on its locks.
    with pytest.raises(archive.ArchiveError, match="outside a transaction"), transaction.atomic():
        archive.archive_month(partitions.partitions()[0], tmp_path / "again")
