"""Backups that restore (issue 17): a dump with its checksum and manifest, restored into an empty database,
where the access log verifies and person pages answer as before."""

from __future__ import annotations

import contextlib
import json
import re
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection

from certification.tests.factories import application
from conftest import require_tool
from eligibility.tests import factories as ef
from kaigo_portal.audit.models import AccessLogEntry
from kaigo_portal.operations import backups

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value|data-csrf-token)="[^"]+"')


def pages(client, persons) -> dict[str, str]:
    """The municipal person page of each person, without the per-request CSRF tokens."""
    answers = {}
    for person in persons:
        url = f"/persons/{person.insurer.insurer_number}/{person.insured_number}/"
        response = client.get(url)
        assert response.status_code == 200
        answers[url] = TOKEN.sub("", response.content.decode())
    return answers


@pytest.fixture
def data(orgs, cast, login):
    """Persons with certifications and an application, and log rows written by reading their pages."""
    persons = [ef.person(insurer=orgs["chiyoda"]) for _ in range(5)]
    for person in persons[:3]:
        ef.certification(person=person)
    application(person=persons[4])
    client = login(cast["alice"])
    before = pages(client, persons)
    assert AccessLogEntry.objects.count() >= 5
    return persons, client, before


@contextlib.contextmanager
def database_named(name: str):
    """Django's connection pointed at another database of the same server for the block."""
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def postgres_url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@contextlib.contextmanager
def empty_database(tmp_path):
    """(URL, name) of a new empty database of the suite's kind, dropped afterwards."""
    if connection.vendor != "postgresql":
        target = tmp_path / "restored.sqlite3"
        yield f"sqlite:///{target}", str(target)
        return
    name = f"kp_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url(name), name
    finally:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.sqlite  # CI runs it on PostgreSQL (pg_dump) and again on SQLite (the demo's backup API)
def test_a_backup_restores_into_an_empty_database_and_answers_as_before(data, tmp_path):
    postgres = connection.vendor == "postgresql"
    if postgres:
        for tool in ("pg_dump", "pg_restore"):
            require_tool(tool, hint="apt-get install postgresql-client")
    persons, client, before = data
    made = backups.backup(tmp_path / "backups")
    if postgres:
        assert made.dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert made.checksum_file.read_text() == f"{made.sha256}  {made.dump.name}\n"
    manifest = json.loads(made.manifest_file.read_text())
    assert manifest["counts"]["eligibility_insuredperson"] == len(persons)
    assert manifest["counts"]["audit_accesslogentry"] == AccessLogEntry.objects.count()
    assert manifest["chain_heads"] and "audit" in manifest["migrations"]
    with empty_database(tmp_path) as (url, name):
        call_command("restore", str(made.dump), target=url)
        with database_named(name):
            after = pages(client, persons)
            call_command("audit_verify")
            if postgres:
                with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
                    cursor.execute("UPDATE audit_accesslogentry SET actor_name = 'x'")  # the trigger came too
        assert after == before
        with pytest.raises(CommandError, match=r"空ではありません|すでにあります"):  # never over data
            call_command("restore", str(made.dump), target=url, skip_verify=True)


def test_a_changed_or_incomplete_backup_is_refused_before_anything_is_written(data, tmp_path):
    made = backups.backup(tmp_path)
    target = tmp_path / "never.sqlite3"
    with made.dump.open("r+b") as handle:  # one byte changed, as a bad disk or an intruder would
        handle.seek(made.dump.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 1]))
    with pytest.raises(CommandError, match="チェックサムが一致しません"):
        call_command("restore", str(made.dump), target=f"sqlite:///{target}")
    made.manifest_file.unlink()
    with pytest.raises(
        CommandError, match=r"\.json（内容）と \.sha256（チェックサム）が同じフォルダに必要です"
    ):
        call_command("restore", str(made.dump), target=f"sqlite:///{target}")
    assert not target.exists()
