"""manage.py terminal_ca_init FOLDER [--host localhost]: a terminal CA and a TLS server certificate, for a
try or a test (docs/operations.md). Production's CA key is made once, offline, and kept by the operator."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kaigo_portal.terminals import ca


class Command(BaseCommand):
    help = "Makes a terminal CA (ca.pem, ca-key.pem) and a server certificate (server.pem, server-key.pem)."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--host", default="localhost", help="the server certificate's host name")
        parser.add_argument("--key-password", default="", help="encrypt ca-key.pem with this password")

    def handle(self, *args, folder, host, key_password, **options):
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        if (out / "ca-key.pem").exists():
            raise CommandError(f"{out / 'ca-key.pem'} exists: a CA is never made over another")
        authority = ca.make_authority()
        server, server_key = ca.issue_server(authority, host)
        files = {
            "ca.pem": ca.pem(authority.certificate),
            "ca-key.pem": ca.key_pem(authority.key, key_password),
            "server.pem": ca.pem(server) + ca.pem(authority.certificate),
            "server-key.pem": ca.key_pem(server_key),
        }
        for name, content in files.items():
            path = out / name
            path.write_bytes(content)
            if name.endswith("key.pem"):
                path.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(f"OK: {out}/ca.pem, ca-key.pem, server.pem, server-key.pem (server: {host})")
        )
        self.stdout.write(
            f"KAIGO_TERMINAL_CA_CERT={out.resolve()}/ca.pem KAIGO_TERMINAL_CA_KEY={out.resolve()}/ca-key.pem"
        )
