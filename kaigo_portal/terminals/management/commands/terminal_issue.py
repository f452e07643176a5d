"""manage.py terminal_issue OFFICE_NUMBER --name NAME --by EMAIL --out FILE.p12: the operator issues an
office's first terminal certificate (with KAIGO_REQUIRE_CLIENT_CERT on, the office's admin can reach the
terminal pages only from a terminal that has one). Prints the one-time passphrase; the file is the one
download. Every later terminal is issued by the office's admin on its page."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kaigo_portal.accounts.models import User
from kaigo_portal.accounts.services import organisation_by_number
from kaigo_portal.errors import ApplicationError
from kaigo_portal.terminals import services


class Command(BaseCommand):
    help = "Issues a terminal certificate for an office or clinic (the first one), as a PKCS#12 file."

    def add_arguments(self, parser):
        parser.add_argument("number", help="the organisation's number (事業所番号 or 医療機関コード)")
        parser.add_argument("--name", required=True, help="the terminal's name")
        parser.add_argument("--by", required=True, help="the operator's e-mail address (recorded)")
        parser.add_argument("--out", required=True, help="where the .p12 file is written (not over a file)")

    def handle(self, *args, number, name, by, out, **options):
        try:
            organisation = organisation_by_number(number)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        operator = User.objects.filter(email=by, is_active=True).first()
        if operator is None:
            raise CommandError(f"no active user {by}")
        path = Path(out)
        if path.exists():
            raise CommandError(f"{path} exists")
        try:
            terminal, passphrase = services.terminal_issue(organisation=organisation, name=name, by=operator)
            path.write_bytes(services.terminal_download(terminal=terminal, by=operator))
        except ApplicationError as error:
            raise CommandError(error.message) from error
        path.chmod(0o600)
        self.stdout.write(f"{path}: {organisation.name} / {name} (serial {terminal.serial})")
        self.stdout.write(f"passphrase (shown once): {passphrase}")
