"""manage.py terminal_crl FILE: writes the terminal CRL for the TLS proxy (nginx's ssl_crl), replacing the
file atomically. Run it after a revocation and at least daily: the CRL is valid for 24 hours."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand

from kaigo_portal.terminals.services import crl_pem


class Command(BaseCommand):
    help = "Writes the CRL of revoked terminal certificates (PEM) to FILE."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        path = Path(file)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(crl_pem())
        os.replace(partial, path)
        self.stdout.write(self.style.SUCCESS(f"OK: {path}"))
