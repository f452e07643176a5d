"""manage.py restore DUMP --target URL: loads a backup into an empty database, then checks it.

The target is always named (never the configured database): a restore writes only into an empty one. After
loading, the row counts, the log's chain heads and the applied migrations are compared with the manifest,
and `audit_verify` walks every hash chain of the restored log."""

import os
import subprocess
import sys
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kaigo_portal.operations import backups


class Command(BaseCommand):
    help = "Restores a backup (made by manage.py backup) into an empty database and verifies it."

    def add_arguments(self, parser):
        parser.add_argument("dump", help="the .dump file; its .sha256 and .json must be beside it")
        parser.add_argument(
            "--target", required=True, help="the empty database's URL (postgres://… or sqlite:///…)"
        )
        parser.add_argument(
            "--skip-verify", action="store_true", help="do not run audit_verify on the result"
        )

    def handle(self, *args, dump, target, skip_verify, **options):
        target_db = dj_database_url.parse(target)
        try:
            backup = backups.read(Path(dump))
            backups.restore(backup, target=target_db)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        differences = backups.compare(backup, backups.cursor_for(target_db))
        if differences:
            for difference in differences:
                self.stderr.write(f"DIFFERS {difference}")
            raise CommandError(f"the restored database differs from the backup in {len(differences)} way(s)")
        self.stdout.write(
            f"restored {backup.dump.name} into {target_db['NAME']}: counts, chain heads and migrations match"
        )
        if skip_verify:
            return
        completed = subprocess.run(  # noqa: S603  (this same manage.py, against the restored database)
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "audit_verify"],
            env={**os.environ, "DATABASE_URL": target},
            capture_output=True,
            text=True,
            check=False,
        )
        self.stdout.write(completed.stdout.strip())
        if completed.returncode != 0:
            self.stderr.write(completed.stderr.strip())
            raise CommandError("audit_verify failed on the restored database")
        self.stdout.write(self.style.SUCCESS("OK: the restored access log verifies"))
