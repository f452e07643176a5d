"""docs/careplan-csv.md lists every column of every file as the code that writes them has it."""

from __future__ import annotations

from django.conf import settings

from careplans.standard.layouts import LAYOUTS


def _tables() -> dict[str, list[tuple[str, str, str, str]]]:
    text = (settings.BASE_DIR / "docs" / "careplan-csv.md").read_text(encoding="utf-8")
    tables, current = {}, None
    for line in text.splitlines():
        if line.startswith("## ") and " — " in line:
            current = line[3:].split(" — ")[0]
            tables[current] = []
        elif current and line.startswith("| ") and line.split("|")[1].strip().isdigit():
            no, name, _kind, length, required = (cell.strip() for cell in line.strip("|").split("|"))
            tables[current].append((no, name, length, required))
    return tables


def test_every_column_table_matches_the_layouts():
    tables = _tables()
    assert set(tables) == set(LAYOUTS)
    for prefix, layout in LAYOUTS.items():
        expected = [
            (str(c.no), c.name, str(c.length or "―"), "○" if c.required else "") for c in layout.columns
        ]
        assert tables[prefix] == expected, prefix
