"""Backups that restore: a consistent dump of the whole database with its checksum and a manifest, and the
restore of one into an empty database, checked against the manifest (docs/operations.md).

PostgreSQL: `pg_dump --format=custom`, which reads the database in one repeatable-read snapshot, so the
dump is consistent while the portal keeps running; `pg_restore` loads it. SQLite (the demo): the SQLite
online backup API, consistent in the same way.

Three files per backup, named by the time it was taken (UTC):
- `kaigo-<YYYYMMDDTHHMMSSZ>.dump`: the dump;
- `….dump.sha256`: its SHA-256 in `sha256sum` format (`sha256sum -c` checks it);
- `….dump.json`: the manifest: when, from which database, the migrations applied, and what must be the
  same after a restore (the number of persons and log rows, and every hash chain's head).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.db import connection, transaction
from django.utils import timezone

FORMAT = "kaigo-portal-backup/1"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class Backup:
    dump: Path
    sha256: str
    manifest: dict

    @property
    def checksum_file(self) -> Path:
        return self.dump.with_name(self.dump.name + ".sha256")

    @property
    def manifest_file(self) -> Path:
        return self.dump.with_name(self.dump.name + ".json")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pg_environment(settings_dict: dict) -> dict[str, str]:
    """libpq's variables for pg_dump and pg_restore: the password never appears on a command line."""
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _facts(cursor) -> dict:
    """What must read the same after a restore: row counts and the log's chain heads."""
    counts = {}
    for table in ("eligibility_insuredperson", "audit_accesslogentry", "certification_application"):
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608  (names from this list)
        counts[table] = cursor.fetchone()[0]
    cursor.execute("SELECT chain, seq, last_hash FROM audit_chainhead ORDER BY chain")
    heads = [[chain, seq, last_hash] for chain, seq, last_hash in cursor.fetchall()]
    cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
    migrations = dict(cursor.fetchall())
    return {"counts": counts, "chain_heads": heads, "migrations": migrations}


def _pg_dump(settings_dict: dict, partial: Path) -> tuple[dict, str]:
    """pg_dump of the database in the snapshot of a transaction of ours, in which the manifest's facts are
    read too: the dump and the facts are the same moment, while the portal keeps writing."""
    tool = shutil.which("pg_dump")
    if tool is None:
        raise BackupError("pg_dump がありません（Debian: apt-get install postgresql-client）。")
    version = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        facts = _facts(cursor)
        command = [tool, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={partial}"]
        completed = subprocess.run(  # noqa: S603  (a fixed program; the database name is one argument)
            [*command, settings_dict["NAME"]],
            env=pg_environment(settings_dict),
            capture_output=True,
            text=True,
            check=False,
        )
    if completed.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump が失敗しました: {completed.stderr.strip()}")
    return facts, version


def backup(folder: Path) -> Backup:
    """Dumps the configured database into `folder`, with its checksum and manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    taken = timezone.now().astimezone(dt.UTC)
    dump = folder / f"kaigo-{taken:%Y%m%dT%H%M%SZ}.dump"
    if dump.exists():
        raise BackupError(f"{dump} がすでにあります。1秒おいてやり直してください。")
    settings_dict = connection.settings_dict
    partial = dump.with_name(dump.name + ".partial")
    if connection.vendor == "postgresql":
        facts, version = _pg_dump(settings_dict, partial)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
            facts = _facts(target.cursor())  # read from the copy: exactly what it holds
        finally:
            target.close()
        version = f"sqlite {sqlite3.sqlite_version}"
    else:
        raise BackupError(f"{connection.vendor} のバックアップには対応していません。")
    partial.rename(dump)
    sha256 = file_sha256(dump)
    manifest = {
        "format": FORMAT,
        "taken_at": taken.isoformat(),
        "vendor": connection.vendor,
        "database": settings_dict["NAME"]
        if connection.vendor == "postgresql"
        else Path(settings_dict["NAME"]).name,
        "tool": version,
        "file": dump.name,
        "sha256": sha256,
        "size": dump.stat().st_size,
        **facts,
    }
    result = Backup(dump, sha256, manifest)
    result.checksum_file.write_text(f"{sha256}  {dump.name}\n")
    result.manifest_file.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return result


def read(dump: Path) -> Backup:
    """The backup at `dump`, after checking the file against its manifest and checksum file."""
    manifest_file = dump.with_name(dump.name + ".json")
    checksum_file = dump.with_name(dump.name + ".sha256")
    if not dump.exists():
        raise BackupError(f"{dump} がありません。")
    if not manifest_file.exists() or not checksum_file.exists():
        raise BackupError(f"{dump.name} の .json（内容）と .sha256（チェックサム）が同じフォルダに必要です。")
    manifest = json.loads(manifest_file.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{manifest_file.name} はこのポータルのバックアップの内容ファイルではありません。")
    actual = file_sha256(dump)
    listed = checksum_file.read_text().split()[0]
    if not actual == manifest["sha256"] == listed:
        raise BackupError(
            f"{dump.name} のチェックサムが一致しません（壊れているか、書き換えられています）。復元しません。"
        )
    return Backup(dump, actual, manifest)


def cursor_for(target: dict):
    """A cursor on the database `target` names (a DATABASES entry), outside Django's connections."""
    if target["ENGINE"] == "django.db.backends.sqlite3":
        return sqlite3.connect(target["NAME"]).cursor()
    connection = psycopg.connect(
        dbname=target["NAME"],
        host=target.get("HOST") or None,
        port=target.get("PORT") or None,
        user=target.get("USER") or None,
        password=target.get("PASSWORD") or None,
        autocommit=True,
    )
    return connection.cursor()


def _pg_is_empty(target: dict) -> bool:
    try:
        cursor = cursor_for(target)
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    except psycopg.Error as error:
        raise BackupError(f"復元先のデータベースに接続できません: {error}") from error
    return cursor.fetchone()[0] == 0


def restore(backup_: Backup, *, target: dict) -> None:
    """Loads the backup into `target` (a DATABASES entry: dj_database_url.parse of the URL), which must
    be empty: a restore never writes over data."""
    vendor = backup_.manifest["vendor"]
    if vendor == "postgresql":
        if target["ENGINE"] != "django.db.backends.postgresql":
            raise BackupError("PostgreSQL のバックアップは PostgreSQL に復元してください。")
        env = pg_environment(target)
        if not _pg_is_empty(target):
            raise BackupError(
                f"復元先のデータベース {target['NAME']} は空ではありません。空のデータベースを作ってください。"
            )
        tool = shutil.which("pg_restore")
        if tool is None:
            raise BackupError("pg_restore がありません（Debian: apt-get install postgresql-client）。")
        completed = subprocess.run(  # noqa: S603
            [tool, "--no-password", "--exit-on-error", "--no-owner", "-d", target["NAME"], str(backup_.dump)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise BackupError(f"pg_restore が失敗しました: {completed.stderr.strip()}")
    elif vendor == "sqlite":
        path = Path(target["NAME"])
        if path.exists() and path.stat().st_size:
            raise BackupError(f"復元先のファイル {path} がすでにあります。")
        shutil.copyfile(backup_.dump, path)
    else:
        raise BackupError(f"{vendor} のバックアップには対応していません。")


def compare(backup_: Backup, cursor) -> list[str]:
    """What differs between the manifest and the restored database behind `cursor` (none: [])."""
    facts = _facts(cursor)
    differences = []
    for table, count in backup_.manifest["counts"].items():
        if facts["counts"].get(table) != count:
            differences.append(f"{table}: {facts['counts'].get(table)} rows, the backup had {count}")
    if facts["chain_heads"] != backup_.manifest["chain_heads"]:
        differences.append("audit_chainhead: the chain heads differ from the backup's")
    if facts["migrations"] != backup_.manifest["migrations"]:
        differences.append("django_migrations: the applied migrations differ from the backup's")
    return differences
