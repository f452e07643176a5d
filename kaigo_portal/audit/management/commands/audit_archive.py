"""manage.py audit_archive [--folder DIR] [--dry-run]: archives the access log's months older than the
online period (KAIGO_ACCESS_LOG_ONLINE_MONTHS), oldest first; see kaigo_portal/audit/archive.py."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kaigo_portal.audit import archive, partitions


class Command(BaseCommand):
    help = "Verifies, dumps (with its hash) and detaches each month of the access log past the online period."

    def add_arguments(self, parser):
        parser.add_argument("--folder", default=settings.KAIGO_ACCESS_LOG_ARCHIVE_DIR)
        parser.add_argument("--dry-run", action="store_true", help="list the months that are due")

    def handle(self, *args, folder, dry_run, **options):
        if not partitions.is_partitioned():
            raise CommandError("the access log is not partitioned (PostgreSQL only)")
        due = archive.months_due()
        if dry_run:
            for partition in due:
                self.stdout.write(f"due: {partition.month} ({partition.name})")
            return
        try:
            for partition in due:
                archived = archive.archive_month(partition, Path(folder))
                self.stdout.write(f"archived {archived}")
        except archive.ArchiveError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"OK: {len(due)} month(s) archived"))
