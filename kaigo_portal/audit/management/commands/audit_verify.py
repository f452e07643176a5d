"""manage.py audit_verify: checks every hash chain of the access log; exit code 1 if one is broken."""

from django.core.management.base import BaseCommand, CommandError

from kaigo_portal.audit.services import verify_all


class Command(BaseCommand):
    help = "Checks every hash chain of the access log and reports the first broken link of each chain."

    def handle(self, *args, **options):
        checked, broken = verify_all()
        if broken:
            for link in broken:
                self.stderr.write(f"BROKEN {link}")
            raise CommandError(f"{len(broken)} chain(s) broken; {checked} rows checked before the breaks")
        self.stdout.write(self.style.SUCCESS(f"OK: {checked} rows in every chain verified"))
