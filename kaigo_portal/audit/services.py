"""Writing and verifying the access log.

Rows are spread over KAIGO_AUDIT_CHAINS hash chains by insurer, so that concurrent writers lock
different chain heads instead of queueing behind one. Each row's hash covers its content and the
previous row's hash in its chain, so an edited, removed or re-ordered row breaks the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import AccessLogEntry, ChainHead

GENESIS = "0" * 64

# The fields a row's hash covers, in order. Changing this list breaks every existing chain.
HASHED_FIELDS = (
    "chain", "chain_seq", "at", "actor_user_id", "actor_name", "organisation_number", "organisation_name",
    "role", "api_key_prefix", "insurer_number", "insured_number", "category", "purpose", "method",
    "channel", "outcome", "reason", "request_id", "prev_hash",
)  # fmt: skip


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


def chain_for(insurer_number: str) -> int:
    """The chain an insurer's rows go to: stable across processes (not Python's salted hash())."""
    digest = hashlib.sha256(insurer_number.encode()).digest()
    return int.from_bytes(digest[:4], "big") % settings.KAIGO_AUDIT_CHAINS


def row_hash(row: AccessLogEntry) -> str:
    values = []
    for name in HASHED_FIELDS:
        value = getattr(row, name)
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).isoformat(timespec="microseconds")
        values.append(value)
    payload = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _digits(value: str, length: int) -> bool:
    return len(value) == length and value.isascii() and value.isdigit()


_known_chains: set[int] = set()  # chains whose head row this process has seen: no upsert on the hot path


def _locked_heads(chains: set[int]) -> list[ChainHead]:
    """The heads of these chains, locked in chain order (so two writers never wait on each other in a
    cycle). A head is created the first time a chain is used; a head this process knew of but that is
    gone (a flushed database) is created again."""
    if not chains <= _known_chains:
        ChainHead.objects.bulk_create(
            [ChainHead(chain=c, last_hash=GENESIS) for c in chains], ignore_conflicts=True
        )
    heads = list(ChainHead.objects.select_for_update().filter(chain__in=chains).order_by("chain"))
    if len(heads) < len(chains):
        ChainHead.objects.bulk_create(
            [ChainHead(chain=c, last_hash=GENESIS) for c in chains], ignore_conflicts=True
        )
        heads = list(ChainHead.objects.select_for_update().filter(chain__in=chains).order_by("chain"))
    _known_chains.update(chains)
    return heads


def record(accesses: Sequence[Access]) -> list[AccessLogEntry]:
    """Appends rows for the given reads and commits them at once.

    The block is durable: calling this inside another transaction raises, because a row that a later
    rollback could take away would break the promise that every read is logged.
    """
    if not accesses:
        return []
    for access in accesses:
        # The person is named by 保険者番号 + 被保険者番号 only: a 12-digit My Number can never fit here.
        if not (_digits(access.insurer_number, 6) and _digits(access.insured_number, 10)):
            raise ValueError(
                "an access-log row names a person by a 6-digit insurer and 10-digit insured number"
            )
    by_chain: dict[int, list[Access]] = defaultdict(list)
    for access in accesses:
        by_chain[chain_for(access.insurer_number)].append(access)
    now = timezone.now()
    rows: list[AccessLogEntry] = []
    with transaction.atomic(durable=True):
        heads = _locked_heads(set(by_chain))
        for head in heads:
            for access in by_chain[head.chain]:
                row = AccessLogEntry(
                    at=now, chain=head.chain, chain_seq=head.seq + 1, prev_hash=head.last_hash, **vars(access)
                )
                row.hash = row_hash(row)
                head.seq, head.last_hash = row.chain_seq, row.hash
                rows.append(row)
        AccessLogEntry.objects.bulk_create(rows)
        ChainHead.objects.bulk_update(heads, ["seq", "last_hash"])
    return rows


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


def verify_chain(chain: int, head: ChainHead | None) -> tuple[int, BrokenLink | None]:
    """Walks one chain from its start; returns the rows checked and the first broken link, if any."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    rows_of_chain = AccessLogEntry.objects.filter(chain=chain)
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
    if head is not None and (head.seq != checked or head.last_hash != expected_prev):
        return checked, BrokenLink(
            chain, checked + 1, None, f"rows after {checked} are missing (head is at {head.seq})"
        )
    return checked, None


def verify_all() -> tuple[int, list[BrokenLink]]:
    """Checks every chain; returns the rows checked and the first broken link of each broken chain."""
    # Heads first: every row up to a head existed when it was read, whatever is appended meanwhile.
    heads = {head.chain: head for head in ChainHead.objects.all()}
    chains = set(heads) | set(AccessLogEntry.objects.values_list("chain", flat=True).distinct())
    total, broken = 0, []
    for chain in sorted(chains):
        checked, link = verify_chain(chain, heads.get(chain))
        total += checked
        if link is not None:
            broken.append(link)
    return total, broken
