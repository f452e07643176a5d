"""Importing the national office master: all files of one run or none, each file once.

`import_files` reads every file first (master.read). If any has an error, nothing is written and every
problem is returned. Otherwise, in one transaction, each file becomes a Snapshot: its offices are added or
updated, its listings are marked as in the latest data, and the listings of the same service that it no
longer lists are marked not seen. Nothing is deleted. A file already imported (same service, same SHA-256)
is skipped, so a run can be repeated; a file older than the service's latest snapshot is refused.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from . import master
from .models import Listing, Office, Snapshot

logger = logging.getLogger(__name__)
CHUNK = 5_000  # numbers per IN (…): well under SQLite's 32,766 variables


@dataclass
class ImportResult:
    files: list[master.MasterFile]
    dry_run: bool
    applied: bool = False
    already: list[str] = field(default_factory=list)  # file names imported before: skipped
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    not_seen: int = 0  # listings that the new snapshots no longer list

    @property
    def issues(self) -> list[master.Issue]:
        return [issue for f in self.files for issue in f.issues]

    @property
    def errors(self) -> list[master.Issue]:
        return [issue for f in self.files for issue in f.errors]

    @property
    def warnings(self) -> list[master.Issue]:
        return [issue for issue in self.issues if not issue.is_error]


def import_files(
    files: list[tuple[str, bytes]],
    *,
    dry_run: bool = False,
    info_code: str = "",
    data_date: dt.date | None = None,
    by: str = "",
) -> ImportResult:
    read = [master.read(name, content, info_code=info_code, data_date=data_date) for name, content in files]
    result = ImportResult(files=read, dry_run=dry_run)
    _refuse_conflicts(read)
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        for parsed in read:
            if Snapshot.objects.filter(info_code=parsed.info_code, sha256=parsed.sha256).exists():
                result.already.append(parsed.file_name)
                continue
            _apply(parsed, result, by=by)
    result.applied = True
    logger.info(
        "office master imported: files=%d added=%d updated=%d not_seen=%d",
        len(read) - len(result.already),
        result.added,
        result.updated,
        result.not_seen,
    )
    return result


def _refuse_conflicts(read: list[master.MasterFile]) -> None:
    """Two files of one service in one run, or a file not newer than what the portal holds, are errors."""
    codes: dict[str, str] = {}
    for parsed in read:
        if parsed.errors or not parsed.info_code:
            continue
        if parsed.info_code in codes:
            parsed.issues.append(
                master.Issue(
                    parsed.file_name,
                    0,
                    "",
                    "file.same_service",
                    f"サービスコード {parsed.info_code} のファイルが2つあります（{codes[parsed.info_code]}）。"
                    "1回の取込ではサービスごとに1ファイルです。",
                )
            )
        codes[parsed.info_code] = parsed.file_name
        if Snapshot.objects.filter(info_code=parsed.info_code, sha256=parsed.sha256).exists():
            continue  # the same file again: skipped, not an error
        newer = (
            Snapshot.objects.filter(info_code=parsed.info_code, data_date__gte=parsed.data_date)
            .order_by("-data_date")
            .first()
        )
        if newer is not None:
            parsed.issues.append(
                master.Issue(
                    parsed.file_name,
                    0,
                    "",
                    "file.not_newer",
                    f"サービスコード {parsed.info_code} は基準日 {newer.data_date:%Y年%m月%d日} の公表データ"
                    f"（{newer.file_name}）を取込済みです。それより新しい基準日のファイルだけを取り込めます。",
                )
            )


def _apply(parsed: master.MasterFile, result: ImportResult, *, by: str) -> None:
    now = timezone.now()
    snapshot = Snapshot.objects.create(
        info_code=parsed.info_code,
        data_date=parsed.data_date,
        data_date_inferred=parsed.data_date_inferred,
        file_name=parsed.file_name,
        sha256=parsed.sha256,
        made_at=parsed.made_at,
        rows=len(parsed.rows),
        imported_by=by,
    )
    numbers = [row.office["office_number"] for row in parsed.rows]
    existing: dict[str, Office] = {}
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        existing.update((o.office_number, o) for o in Office.objects.filter(office_number__in=chunk))
    new, changed, same = [], [], []
    fields = [*master.TEXT_FIELDS, "latitude", "longitude", "url", "email"]
    for row in parsed.rows:
        office = existing.get(row.office["office_number"])
        if office is None:
            new.append(Office(**row.office, first_seen=snapshot, last_seen=snapshot, updated_at=now))
        elif office.added_by_hand or any(getattr(office, key) != row.office[key] for key in fields):
            for key in fields:
                setattr(office, key, row.office[key])
            office.last_seen, office.added_by_hand, office.updated_at = snapshot, False, now
            changed.append(office)  # the national data now speaks for an office added by hand
        else:
            same.append(office.pk)
    Office.objects.bulk_create(new, batch_size=2_000)
    Office.objects.bulk_update(changed, [*fields, "last_seen", "added_by_hand", "updated_at"], batch_size=500)
    _in_chunks(Office.objects.all(), same, last_seen=snapshot)
    result.added += len(new)
    result.updated += len(changed)
    result.unchanged += len(same)
    ids = {
        o.office_number: o.pk for o in Office.objects.filter(last_seen=snapshot).only("id", "office_number")
    }
    _apply_listings(parsed, snapshot, ids)
    result.not_seen += (
        Listing.objects.filter(info_code=parsed.info_code, in_latest=True)
        .exclude(last_seen=snapshot)
        .update(in_latest=False)
    )
    logger.info(
        "office master snapshot: service=%s date=%s sha256=%s rows=%d by=%s",
        parsed.info_code,
        parsed.data_date,
        parsed.sha256,
        len(parsed.rows),
        by or "system",
    )


def _in_chunks(queryset, ids: list[int], **values) -> None:
    for start in range(0, len(ids), CHUNK):
        queryset.filter(pk__in=ids[start : start + CHUNK]).update(**values)


def _apply_listings(parsed: master.MasterFile, snapshot: Snapshot, ids: dict[str, int]) -> None:
    current: dict[int, Listing] = {}
    office_ids = list(ids.values())
    for start in range(0, len(office_ids), CHUNK):
        chunk = office_ids[start : start + CHUNK]
        current.update(
            (listing.office_id, listing)
            for listing in Listing.objects.filter(info_code=parsed.info_code, office_id__in=chunk)
        )
    new, changed, same = [], [], []
    keys = [key for key in master.LISTING_FIELDS if key != "info_code"]
    for row in parsed.rows:
        office_id = ids[row.office["office_number"]]
        listing = current.get(office_id)
        if listing is None:
            new.append(Listing(office_id=office_id, **row.listing, last_seen=snapshot, in_latest=True))
        elif any(getattr(listing, key) != row.listing[key] for key in keys if key != "line"):
            for key in keys:
                setattr(listing, key, row.listing[key])
            listing.last_seen, listing.in_latest = snapshot, True
            changed.append(listing)
        else:
            same.append(listing.pk)
    Listing.objects.bulk_create(new, batch_size=2_000)
    Listing.objects.bulk_update(changed, [*keys, "last_seen", "in_latest"], batch_size=500)
    _in_chunks(Listing.objects.all(), same, last_seen=snapshot, in_latest=True)


def office_add_by_hand(*, by: str, **fields) -> Office:
    """An office the national data does not list yet (a new designation): kept, and marked 手入力."""
    office = Office.objects.create(added_by_hand=True, **fields)
    logger.info("office added by hand: number=%s by=%s", office.office_number, by)
    return office
