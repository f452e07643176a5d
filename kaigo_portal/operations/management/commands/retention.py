"""manage.py retention [--apply]: the retention rules of personal data and what each has due."""

from django.core.management.base import BaseCommand

from kaigo_portal.operations import retention


class Command(BaseCommand):
    help = "Lists the retention rules and the items past their time; --apply purges them."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true")

    def handle(self, *args, apply, **options):
        counts = retention.run(apply=apply)
        for rule in retention.rules():
            verb = "purged" if apply else "due"
            self.stdout.write(
                f"{rule.name}: {rule.what} — {rule.keep} ({rule.basis}); {verb}: {counts[rule.name]}"
            )
