"""The layers run one way (DESIGN.md, "Which way things depend"): an import check over the code, tests and
migrations aside. The kernel imports no domain app; each app imports only the apps below it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ["kaigo_portal", "eligibility", "consent", "certification", "opinions", "careplans", "subsidies"]

# What each package may import of the project's own packages (itself always).
ALLOWED = {
    "kaigo_portal": set(),
    "eligibility": {"kaigo_portal"},
    "consent": {"kaigo_portal", "eligibility"},
    "certification": {"kaigo_portal", "eligibility", "consent"},
    "opinions": {"kaigo_portal", "eligibility", "consent", "certification"},
    "careplans": {"kaigo_portal", "eligibility", "consent", "certification"},
    "subsidies": {"kaigo_portal"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _code(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts)
        if not parts & {"tests", "migrations"}:
            yield path


@pytest.mark.parametrize("package", APPS)
def test_each_package_imports_only_the_layers_below_it(package):
    wrong = []
    for path in _code(package):
        for name in sorted((_imports(path) & set(APPS)) - ALLOWED[package] - {package}):
            wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []


def test_the_check_sees_an_import_that_goes_up(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from consent import policy\n    import careplans.models\n")
    assert _imports(module) == {"consent", "careplans"}


# --- SQL written by hand ------------------------------------------------------------------------------------
# Reads and writes go through the ORM; hand-written statements stay where the ORM cannot say them, each in the
# app whose tables it touches (docs/design.md): the import's staging and set rules, and the card challenge's
# claim (an UPDATE … RETURNING). The kernel's own (the access log's chain heads, the prepared reads) are the
# door's. Nothing else writes SQL, so no app hands another a statement.
SQL = re.compile(r"\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\s+[\w\"{(*]")
SQL_ALLOWED = {
    "eligibility/imports/pipeline.py",
    "eligibility/imports/staging/sets.py",
    "eligibility/imports/staging/tables.py",
    "consent/identity.py",
}


def _statements(path: Path) -> list[int]:
    """Lines of string literals (f-strings too, their holes filled) that read as SQL, docstrings aside."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{x}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if SQL.search(text):
            found.append(node.lineno)
    return found


def test_hand_written_sql_is_only_where_the_orm_cannot_say_it():
    written = {
        str(path.relative_to(ROOT))
        for package in APPS
        if package != "kaigo_portal"
        for path in _code(package)
        if _statements(path)
    }
    assert written == SQL_ALLOWED


def test_the_sql_check_sees_a_statement(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        '"""SELECT x FROM y is a docstring."""\nQ = f"SELECT {cols} FROM {table}"\nR = "UPDATE t SET"\n'
    )
    assert _statements(module) == [2, 3]
