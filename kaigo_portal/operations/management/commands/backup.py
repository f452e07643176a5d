"""manage.py backup [--folder DIR]: a consistent dump of the database, its checksum and its manifest."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kaigo_portal.operations.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Dumps the database (pg_dump --format=custom on PostgreSQL) with a SHA-256 checksum and a manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("--folder", default=settings.KAIGO_BACKUP_DIR, help="where the three files go")

    def handle(self, *args, folder, **options):
        try:
            result = backup(Path(folder))
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = result.manifest["counts"]
        self.stdout.write(
            self.style.SUCCESS(
                f"OK: {result.dump} ({result.manifest['size']:,} bytes, sha256 {result.sha256[:16]}…; "
                f"{counts['eligibility_insuredperson']:,} persons, {counts['audit_accesslogentry']:,} log rows)"
            )
        )
