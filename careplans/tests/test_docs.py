"""The published formats say what the code does: the CSV columns in docs/careplan-csv.md."""

import re

from django.conf import settings

from careplans import csv_format


def _columns(section: str) -> list[str]:
    text = (settings.BASE_DIR / "docs" / "careplan-csv.md").read_text(encoding="utf-8")
    table = text.split(section, 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| \d+ \| ([^|]+?) \|", table, flags=re.MULTILINE)


def test_the_documented_columns_are_the_columns_of_the_code():
    assert _columns("## 第1表 record") == list(csv_format.COLUMNS_1)
    assert _columns("## 第2表 record") == list(csv_format.COLUMNS_2)
