"""The published format: the JSON Schema matches the validators, and every example file imports cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from eligibility.imports.schema import json_schema
from eligibility.models import InsuredPerson
from eligibility.tests.importing import issues_of, run_job

DOCS = Path(__file__).resolve().parents[2] / "docs"
EXAMPLES = [
    "person.csv",
    "certification.csv",
    "burden_ratio.csv",
    "cost_limit.csv",
    "restriction.csv",
    "ledger.csv",
]


def test_the_published_schema_is_the_one_the_registry_builds():
    published = json.loads((DOCS / "import-schema.json").read_text())
    assert published == json_schema(), "regenerate docs/import-schema.json from eligibility.imports.schema"


def test_the_jsonl_example_follows_the_schema_and_bad_lines_do_not():
    validator = jsonschema.Draft202012Validator(json_schema())
    for line in (DOCS / "import-examples" / "all.jsonl").read_text().splitlines():
        validator.validate(json.loads(line))
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(
            {
                "record_type": "burden_ratio",
                "action": "add",
                "effective_date": "2026-08-01",
                "insurer_number": "131011",
                "insured_number": "0000000001",
            }
        )


def test_the_import_format_document_names_every_column():
    document = (DOCS / "import-format.md").read_text()
    for variant in json_schema()["oneOf"]:
        for name in variant["properties"]:
            assert f"`{name}`" in document, name


@pytest.mark.django_db
def test_every_example_file_imports_without_errors(orgs):
    for name in EXAMPLES:
        job = run_job(orgs["chiyoda"], (DOCS / "import-examples" / name).read_bytes())
        assert job.status == "succeeded", (name, issues_of(job))
    job = run_job(orgs["chiyoda"], (DOCS / "import-examples" / "all.jsonl").read_bytes(), file_format="jsonl")
    assert job.status == "succeeded", issues_of(job)
    assert InsuredPerson.objects.count() == 3
