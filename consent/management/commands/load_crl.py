"""manage.py load_crl <file>...: loads JPKI CRLs (PEM or DER) into the revocation list the card check uses."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consent.identity import crl_load
from kaigo_portal.errors import ApplicationError


class Command(BaseCommand):
    help = "Loads JPKI certificate revocation lists signed by a CA in KAIGO_JPKI_CA_FILES."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="CRL files (PEM or DER)")

    def handle(self, *args, files: list[str], **options):
        for name in files:
            try:
                count = crl_load(data=Path(name).read_bytes())
            except OSError as error:
                raise CommandError(f"{name}: 読み取れません（{error.strerror}）") from error
            except ApplicationError as error:
                raise CommandError(f"{name}: {error.message} [{error.code}]") from error
            self.stdout.write(f"{name}: 失効した証明書 {count} 件を読み込みました。")
