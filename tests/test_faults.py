"""Faults that production brings (issue 18, item 6), on a PostgreSQL cluster of the test's own.

The cluster is made with `initdb` in a temporary folder and served on a free port, so that stopping it never
touches the suite's database. The portal runs against it in real processes (gunicorn, `manage.py shell`),
as it runs in production:

- the database stopped under API load: every request answers a JSON 503 in seconds (never a hang, never a
  500 page); when the database is back, the same gunicorn workers serve again, without a restart;
- the database stopped in the middle of an import's apply step: the job is marked failed with a clear
  message once the database is back, nothing of it is applied, and a re-run applies it whole.

Redis stopped, and a worker killed mid-task, are in tests/test_faults_redis.py and
eligibility/tests/test_import_worker.py.
"""

from __future__ import annotations

import concurrent.futures
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import child_pids, free_port, require_tool

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def _pg_bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return str(Path(found[-1]).parent)
    initdb = shutil.which("initdb")
    return str(Path(initdb).parent) if initdb else None


class Cluster:
    """A PostgreSQL cluster of the test's own: initdb, start, stop (as the fault), start again."""

    def __init__(self, bindir: str):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="kaigo-faults-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/kaigo_fault"
        # PostgreSQL refuses to run as root: CI runs as root, so the cluster belongs to the postgres user.
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            os.chmod(self.root, 0o755)  # noqa: S103  (postgres must reach its own folder)
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(
            f"{self.bindir}/initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        self.start()
        self._run(
            f"{self.bindir}/createdb",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "kaigo_fault",
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            f"{self.bindir}/pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def stop(self, mode: str = "immediate") -> None:
        self._run(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)

    def query(self, sql: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=kaigo_fault") as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    bindir = _pg_bindir()
    require_tool(
        "initdb", hint="apt-get install postgresql (the server's binaries)", available=bindir is not None
    )
    cluster = Cluster(bindir)
    try:
        cluster.init()
        env = _env(cluster, tmp_path_factory.mktemp("faults-var"))
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        cluster.env = env
        yield cluster
    finally:
        cluster.destroy()


def _env(cluster: Cluster, var: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kaigo_portal.settings",
        "DATABASE_URL": cluster.url,
        "DEBUG": "false",
        "SECRET_KEY": "faults-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "KAIGO_VAR_DIR": str(var),
        "KAIGO_MEDIA_ROOT": str(var / "media"),
        "KAIGO_DB_CONNECT_TIMEOUT": "2",
        "KAIGO_CACHE_PREFIX": f"kaigo-faults-{os.getpid()}",
        "LOG_LEVEL": "WARNING",
    }
    if not env.get("REDIS_URL"):
        env.pop("REDIS_URL", None)
    return env


def _shell(
    cluster: Cluster, code: str, *, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Runs `code` in `manage.py shell` against the cluster; its last printed line is JSON."""
    return subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=cluster.env,
        check=check,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _last_json(completed: subprocess.CompletedProcess):
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- the database stopped under API load ---------------------------------------------------------------------


def _get(url: str, key: str) -> tuple[int, str, dict, float]:
    request = urllib.request.Request(url, headers={"Authorization": f"Api-Key {key}"})  # noqa: S310
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310  (our own test server)
            status, body, headers = response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, body, headers = error.code, error.read().decode(), dict(error.headers)
    return status, body, headers, time.monotonic() - start


def _load(urls: list[str], key: str) -> list[tuple[int, str, dict, float]]:
    """The URLs asked at once by 8 clients, as a city's systems would."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda url: _get(url, key), urls))


def test_the_database_stopped_under_api_load_answers_503_and_the_same_workers_serve_again(cluster):
    seeded = _last_json(
        _shell(
            cluster,
            (
                "import json; from bench.eligibility_api import _load; "
                "raw, numbers, _ = _load(200, 20); print(json.dumps([raw, numbers]))"
            ),
        )
    )
    key, numbers = seeded
    port = free_port()
    log = cluster.root / "gunicorn.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "-c",
                "python:kaigo_portal.gunicorn_conf",
                "kaigo_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--worker-class",
                "gthread",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=cluster.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        urls = [
            f"http://127.0.0.1:{port}/api/v1/persons/131011/{numbers[n % len(numbers)]}/eligibility/"
            for n in range(48)
        ]

        before = _load(urls, key)
        assert {answer[0] for answer in before} == {200}, log.read_text()[-3000:]
        workers = child_pids(server.pid)
        assert len(workers) == 2

        cluster.stop("immediate")
        during = _load(urls, key)
        assert {answer[0] for answer in during} == {503}, [answer[:2] for answer in during][:3]
        for _status, body, headers, seconds in during:
            assert headers["Content-Type"] == "application/json"
            assert json.loads(body)["error"]["code"] == "service_unavailable"
            assert headers["Retry-After"] == "30"
            assert seconds < 10  # answered, not hung on a connection that cannot be made

        cluster.start()
        after = _load(urls, key)
        assert {answer[0] for answer in after} == {200}, [answer[:2] for answer in after][:3]
        assert json.loads(after[0][1])["insured_number"] in numbers
        assert child_pids(server.pid) == workers  # the same workers: none restarted, none died
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


# --- the database stopped in the middle of an import ---------------------------------------------------------

PERSONS = 3000


def test_the_database_stopped_mid_import_fails_the_job_clearly_and_a_rerun_applies_it_whole(cluster):
    import psycopg

    job_id = _last_json(
        _shell(
            cluster,
            (
                "import json\n"
                "from django.core.files.uploadedfile import SimpleUploadedFile\n"
                "from eligibility import services\nfrom eligibility.imports import synthetic\n"
                "from kaigo_portal.accounts.models import Organisation, OrganisationKind\n"
                "insurer, _ = Organisation.objects.get_or_create(kind=OrganisationKind.INSURER, insurer_number='082024',"
                " defaults={'name': '日立市', 'prefecture': '08', 'go_live_date': '2026-04-01'})\n"
                f"content = synthetic.csv_bytes('082024', {PERSONS})\n"
                "job = services.import_job_create(insurer=insurer, upload=SimpleUploadedFile('x.csv', content),"
                " file_format='csv', mode='commit', uploaded_by='faults')\n"
                "print(json.dumps(job.pk))\n"
            ),
        )
    )
    persons = "SELECT count(*) FROM eligibility_insuredperson p JOIN accounts_organisation o ON o.id = p.insurer_id WHERE o.insurer_number = '082024'"

    # The test holds the person-version table, so that the import is sure to stand inside its apply
    # transaction (its persons written, their versions waiting) when the database goes away.
    holder = psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=postgres dbname=kaigo_fault")
    holder.execute("LOCK TABLE eligibility_personversion IN SHARE MODE")
    run = subprocess.Popen(
        [
            PYTHON,
            "manage.py",
            "shell",
            "-c",
            f"from eligibility import services\nservices.import_job_run(job_id={job_id})",
        ],
        cwd=ROOT,
        env={**cluster.env, "KAIGO_DB_RECOVERY_SECONDS": "120"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        waiting = []
        while time.monotonic() < deadline and not waiting:
            waiting = holder.execute(
                "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'eligibility_personversion' AND NOT l.granted"
            ).fetchall()
            time.sleep(0.1)
        assert waiting, "the import never reached its apply step"
        cluster.stop("immediate")  # the database goes away (the holder's connection with it)
        time.sleep(3)  # the import notices, and waits to record its failure
        assert run.poll() is None, run.stderr
        cluster.start()
        _out, err = run.communicate(timeout=120)
    finally:
        holder.close()
        if run.poll() is None:
            run.kill()
    assert run.returncode != 0  # the task fails (and is not acknowledged as done)
    assert "waiting for the database to record its failure" in err
    [(status, message, attempts)] = cluster.query(
        "SELECT status, message, attempts FROM eligibility_importjob WHERE id = %s", job_id
    )
    assert (status, attempts) == ("failed", 1)
    assert message.startswith("処理中にデータベースとの接続が切れたため、取込を中断しました。")
    assert "何も反映されていません" in message
    assert cluster.query(persons) == [(0,)]  # nothing half applied

    rerun = _last_json(
        _shell(
            cluster,
            (
                "import json\nfrom kaigo_portal.celery import app\napp.conf.task_always_eager = True\n"
                "from eligibility import services\nfrom eligibility.models import ImportJob\n"
                f"services.import_job_retry(job=ImportJob.objects.get(pk={job_id}))\n"
                f"job = ImportJob.objects.get(pk={job_id})\n"
                "print(json.dumps([job.status, job.attempts, job.rows_failed, job.rows_ok == job.rows_total]))\n"
            ),
        )
    )
    assert rerun == ["succeeded", 2, 0, True]
    assert cluster.query(persons) == [(PERSONS,)]
    assert cluster.query(
        "SELECT count(*) FROM eligibility_personversion v JOIN eligibility_insuredperson p ON p.id = v.person_id JOIN accounts_organisation o ON o.id = p.insurer_id WHERE o.insurer_number = '082024'"
    ) == [(PERSONS,)]
