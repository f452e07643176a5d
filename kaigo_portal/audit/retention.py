"""Retention of the access log (kaigo_portal.operations.retention): months older than
KAIGO_ACCESS_LOG_ONLINE_MONTHS are archived to files and detached (archive.py), never deleted without an
archive that verified. The files are kept KAIGO_ACCESS_LOG_KEEP_YEARS; deleting them then is the
operator's act, outside the portal."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from kaigo_portal.operations.retention import Rule

from . import archive, partitions


def archive_old_months(now: dt.datetime, apply: bool) -> int:
    if not partitions.is_partitioned():
        return 0
    today = timezone.localtime(now).date()
    if apply:
        return len(archive.archive_due(today=today))
    return len(archive.months_due(today=today))


RULE = Rule(
    name="access_log",
    what="アクセスログ（月ごとの区画）",
    keep=(
        f"データベースに{settings.KAIGO_ACCESS_LOG_ONLINE_MONTHS}か月、その後は月ごとの保管ファイル（ハッシュつき）で"
        f"{settings.KAIGO_ACCESS_LOG_KEEP_YEARS}年"
    ),
    basis="[decision] 医療情報システムの安全管理に関するガイドラインはアクセスログの保存を求めるが期間を定めない。"
    "本人が自分の閲覧記録を画面で確かめられる期間と、保管の期間を分けた",
    purge=archive_old_months,
)
