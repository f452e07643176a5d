"""manage.py import_office_master FILE_OR_FOLDER… [--dry-run] [--service-code 110] [--data-date 2026-06-30]

Imports the 介護サービス情報公表システム open data (one CSV per service). A folder means every
jigyosho_*.csv in it. Every problem is printed with its file, line and column; with any error nothing is
written. Running it again with the same files changes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kaigo_portal.offices import services


class Command(BaseCommand):
    help = "介護サービス情報公表システムのオープンデータ（事業所一覧）を取り込みます。"

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="CSV files, or folders holding jigyosho_*.csv")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument(
            "--service-code", default="", help="the 3-digit 情報公表 code, if not in the name"
        )
        parser.add_argument("--data-date", type=dt.date.fromisoformat, help="基準日 (YYYY-MM-DD)")

    def handle(self, *args, **options):
        paths: list[Path] = []
        for given in options["paths"]:
            path = Path(given)
            if path.is_dir():
                paths += sorted(path.glob("jigyosho_*.csv")) + sorted(path.glob("jigyosho_*.CSV"))
            elif path.is_file():
                paths.append(path)
            else:
                raise CommandError(f"ファイルまたはフォルダがありません: {given}")
        if not paths:
            raise CommandError("取り込むファイルがありません。")
        result = services.import_files(
            [(path.name, path.read_bytes()) for path in paths],
            dry_run=options["dry_run"],
            info_code=options["service_code"],
            data_date=options["data_date"],
            by="manage.py import_office_master",
        )
        for issue in result.issues:
            where = f"{issue.file}:{issue.line}" if issue.line else issue.file
            column = f" [{issue.column}]" if issue.column else ""
            kind = "エラー" if issue.is_error else "警告"
            self.stdout.write(f"{where}{column} {kind} {issue.code}: {issue.message}")
        rows = sum(len(f.rows) for f in result.files)
        if result.errors:
            raise CommandError(f"エラーが {len(result.errors)} 件あります。何も取り込んでいません。")
        if result.dry_run:
            self.stdout.write(f"確認のみ: {len(result.files)} ファイル、{rows} 行。エラーはありません。")
            return
        for name in result.already:
            self.stdout.write(f"取込済みのため飛ばしました: {name}")
        self.stdout.write(
            f"取り込みました: 追加 {result.added}、更新 {result.updated}、変更なし {result.unchanged}、"
            f"掲載終了 {result.not_seen}"
        )
