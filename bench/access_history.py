"""The access log at a large city's scale (issue 17): BENCH_ACCESS_LOG_ROWS rows (default 20,000,000) over
24 monthly partitions, about two years of one large city, then:

- `bench access_history_20m_ms`: the person's own access-history page (/me/<pk>/access-log/, the last 12
  months of others' reads and their own, one page), median of 50, goal ≤ 100 ms;
- `bench audit_verify_month_s`: `audit_verify --month` of one month (every row's hash recomputed, its
  links, and each chain tied to the month before).

The rows are real log rows with real hash chains (16 chains), written in time order as the portal would,
by COPY. 200,000 persons are read about 100 times each over the two years; 300 offices read them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import random
import statistics
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import connection
from django.utils import timezone

MONTHS = 24
PERSONS = 200_000
OFFICES = 300
RUNS = 50
CATEGORIES = ["eligibility", "certification_progress", "careplan", "survey", "opinion", "life"]
INSURER = "271004"  # 大阪市
BATCH = 200_000


def _generate(rows: int, start: dt.datetime, end: dt.datetime) -> dict[int, tuple[int, str]]:
    """COPYs `rows` hash-chained rows, in time order between start and end; returns each chain's head.

    Each row's content hash is `audit.services.content_hash` over the same values, written out as the
    compact JSON it hashes (every value here is plain ASCII or kana, so the text is the same); a sample is
    checked against the portal's own function before the load."""
    from kaigo_portal.audit.models import AccessLogEntry
    from kaigo_portal.audit.services import GENESIS, content_hash, link_hash

    chains = settings.KAIGO_AUDIT_CHAINS
    heads = {chain: (0, GENESIS) for chain in range(1, chains + 1)}
    rng = random.Random(17)  # noqa: S311  (made-up data)
    step_us = max(1, int((end - start) / dt.timedelta(microseconds=1) / rows))
    start_utc = start.astimezone(dt.UTC)
    sha256 = hashlib.sha256
    offices = [(f"27{n:08d}", f"事業所{n}") for n in range(OFFICES)]
    columns = [
        "at",
        "chain",
        "chain_seq",
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
        "prev_hash",
        "hash",
    ]
    assert set(columns) == {f.column for f in AccessLogEntry._meta.concrete_fields if f.column != "id"}
    copy_sql = f"COPY audit_accesslogentry ({', '.join(columns)}) FROM STDIN"
    lines: list[str] = []
    checked = False
    with connection.cursor() as cursor:
        for index in range(rows):
            at = (start_utc + dt.timedelta(microseconds=step_us * index)).isoformat(timespec="microseconds")
            chain = index % chains + 1
            seq, prev = heads[chain]
            seq += 1
            office_number, office_name = offices[int(rng.random() * OFFICES)]
            insured = f"{1 + int(rng.random() * PERSONS):010d}"
            category = CATEGORIES[int(rng.random() * len(CATEGORIES))]
            user_id = 1000 + int(rng.random() * 3000)
            request_id = f"r{index:x}"
            content = sha256(
                f'["{at}",{user_id},"ケアマネ 太郎","{office_number}","{office_name}","care_manager","",'
                f'"{INSURER}","{insured}","{category}","care_management","","page","granted","relationship",'
                f'"{request_id}"]'.encode()
            ).hexdigest()
            row_hash = link_hash(prev, chain, seq, content)
            if not checked:  # the portal's own hash of the same row
                entry = AccessLogEntry(
                    at=dt.datetime.fromisoformat(at),
                    actor_user_id=user_id,
                    actor_name="ケアマネ 太郎",
                    organisation_number=office_number,
                    organisation_name=office_name,
                    role="care_manager",
                    api_key_prefix="",
                    insurer_number=INSURER,
                    insured_number=insured,
                    category=category,
                    purpose="care_management",
                    method="",
                    channel="page",
                    outcome="granted",
                    reason="relationship",
                    request_id=request_id,
                )
                assert content_hash(entry) == content, "the bench's rows must hash as the portal's"
                checked = True
            heads[chain] = (seq, row_hash)
            lines.append(
                f"{at}\t{chain}\t{seq}\t{user_id}\tケアマネ 太郎\t{office_number}\t{office_name}\tcare_manager\t\t"
                f"{INSURER}\t{insured}\t{category}\tcare_management\t\tpage\tgranted\trelationship\t"
                f"{request_id}\t{prev}\t{row_hash}\n"
            )
            if len(lines) == BATCH or index + 1 == rows:
                with cursor.copy(copy_sql) as copy:
                    copy.write("".join(lines))
                lines = []
    return heads


@contextlib.contextmanager
def _indexes_built_after():
    """The log's keys and indexes dropped for the bulk load and built again after it, as one builds them
    after any bulk load (sorted builds instead of 20 million inserts into four B-trees). The definitions are
    read from the database, so they come back exactly as the migration made them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'audit_accesslogentry'::regclass AND contype IN ('p', 'u')"
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_accesslogentry' "
            "AND indexname <> ALL(%s)",
            [[name for name, _ in constraints]],
        )
        indexes = cursor.fetchall()
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE audit_accesslogentry DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        _build(constraints, indexes)


def _build(constraints: list, indexes: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE audit_accesslogentry ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            cursor.execute(definition.replace(" ON ONLY ", " ON "))


def _person_and_reader():
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from consent.models import PersonAccount
    from eligibility.models import InsuredPerson
    from kaigo_portal.accounts.models import Organisation, OrganisationKind, User, UserKind

    insurer, _ = Organisation.objects.get_or_create(
        kind=OrganisationKind.INSURER, insurer_number=INSURER, defaults={"name": "大阪市", "prefecture": "27"}
    )
    person = InsuredPerson.objects.create(
        insurer=insurer,
        insured_number=f"{PERSONS // 2:010d}",
        name="履歴 花子",
        name_kana="リレキ　ハナコ",
        birth_date=dt.date(1942, 4, 1),
    )
    user = User.objects.create_user(
        email="person@bench.example.jp", password=None, name="履歴 花子", kind=UserKind.PERSON
    )
    PersonAccount.objects.create(user=user, person=person)
    TOTP.activate(user, generate_totp_secret())
    return person, user


def run() -> Iterator[str]:
    from django.test import Client

    from kaigo_portal.audit import archive, partitions
    from kaigo_portal.audit.models import AccessLogEntry, ChainHead

    if not partitions.is_partitioned():
        yield "bench access_history_20m_ms: n/a (needs PostgreSQL; set DATABASE_URL)"
        return
    rows = int(os.environ.get("BENCH_ACCESS_LOG_ROWS", "20000000"))
    this_month = partitions.month_start(timezone.localdate())
    first = this_month
    for _ in range(MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    month = first
    while month <= this_month:
        partitions.ensure(today=month, ahead=0)
        month = partitions.next_month(month)
    zone = timezone.get_current_timezone()
    start_at = dt.datetime.combine(first, dt.time(0), tzinfo=zone)
    end_at = timezone.now() - dt.timedelta(minutes=1)

    begin = time.perf_counter()
    with _indexes_built_after():
        heads = _generate(rows, start_at, end_at)
    for chain, (seq, last_hash) in heads.items():
        ChainHead.objects.update_or_create(chain=chain, defaults={"seq": seq, "last_hash": last_hash})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_accesslogentry")
    loaded = time.perf_counter() - begin
    held = len([p for p in partitions.partitions() if first <= p.start <= this_month])
    yield f"bench access_log_rows: {rows} in {held} monthly partitions (made and loaded in {loaded:.0f} s)"

    person, user = _person_and_reader()
    mine = AccessLogEntry.objects.filter(insurer_number=INSURER, insured_number=person.insured_number).count()
    client = Client()
    client.force_login(user)
    url = f"/me/{person.pk}/access-log/"
    for _ in range(3):  # warm up: connections, templates, plans
        client.get(url)
    times = []
    for _ in range(RUNS):
        begin = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - begin) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"the access-history page answered {response.status_code}")
    yield (
        f"bench access_history_20m_ms: {statistics.median(times):.1f} (median of {RUNS}; p90 "
        f"{statistics.quantiles(times, n=10)[8]:.1f} ms; the person has {mine} rows among {rows}; goal ≤ 100)"
    )

    middle = first
    for _ in range(MONTHS // 2):
        middle = partitions.next_month(middle)
    begin = time.perf_counter()
    checked = archive.verify_month(middle)
    yield (
        f"bench audit_verify_month_s: {time.perf_counter() - begin:.1f} "
        f"({checked} rows of {middle:%Y-%m}, every hash recomputed and tied to the month before)"
    )
