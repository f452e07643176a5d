"""The published JSON Schema and its example are the code's, and the API serves the same."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from opinions import form, schema

DOCS = Path(settings.BASE_DIR) / "docs"


def test_the_published_schema_and_example_are_generated_from_the_form():
    assert json.loads((DOCS / "opinion.schema.json").read_text(encoding="utf-8")) == schema.build(), (
        "run: manage.py opinion_schema"
    )
    assert json.loads((DOCS / "opinion.example.json").read_text(encoding="utf-8")) == form.EXAMPLE


def test_the_schema_has_one_branch_per_form_version_with_its_required_fields():
    built = schema.build()
    branches = {b["properties"]["form_version"]["const"]: b for b in built["oneOf"]}
    assert set(branches) == {"2021-04", "2026-04"}
    assert "physician_consent" in branches["2021-04"]["properties"]["basic"]["required"]
    assert "physician_consent" not in branches["2026-04"]["properties"]["basic"]["properties"]
    items = branches["2026-04"]["properties"]["diagnoses"]["properties"]["items"]
    assert items["maxItems"] == 3 and items["items"]["properties"]["specified_disease"]["enum"] == list(
        range(1, 17)
    )
    mental = branches["2026-04"]["properties"]["mental_physical"]["required"]
    assert {
        "short_term_memory",
        "cognitive_ability",
        "communication",
        "eating",
        "dementia_independence",
    } <= set(mental)


def test_the_api_serves_the_schema_without_credentials(client):
    response = client.get("/api/v1/opinions/schema/")
    assert response.status_code == 200
    assert response.json() == schema.build()
