"""manage.py audit_verify [--month YYYY-MM] [--archives]: checks the access log's hash chains; exit code 1
if one is broken."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kaigo_portal.audit import archive, partitions
from kaigo_portal.audit.services import verify_all


class Command(BaseCommand):
    help = "Checks every hash chain of the access log and reports the first broken link of each chain."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="only this month's partition (YYYY-MM), tied to the month before")
        parser.add_argument("--archives", action="store_true", help="also every archive file, row by row")

    def handle(self, *args, month=None, archives=False, **options):
        if month:
            if not partitions.is_partitioned():
                raise CommandError("--month needs the partitioned access log (PostgreSQL)")
            try:
                rows = archive.verify_month(dt.date.fromisoformat(f"{month}-01"))
            except archive.ArchiveError as error:
                raise CommandError(f"BROKEN {error}") from error
            self.stdout.write(self.style.SUCCESS(f"OK: {rows} rows of {month} verified"))
            return
        if archives:
            for dump in sorted(Path(settings.KAIGO_ACCESS_LOG_ARCHIVE_DIR).glob("access-log-*.dump")):
                try:
                    rows = archive.verify_file(dump)
                except archive.ArchiveError as error:
                    raise CommandError(f"BROKEN {error}") from error
                self.stdout.write(f"OK: {dump.name}: {rows} rows")
        checked, broken = verify_all()
        if broken:
            for link in broken:
                self.stderr.write(f"BROKEN {link}")
            raise CommandError(f"{len(broken)} chain(s) broken; {checked} rows checked before the breaks")
        self.stdout.write(self.style.SUCCESS(f"OK: {checked} rows in every chain verified"))
