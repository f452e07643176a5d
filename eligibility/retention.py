"""Retention of the import's files (kaigo_portal.operations.retention): the file a municipality uploaded,
and its error list, name every person in it. Their data is in the tables once applied; the files are
deleted KAIGO_IMPORT_FILE_DAYS after the job finished. The job row stays, with its SHA-256, so the same
file is still recognised as already imported."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q

from kaigo_portal.operations.retention import Rule

from .models import ImportJob


def purge_import_files(now: dt.datetime, apply: bool) -> int:
    cutoff = now - dt.timedelta(days=settings.KAIGO_IMPORT_FILE_DAYS)
    jobs = ImportJob.objects.filter(finished_at__lt=cutoff).filter(~Q(file="") | ~Q(errors_file=""))
    count = jobs.count()
    if apply:
        for job in jobs.iterator():
            for stored in (job.file, job.errors_file):
                if stored:
                    stored.delete(save=False)
            job.save(update_fields=["file", "errors_file"])
    return count


RULE = Rule(
    name="import_files",
    what="取込ファイル（アップロードされたファイルとエラー一覧）",
    keep=f"取込の完了から{settings.KAIGO_IMPORT_FILE_DAYS}日",
    basis="[decision] 内容は取込で各表に反映済み。確認と再実行に足りる期間だけ元のファイルを残す",
    purge=purge_import_files,
)
