"""manage.py opinion_schema: writes docs/opinion.schema.json and docs/opinion.example.json from the code."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from opinions import form, schema


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


class Command(BaseCommand):
    help = "Writes the opinion JSON Schema and its example to docs/."

    def handle(self, *args, **options):
        docs = Path(settings.BASE_DIR) / "docs"
        (docs / "opinion.schema.json").write_text(dump(schema.build()), encoding="utf-8")
        (docs / "opinion.example.json").write_text(dump(form.EXAMPLE), encoding="utf-8")
        self.stdout.write("docs/opinion.schema.json, docs/opinion.example.json")
