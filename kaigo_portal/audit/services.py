"""Writing and verifying the access log.

Rows are spread over KAIGO_AUDIT_CHAINS hash chains: each write locks the head of a chain no other
writer holds (`SKIP LOCKED`), so concurrent writers never queue behind one lock. Each row's hash covers its content and the
previous row's hash in its chain, so an edited, removed or re-ordered row breaks the chain.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import AccessLogEntry, ArchivedMonth, ChainHead

GENESIS = "0" * 64

# A row's hash links its content to the previous row of its chain:
#   hash = SHA-256("<prev_hash>:<chain>:<chain_seq>:<content hash>")
# where the content hash is SHA-256 over these fields, in order, as compact JSON. The link is simple enough
# for PostgreSQL to compute in the statement that takes the chain head, so a single read's row is one
# statement. Changing either formula breaks every existing chain.
CONTENT_FIELDS = (
    "at",
    "actor_user_id",
    "actor_name",
    "organisation_number",
    "organisation_name",
    "role",
    "api_key_prefix",
    "insurer_number",
    "insured_number",
    "category",
    "purpose",
    "method",
    "channel",
    "outcome",
    "reason",
    "request_id",
)


@dataclass(frozen=True)
class Access:
    """What is known about one read when it is logged."""

    actor_user_id: int | None
    actor_name: str
    organisation_number: str
    organisation_name: str
    role: str
    api_key_prefix: str
    insurer_number: str
    insured_number: str
    category: str
    purpose: str
    method: str
    channel: str
    outcome: str
    reason: str
    request_id: str


def content_hash(row: AccessLogEntry | Access, at: dt.datetime | None = None) -> str:
    values = []
    for name in CONTENT_FIELDS:
        value = at if name == "at" and at is not None else getattr(row, name)
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).isoformat(timespec="microseconds")
        values.append(value)
    payload = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def link_hash(prev_hash: str, chain: int, chain_seq: int, content: str) -> str:
    return hashlib.sha256(f"{prev_hash}:{chain}:{chain_seq}:{content}".encode()).hexdigest()


def row_hash(row: AccessLogEntry) -> str:
    return link_hash(row.prev_hash, row.chain, row.chain_seq, content_hash(row))


def _digits(value: str, length: int) -> bool:
    return len(value) == length and value.isascii() and value.isdigit()


_heads_created = False  # this process has made sure every chain head exists


def _create_heads() -> None:
    ChainHead.objects.bulk_create(
        [ChainHead(chain=c, last_hash=GENESIS) for c in range(settings.KAIGO_AUDIT_CHAINS)],
        ignore_conflicts=True,
    )


_FREE_HEAD = (
    "SELECT chain, seq, last_hash FROM audit_chainhead WHERE chain < %s "
    "ORDER BY (chain + %s) %% %s LIMIT 1 FOR UPDATE SKIP LOCKED"
)


def _ensure_heads() -> None:
    """Once per process: every chain's head exists (a flushed database is caught where a head is missing)."""
    global _heads_created
    if not _heads_created:
        _create_heads()
        _heads_created = True


def _free_head() -> ChainHead:
    """Locks the head of a chain no other writer holds, starting the search at a random chain.

    With `SKIP LOCKED` concurrent writers take different chains and never queue behind each other;
    only when every chain is busy does a writer wait, for a random one. A head this process made but
    that is gone (a flushed database) is made again.
    """
    chains = settings.KAIGO_AUDIT_CHAINS
    _ensure_heads()
    start = secrets.randbelow(chains)
    heads = ChainHead.objects.filter(chain__lt=chains)
    for attempt in range(2):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(_FREE_HEAD, [chains, chains - start, chains])
                row = cursor.fetchone()
            if row is not None:
                return ChainHead(chain=row[0], seq=row[1], last_hash=row[2])
        head = heads.select_for_update().filter(chain=start).first()
        if head is not None:
            return head
        if attempt == 0:
            _create_heads()
    raise RuntimeError("no access-log chain head")  # unreachable: the heads were just created


def _check_names(access: Access) -> None:
    # The person is named by 保険者番号 + 被保険者番号 only: a 12-digit My Number can never fit here.
    if not (_digits(access.insurer_number, 6) and _digits(access.insured_number, 10)):
        raise ValueError("an access-log row names a person by a 6-digit insurer and 10-digit insured number")


def record(accesses: Sequence[Access]) -> list[AccessLogEntry]:
    """Appends rows for the given reads, to one chain, and commits them at once.

    The block is durable: calling this inside another transaction raises, because a row that a later
    rollback could take away would break the promise that every read is logged.
    """
    if not accesses:
        return []
    for access in accesses:
        _check_names(access)
    now = timezone.now()
    if len(accesses) == 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        row = _append_alone(accesses[0], now)
        if row is not None:
            return [row]
    rows: list[AccessLogEntry] = []
    with transaction.atomic(durable=True):
        head = _free_head()
        for access in accesses:
            row = AccessLogEntry(
                at=now, chain=head.chain, chain_seq=head.seq + 1, prev_hash=head.last_hash, **vars(access)
            )
            row.hash = row_hash(row)
            head.seq, head.last_hash = row.chain_seq, row.hash
            rows.append(row)
        if connection.vendor == "postgresql":
            _append_in_one_statement(head, rows)
        else:
            AccessLogEntry.objects.bulk_create(rows)
            ChainHead.objects.filter(chain=head.chain).update(seq=head.seq, last_hash=head.last_hash)
    return rows


_COLUMNS = [f.column for f in AccessLogEntry._meta.concrete_fields if not f.primary_key]
# Column names come from the model; every value is a parameter.
_INSERT = (
    "WITH head AS (UPDATE audit_chainhead SET seq = %s, last_hash = %s WHERE chain = %s) "  # noqa: S608
    f"INSERT INTO audit_accesslogentry ({', '.join(_COLUMNS)}) VALUES {{values}} RETURNING id"
)


# One read's row in one autocommitted statement: take a free chain head (SKIP LOCKED), link the row to it
# (the hash computed by PostgreSQL with the formula of `link_hash`), move the head, insert the row, and,
# for a read the door has compiled, run the read after it. No BEGIN, no separate lock and no COMMIT round
# trip; the row is durable when the statement returns. It inserts nothing and returns no row when every
# head is busy or the heads are not made yet; the caller then takes the long way.
_ALONE_FIELDS = [f for f in AccessLogEntry._meta.concrete_fields if f.name in CONTENT_FIELDS]
_LOGGED = ("id", "chain", "chain_seq", "prev_hash", "hash")


@functools.cache
def _one_row_statement(read_sql: str | None) -> str:
    """The statement's columns: the row's id, chain, chain_seq, prev_hash and hash; then, with a read, 1 on
    each row the read found (NULL on the one row of an empty read) and the read's columns."""
    casts = ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in _ALONE_FIELDS)
    # Names come from the model and the door's compiled read; every value is a parameter.
    statement = (
        "WITH head AS ("  # noqa: S608  (names from the model; every value is a parameter)
        " SELECT chain, seq, last_hash FROM audit_chainhead WHERE chain < %s"
        " ORDER BY (chain + %s) %% %s LIMIT 1 FOR UPDATE SKIP LOCKED"
        "), link AS ("
        " SELECT chain, seq + 1 AS chain_seq, last_hash AS prev_hash, encode(sha256(convert_to("
        "  last_hash || ':' || chain::text || ':' || (seq + 1)::text || ':' || %s::text, 'UTF8')), 'hex') AS hash"
        " FROM head"
        "), moved AS ("
        " UPDATE audit_chainhead h SET seq = link.chain_seq, last_hash = link.hash FROM link"
        " WHERE h.chain = link.chain"
        "), logged AS ("
        f" INSERT INTO audit_accesslogentry ({', '.join(f.column for f in _ALONE_FIELDS)}, chain, chain_seq,"
        f" prev_hash, hash) SELECT {casts}, link.chain, link.chain_seq, link.prev_hash, link.hash FROM link"
        f" RETURNING {', '.join(_LOGGED)}"
        ") SELECT logged.*"
    )
    if read_sql is None:
        return f"{statement} FROM logged"
    # The door's compiled read; its values are parameters.
    return f"{statement}, r.* FROM logged LEFT JOIN (SELECT 1 AS found, x.* FROM ({read_sql}) x) r ON true"  # noqa: S608


def _alone_params(access: Access, now: dt.datetime) -> list:
    chains = settings.KAIGO_AUDIT_CHAINS
    values = {**vars(access), "at": now}
    params = [chains, chains - secrets.randbelow(chains), chains, content_hash(access, at=now)]
    return params + [values[f.name] for f in _ALONE_FIELDS]


def record_and_read(access: Access, read_sql: str, read_params: Sequence) -> list[tuple]:
    """Logs one granted read and runs it: on PostgreSQL outside a transaction, in the statement that writes
    the row, so that one round trip logs and reads (the row is durable when the rows come back; a failed
    write returns nothing). Elsewhere, or when every chain head is busy, `record` writes the row first and
    the read runs after it. Returns the read's rows."""
    _check_names(access)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        found = _run_alone(access, timezone.now(), read_sql, read_params)
        if found:
            skip = len(_LOGGED) + 1
            return [row[skip:] for row in found if row[skip - 1] is not None]
    record([access])
    with connection.cursor() as cursor:
        cursor.execute(read_sql, read_params)
        return cursor.fetchall()


def _run_alone(
    access: Access, now: dt.datetime, read_sql: str | None, read_params: Sequence = ()
) -> list[tuple]:
    _ensure_heads()
    with connection.cursor() as cursor:
        cursor.execute(_one_row_statement(read_sql), [*_alone_params(access, now), *read_params])
        return cursor.fetchall()


def _append_alone(access: Access, now: dt.datetime) -> AccessLogEntry | None:
    found = _run_alone(access, now, None)
    if not found:
        return None
    pk, chain, chain_seq, prev_hash, hash_ = found[0]
    row = AccessLogEntry(
        pk=pk, chain=chain, chain_seq=chain_seq, prev_hash=prev_hash, hash=hash_, **vars(access), at=now
    )
    row._state.adding = False
    row._state.db = connection.alias
    return row


def _append_in_one_statement(head: ChainHead, rows: list[AccessLogEntry]) -> None:
    """The rows and the moved head in one round trip (the hot path of every read)."""
    one = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    params: list = [head.seq, head.last_hash, head.chain]
    for row in rows:
        params += [getattr(row, column) for column in _COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT.format(values=", ".join([one] * len(rows))), params)
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row.pk = pk
            row._state.adding = False
            row._state.db = connection.alias


@dataclass(frozen=True)
class BrokenLink:
    chain: int
    chain_seq: int
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"chain {self.chain}, seq {self.chain_seq}"
        if self.entry_id is not None:
            where += f", id {self.entry_id}"
        return f"{where}: {self.problem}"


def archived_ends() -> dict[int, tuple[int, str]]:
    """Per chain, the last link (seq, hash) of its newest archived month: where the chain goes on in the
    database (the months before are in archive files, verified by `archive.verify_file`). One query."""
    ends: dict[int, tuple[int, str]] = {}
    for chains in ArchivedMonth.objects.order_by("month").values_list("chains", flat=True):
        for chain, span in chains.items():
            ends[int(chain)] = (span[2], span[3])  # a newer month overwrites an older one
    return ends


def verify_chain(
    chain: int, head: ChainHead | None, archived_end: tuple[int, str] | None = None
) -> tuple[int, BrokenLink | None]:
    """Walks one chain from its start, or from `archived_end` (`archived_ends()`); returns the rows checked
    and the first broken link, if any."""
    last_seq, expected_prev = archived_end or (0, GENESIS)
    expected_seq = last_seq + 1
    checked = 0
    rows_of_chain = AccessLogEntry.objects.filter(chain=chain, chain_seq__gte=expected_seq)
    if head is not None:
        # Rows appended after the head was read are not part of this check (the portal keeps logging).
        rows_of_chain = rows_of_chain.filter(chain_seq__lte=head.seq)
    rows: Iterable[AccessLogEntry] = rows_of_chain.order_by("chain_seq").iterator(chunk_size=5000)
    for row in rows:
        if row.chain_seq != expected_seq:
            return checked, BrokenLink(
                chain, expected_seq, None, f"row missing (next row found is {row.chain_seq})"
            )
        if row.prev_hash != expected_prev:
            return checked, BrokenLink(
                chain, row.chain_seq, row.id, "prev_hash does not match the previous row"
            )
        if row_hash(row) != row.hash:
            return checked, BrokenLink(
                chain, row.chain_seq, row.id, "content does not match its hash (edited)"
            )
        expected_prev, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    if head is not None and (head.seq != expected_seq - 1 or head.last_hash != expected_prev):
        return checked, BrokenLink(
            chain, expected_seq, None, f"rows after {expected_seq - 1} are missing (head is at {head.seq})"
        )
    return checked, None


def verify_all() -> tuple[int, list[BrokenLink]]:
    """Checks every chain; returns the rows checked and the first broken link of each broken chain."""
    # Heads first: every row up to a head existed when it was read, whatever is appended meanwhile.
    heads = {head.chain: head for head in ChainHead.objects.all()}
    chains = set(heads) | set(AccessLogEntry.objects.values_list("chain", flat=True).distinct())
    ends = archived_ends()
    total, broken = 0, []
    for chain in sorted(chains):
        checked, link = verify_chain(chain, heads.get(chain), ends.get(chain))
        total += checked
        if link is not None:
            broken.append(link)
    return total, broken
