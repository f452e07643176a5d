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

from django.db import IntegrityError, transaction
from django.utils import timezone

from kaigo_portal import fastsql
from kaigo_portal.wareki import to_wareki_with_seireki

from . import master
from .models import Listing, Office, Snapshot

logger = logging.getLogger(__name__)
CHUNK = 5_000  # values per `any_of` (one array on PostgreSQL; an IN list under SQLite's 32,766 elsewhere)


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
    try:
        with transaction.atomic():
            for parsed in read:
                if Snapshot.objects.filter(info_code=parsed.info_code, sha256=parsed.sha256).exists():
                    result.already.append(parsed.file_name)
                    continue
                _apply(parsed, result, by=by)
    except IntegrityError:  # another run took the same snapshot first: nothing of this one is kept
        read[0].issues.append(
            master.Issue(
                read[0].file_name,
                0,
                "",
                "file.concurrent",
                "同じ公表データが同時に取り込まれました。何も取り込んでいません。履歴を確認してください。",
            )
        )
        result.added = result.updated = result.unchanged = result.not_seen = 0
        result.already.clear()
        return result
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
                    f"サービスコード {parsed.info_code} は基準日 {to_wareki_with_seireki(newer.data_date)} の公表データ"
                    f"（{newer.file_name}）を取込済みです。それより新しい基準日のファイルだけを取り込めます。",
                )
            )


def _apply(parsed: master.MasterFile, result: ImportResult, *, by: str) -> None:
    now = timezone.now()
    previous = Snapshot.objects.filter(info_code=parsed.info_code).order_by("-data_date").first()
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
    fields = [*master.TEXT_FIELDS, "latitude", "longitude", "url", "email"]
    numbers = [row.office["office_number"] for row in parsed.rows]
    existing = {
        values[1]: values
        for chunk in _chunks(numbers)
        for values in Office.objects.filter(office_number__any_of=chunk).values_list(
            "pk", *fields, "added_by_hand"
        )
    }
    new, changed = [], []
    fresh = {"added_by_hand": False, "first_seen_id": snapshot.pk, "updated_at": now}
    for row in parsed.rows:
        held = existing.get(row.office["office_number"])
        if held is None:
            new.append({**row.office, **fresh})
        elif held[-1] or held[1:-1] != tuple(row.office[key] for key in fields):
            # Changed, or added by hand before: the national data now speaks for it.
            changed.append(Office(pk=held[0], **row.office, added_by_hand=False, updated_at=now))
    fastsql.copy_insert(Office, new)
    Office.objects.bulk_update(changed, [*fields, "added_by_hand", "updated_at"], batch_size=500)
    result.added += len(new)
    result.updated += len(changed)
    result.unchanged += len(parsed.rows) - len(new) - len(changed)
    ids = {number: values[0] for number, values in existing.items()}
    ids.update(Office.objects.filter(first_seen=snapshot).values_list("office_number", "pk"))  # the new ones
    result.not_seen += _apply_listings(parsed, ids, previous)
    logger.info(
        "office master snapshot: service=%s date=%s sha256=%s rows=%d by=%s",
        parsed.info_code,
        parsed.data_date,
        parsed.sha256,
        len(parsed.rows),
        by or "system",
    )


def _chunks(values: list) -> list[list]:
    return [values[start : start + CHUNK] for start in range(0, len(values), CHUNK)]


def _apply_listings(parsed: master.MasterFile, ids: dict[str, int], previous: Snapshot | None) -> int:
    """Writes the file's listings (new, changed, or back after a gap) and marks those of the service that
    the file no longer lists as seen until the previous snapshot. Returns how many were marked."""
    keys = [key for key in master.LISTING_FIELDS if key not in ("info_code", "line")]
    ours = Listing.objects.filter(info_code=parsed.info_code)
    # Every listing of the service at once (one file holds the whole country's): no IN list of ids.
    held = {values[1]: values for values in ours.values_list("pk", "office_id", *keys, "seen_until_id")}
    new, changed = [], []
    for row in parsed.rows:
        office_id = ids[row.office["office_number"]]
        values = held.get(office_id)
        if values is None:
            new.append({"office_id": office_id, **row.listing, "seen_until_id": None})
        elif values[-1] is not None or values[2:-1] != tuple(row.listing[key] for key in keys):
            changed.append(Listing(pk=values[0], office_id=office_id, **row.listing, seen_until=None))
    fastsql.copy_insert(Listing, new)
    Listing.objects.bulk_update(changed, [*keys, "line", "seen_until"], batch_size=500)
    listed = set(ids.values())
    gone = [values[0] for office_id, values in held.items() if values[-1] is None and office_id not in listed]
    for chunk in _chunks(gone):
        Listing.objects.filter(pk__any_of=chunk).update(seen_until=previous)
    return len(gone)


def office_add_by_hand(*, by: str, **fields) -> Office:
    """An office the national data does not list yet (a new designation): kept, and marked 手入力."""
    office = Office.objects.create(added_by_hand=True, **fields)
    logger.info("office added by hand: number=%s by=%s", office.office_number, by)
    return office
