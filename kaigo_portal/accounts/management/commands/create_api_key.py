"""manage.py create_api_key --org <number> --scope <scope> --name <name>: prints a new key once."""

from django.core.management.base import BaseCommand, CommandError

from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create, organisation_by_number
from kaigo_portal.errors import ApplicationError


class Command(BaseCommand):
    help = "Issues an API key for an organisation and prints it (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--org",
            required=True,
            help="保険者番号, 事業所番号, 医療機関コード, 国保連's prefecture number, or 'platform'",
        )
        parser.add_argument("--scope", required=True, choices=ApiScope.values)
        parser.add_argument("--name", required=True, help="what the key is for, e.g. the system's name")
        parser.add_argument("--days", type=int, default=365, help="days until it expires (default 365)")

    def handle(self, *args, org: str, scope: str, name: str, days: int, **options):
        try:
            organisation = organisation_by_number(org)
            key, raw = api_key_create(organisation=organisation, scope=scope, name=name, days=days, by=None)
        except ApplicationError as error:
            raise CommandError(f"{error.message} [{error.code}]") from error
        self.stderr.write(
            f"{organisation.name} の API キー「{key.name}」({scope}) を発行しました。有効期限: {key.expires_at:%Y-%m-%d}"
        )
        self.stdout.write(raw)
