"""Fixtures of the subsidies tests: receipts stored under tmp_path, the program years of the data
migration, and a clock frozen inside the FY2026 window unless a test moves it."""

from __future__ import annotations

import pytest
import time_machine

from subsidies.models import ProgramYear

from .factories import IN_WINDOW


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    settings.KAIGO_SITE_URL = "https://portal.example.jp"


@pytest.fixture
def frozen():
    """2026-06-01 10:00 Japan time: inside the FY2026 window (2026-05-07 → 2027-03-12)."""
    with time_machine.travel(IN_WINDOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def fy2025(db):
    return ProgramYear.objects.get(fiscal_year=2025)


@pytest.fixture
def fy2026(db):
    return ProgramYear.objects.get(fiscal_year=2026)
