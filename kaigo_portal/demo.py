"""Demo data hooks: each app registers what it adds to `manage.py seed_demo`, so that the kernel's
command never imports the apps above it (DESIGN.md, "Which way things depend")."""

from __future__ import annotations

from collections.abc import Callable

Seeder = Callable[[], str]  # returns one line to print
_SEEDERS: list[tuple[int, str, Seeder]] = []


def register(name: str, seeder: Seeder, *, order: int = 100) -> None:
    if all(existing != name for _order, existing, _seeder in _SEEDERS):
        _SEEDERS.append((order, name, seeder))


def seeders() -> list[tuple[str, Seeder]]:
    return [(name, seeder) for _order, name, seeder in sorted(_SEEDERS, key=lambda item: (item[0], item[1]))]
