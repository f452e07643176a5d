"""Settings: a strict environment parser, and production refuses to start without its secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kaigo_portal import env

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k9#Vq2!mZ8@pL4$wR7^tY1&uE5*oN3(a" * 2,
    "ALLOWED_HOSTS": "portal.example.jp",
    "DATABASE_URL": "postgres://kaigo@db.example.jp:5432/kaigo",
}


def run_django(code: str, **variables: str) -> subprocess.CompletedProcess:
    """Starts a fresh interpreter with only the given variables set (beside PATH and HOME)."""
    environment = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "kaigo_portal.settings",
        "KAIGO_VAR_DIR": os.environ.get("KAIGO_VAR_DIR", str(ROOT / "var")),
    }
    environment |= variables
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


SETUP = "import django; django.setup()"


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set"),
        ("DATABASE_URL", "DATABASE_URL must be set"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(missing, message):
    variables = {name: value for name, value in PRODUCTION.items() if name != missing}
    result = run_django(SETUP, **variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_production_refuses_a_wildcard_host_and_the_mfa_switch():
    wildcard = run_django(SETUP, **(PRODUCTION | {"ALLOWED_HOSTS": "*"}))
    assert wildcard.returncode != 0 and "'*' is refused" in wildcard.stderr
    no_mfa = run_django(SETUP, **(PRODUCTION | {"KAIGO_REQUIRE_MFA": "false"}))
    assert no_mfa.returncode != 0 and "local demo only" in no_mfa.stderr


def test_production_settings_pass_the_deploy_checks():
    result = run_django(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_web_server_refuses_to_start_without_access_rules():
    # The consent app registers its rules when the apps load; with the registry emptied (as if the app
    # were missing), the production check refuses to start.
    result = run_django(
        SETUP
        + "; from kaigo_portal import access; access.register_rules(None); access.ensure_rules_for_production()",
        **PRODUCTION,
    )
    assert result.returncode != 0
    assert "No access rule set is registered" in result.stderr


def test_production_web_server_starts_with_the_consent_rules_registered():
    result = run_django(
        "import kaigo_portal.wsgi; from kaigo_portal import access; print(type(access.registered_rules()).__name__)",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ConsentRules"]


def test_development_defaults_start_with_nothing_set(tmp_path):
    result = run_django(
        SETUP
        + "; from django.conf import settings; print(settings.DATABASES['default']['ENGINE'], settings.TIME_ZONE, settings.LANGUAGE_CODE)",
        KAIGO_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "Asia/Tokyo", "ja"]


@pytest.mark.parametrize(
    ("name", "value", "call"),
    [("X_BOOL", "maybe", lambda: env.env_bool("X_BOOL", True)),
     ("X_INT", "12a", lambda: env.env_int("X_INT", 1)),
     ("X_INT", "0", lambda: env.env_int("X_INT", 1, minimum=1)),
     ("X_INT", "99", lambda: env.env_int("X_INT", 1, maximum=10)),
     ("X_LIST", "a,,b", lambda: env.env_list("X_LIST"))],
)  # fmt: skip
def test_the_parser_refuses_values_it_cannot_read(monkeypatch, name, value, call):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        call()


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("ON", True), ("0", False), ("no", False), ("", True)]
)
def test_the_parser_reads_booleans(monkeypatch, value, expected):
    monkeypatch.setenv("X_BOOL", value)
    assert env.env_bool("X_BOOL", True) is expected


def test_the_parser_reads_lists_and_numbers(monkeypatch):
    monkeypatch.setenv("X_LIST", " a.example.jp , b.example.jp ")
    monkeypatch.setenv("X_INT", " 42 ")
    assert env.env_list("X_LIST") == ["a.example.jp", "b.example.jp"]
    assert env.env_int("X_INT", 1) == 42
