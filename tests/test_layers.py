"""The layers run one way (DESIGN.md, "Which way things depend"): an import check over the code, tests and
migrations aside. The kernel imports no domain app; each app imports only the apps below it."""

from __future__ import annotations

import ast
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
