"""Old months of the access log: verified, dumped to a file with its hash, then detached and dropped.

A month is archived when it is older than `KAIGO_ACCESS_LOG_ONLINE_MONTHS`, oldest first, by the
monthly beat task or `manage.py audit_archive`. For each month:

1. its chains are verified, and their first links are tied to the end of the previous month (in the
   database or in the previous archive);
2. `pg_dump --format=custom` writes the partition to `KAIGO_ACCESS_LOG_ARCHIVE_DIR`
   (`access-log-2024-01.dump`), with `.sha256` and a `.json` manifest of the chains' boundaries;
3. the file is read back (`verify_file`): every row's hash is recomputed from the file, and the chains
   must run from the manifest's first link to its last;
4. an `ArchivedMonth` row keeps the boundaries, so the chains in the database go on verifying from them;
5. only then is the partition detached and dropped. Nothing is deleted without an archive that verified.

The archive files are kept `KAIGO_ACCESS_LOG_KEEP_YEARS` (docs/operations.md); deleting them after that is
the operator's act, outside the portal.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kaigo_portal.operations.backups import file_sha256, pg_environment

from . import partitions
from .models import AccessLogEntry, ArchivedMonth
from .services import CONTENT_FIELDS, GENESIS, archived_ends, row_hash

_FIELDS = ["id", "at", "chain", "chain_seq", *[f for f in CONTENT_FIELDS if f != "at"], "prev_hash", "hash"]


class ArchiveError(Exception):
    """A month that cannot be archived, or an archive that does not verify; the month stays in place."""


@dataclass(frozen=True)
class Span:
    first_seq: int
    first_prev: str
    last_seq: int
    last_hash: str
    rows: int

    def as_list(self) -> list:
        return [self.first_seq, self.first_prev, self.last_seq, self.last_hash, self.rows]


def _predecessor(chain: int, seq: int, ends: dict[int, tuple[int, str]]) -> str | None:
    """The hash of link `seq` of the chain, from the database or the archived months' ends (`ends`, as
    `services.archived_ends` gives them); GENESIS before 1."""
    if seq == 0:
        return GENESIS
    row = AccessLogEntry.objects.filter(chain=chain, chain_seq=seq).values_list("hash", flat=True).first()
    if row is not None:
        return row
    end = ends.get(chain)
    return end[1] if end and end[0] == seq else None


def _walk(rows, *, what: str) -> dict[int, Span]:
    """Checks rows (ordered by chain, chain_seq) link to link; returns each chain's span."""
    spans: dict[int, Span] = {}
    current: dict[int, list] = {}
    for row in rows:
        if row_hash(row) != row.hash:
            raise ArchiveError(
                f"{what}: chain {row.chain}, seq {row.chain_seq}: content does not match its hash"
            )
        state = current.get(row.chain)
        if state is None:
            current[row.chain] = [row.chain_seq, row.prev_hash, row.chain_seq, row.hash, 1]
            continue
        if row.chain_seq != state[2] + 1 or row.prev_hash != state[3]:
            raise ArchiveError(f"{what}: chain {row.chain} breaks at seq {row.chain_seq}")
        state[2], state[3], state[4] = row.chain_seq, row.hash, state[4] + 1
    for chain, state in current.items():
        spans[chain] = Span(*state)
    return spans


def _month_rows(partition: partitions.Partition):
    """The month's rows by chain and link, through the parent table (PostgreSQL prunes to the partition)."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(partition.start, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(partition.end, dt.time(0), tzinfo=zone)
    return (
        AccessLogEntry.objects.filter(at__gte=start, at__lt=end)
        .order_by("chain", "chain_seq")
        .iterator(chunk_size=5000)
    )


def months_due(today: dt.date | None = None) -> list[partitions.Partition]:
    """The attached months older than the online period, oldest first."""
    today = today or timezone.localdate()
    cutoff = partitions.month_start(today)
    for _ in range(settings.KAIGO_ACCESS_LOG_ONLINE_MONTHS):
        cutoff = (cutoff - dt.timedelta(days=1)).replace(day=1)
    return [partition for partition in partitions.partitions() if partition.end <= cutoff]


def archive_month(partition: partitions.Partition, folder: Path) -> ArchivedMonth:
    if connection.in_atomic_block:
        # pg_dump reads from a connection of its own: it would not see this transaction's rows, and it
        # would wait for this transaction's locks while this one waits for it.
        raise ArchiveError("archiving runs outside a transaction (the beat task, or manage.py audit_archive)")
    folder.mkdir(parents=True, exist_ok=True)
    spans = _verified_spans(partition)
    dump = folder / f"access-log-{partition.month}.dump"
    if dump.exists():
        raise ArchiveError(f"{dump} exists: an archive is never written over")
    tool = shutil.which("pg_dump")
    if tool is None:
        raise ArchiveError("pg_dump is not installed (apt-get install postgresql-client)")
    settings_dict = connection.settings_dict
    completed = subprocess.run(  # noqa: S603  (a fixed program; a table name made here)
        [
            tool,
            "--format=custom",
            "--no-password",
            f"--table={partition.name}",
            f"--file={dump}",
            settings_dict["NAME"],
        ],
        env=pg_environment(settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        dump.unlink(missing_ok=True)
        raise ArchiveError(f"pg_dump failed: {completed.stderr.strip()}")
    sha256 = file_sha256(dump)
    rows = sum(span.rows for span in spans.values())
    manifest = {
        "month": partition.month,
        "table": partition.name,
        "rows": rows,
        "sha256": sha256,
        "chains": {str(chain): span.as_list() for chain, span in sorted(spans.items())},
    }
    dump.with_name(dump.name + ".sha256").write_text(f"{sha256}  {dump.name}\n")
    dump.with_name(dump.name + ".json").write_text(json.dumps(manifest, indent=2) + "\n")
    verify_file(dump)  # read back before anything is dropped
    with transaction.atomic():
        archived = ArchivedMonth.objects.create(
            month=partition.start, file_name=dump.name, sha256=sha256, rows=rows, chains=manifest["chains"]
        )
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE {partitions.TABLE} DETACH PARTITION "{partition.name}"')
            cursor.execute(f'DROP TABLE "{partition.name}"')
    return archived


def _verified_spans(partition: partitions.Partition) -> dict[int, Span]:
    """Every row's hash, the links within the month, and each chain's first link against the month before
    (in the database or an archive)."""
    spans = _walk(_month_rows(partition), what=partition.month)
    ends = archived_ends()
    for chain, span in spans.items():
        if _predecessor(chain, span.first_seq - 1, ends) != span.first_prev:
            raise ArchiveError(f"{partition.month}: chain {chain} does not follow on from the month before")
    return spans


def verify_month(month: dt.date) -> int:
    """Verifies one month's partition (`_verified_spans`); returns its rows, or raises ArchiveError."""
    partition = partitions.Partition(partitions.name_of(month), month, partitions.next_month(month))
    return sum(span.rows for span in _verified_spans(partition).values())


def archive_due(folder: Path | None = None, today: dt.date | None = None) -> list[ArchivedMonth]:
    folder = folder or Path(settings.KAIGO_ACCESS_LOG_ARCHIVE_DIR)
    if not partitions.is_partitioned():
        return []
    return [archive_month(partition, folder) for partition in months_due(today)]


def _copy_rows(dump: Path):
    """The rows of the dump's COPY block, as unsaved AccessLogEntry objects (read by pg_restore)."""
    tool = shutil.which("pg_restore")
    if tool is None:
        raise ArchiveError("pg_restore is not installed (apt-get install postgresql-client)")
    process = subprocess.Popen(  # noqa: S603
        [tool, "--data-only", "--file=-", str(dump)], stdout=subprocess.PIPE, text=True
    )
    columns: list[str] | None = None
    for line in process.stdout:
        line = line.rstrip("\n")
        if columns is None:
            if line.startswith("COPY ") and line.endswith("FROM stdin;"):
                columns = [c.strip() for c in line[line.index("(") + 1 : line.rindex(")")].split(",")]
            continue
        if line == "\\.":
            break
        values = dict(zip(columns, (_unescape(cell) for cell in line.split("\t")), strict=True))
        yield _entry(values)
    process.stdout.close()
    if process.wait() != 0:
        raise ArchiveError(f"pg_restore could not read {dump.name}")


def _unescape(cell: str) -> str | None:
    if cell == "\\N":
        return None
    out, i = [], 0
    while i < len(cell):
        ch = cell[i]
        if ch == "\\" and i + 1 < len(cell):
            nxt = cell[i + 1]
            out.append(
                {"t": "\t", "n": "\n", "r": "\r", "\\": "\\", "b": "\b", "f": "\f", "v": "\v"}.get(nxt, nxt)
            )
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _entry(values: dict) -> AccessLogEntry:
    fields = {name: values.get(name) for name in _FIELDS}
    for name in ("id", "chain", "chain_seq"):
        fields[name] = int(fields[name])
    if fields["actor_user_id"] is not None:
        fields["actor_user_id"] = int(fields["actor_user_id"])
    fields["at"] = dt.datetime.fromisoformat(fields["at"])
    return AccessLogEntry(**fields)


def verify_file(dump: Path) -> int:
    """Verifies an archive file against its checksum and manifest: every row's hash is recomputed from
    the file, and each chain must run from the manifest's first link to its last. Returns the rows."""
    manifest = json.loads(dump.with_name(dump.name + ".json").read_text())
    if file_sha256(dump) != manifest["sha256"]:
        raise ArchiveError(f"{dump.name}: the checksum does not match (the file changed)")
    grouped: dict[int, list[AccessLogEntry]] = defaultdict(list)
    for entry in _copy_rows(dump):
        grouped[entry.chain].append(entry)
    ordered = [row for chain in sorted(grouped) for row in sorted(grouped[chain], key=lambda r: r.chain_seq)]
    spans = _walk(ordered, what=dump.name)
    if {str(chain): span.as_list() for chain, span in spans.items()} != manifest["chains"]:
        raise ArchiveError(f"{dump.name}: the chains in the file differ from its manifest")
    return sum(span.rows for span in spans.values())
