"""`make bench` prints the lines the issues ask for (at a tiny scale, so that the suite stays short).

The benchmarks run against the test database like the real ones run against theirs: the import in a forked
child, the API under a gunicorn of its own. What is checked is that every line is there and well formed, and
that nothing failed on the way (no import row refused, no API or floor request answered with an error); the
figures themselves are the benchmark's business, not the suite's.
"""

from __future__ import annotations

import os
import re

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NUMBER = r"[0-9]+(\.[0-9]+)?"


def lines_of(module) -> dict[str, str]:
    """`bench name: value` and `ratio name: value` lines, by name."""
    found = {}
    for line in module.run():
        match = re.match(r"^(bench|ratio) ([a-z0-9_]+): (.*)$", line)
        assert match, f"not a bench line: {line!r}"
        found[match.group(2)] = match.group(3)
    return found


def test_the_import_bench_prints_its_ratio_memory_and_write_floor(monkeypatch):
    from bench import ingest

    monkeypatch.setenv("BENCH_ROWS", "300")
    found = lines_of(ingest)
    assert found["ingest_persons"] == "300"
    rows = int(found["ingest_rows"])
    assert found["ingest_status"] == f"succeeded ({rows} rows, 0 failed)"
    for name in (
        "ingest_seconds",
        "copy_seconds",
        "ingest_vs_copy",
        "ingest_peak_rss_mb",
        "write_floor_vs_copy",
        "ingest_vs_write_floor",
        "check_plus_write_floor_vs_write_floor",
    ):
        assert re.fullmatch(NUMBER, found[name]), name
    assert re.fullmatch(rf"{NUMBER} \(a dry run: validated\)", found["ingest_check_seconds"])
    floor = found["write_floor_seconds"]
    assert re.fullmatch(rf"{NUMBER} \(of which the commit's foreign-key checks {NUMBER}\)", floor)


def test_the_api_bench_prints_its_ratio_p99_and_floors_with_no_errors(monkeypatch):
    from bench import eligibility_api

    for name, value in (
        ("PERSONS", "2000"),
        ("CASELOAD", "100"),
        ("SECONDS", "1"),
        ("ROUNDS", "1"),
        ("WORKERS", "1"),
        ("THREADS", "4"),
    ):
        monkeypatch.setenv(f"BENCH_API_{name}", value)
    found = lines_of(eligibility_api)
    assert re.fullmatch(rf"{NUMBER} \(p99 {NUMBER} ms, errors 0\)", found["bare_json_rps"])
    assert re.match(r"[0-9]+ \(errors 0;", found["eligibility_api_rps"])
    assert re.fullmatch(rf"{NUMBER} \(per round: {NUMBER}\)", found["eligibility_api_vs_bare"])
    assert re.fullmatch(NUMBER, found["eligibility_api_p99_ms"])
    assert re.fullmatch(NUMBER, found["eligibility_api_vs_card_floor"])
    for floor in ("log_row_vs_bare", "log_row_and_card_vs_bare"):
        assert re.fullmatch(rf"{NUMBER} \(floor: [0-9]+ rps, errors 0\)", found[floor]), floor


def test_the_kanji_search_bench_prints_its_median_from_the_index(monkeypatch):
    from bench import person_search

    monkeypatch.setenv("BENCH_SEARCH_PERSONS", "3000")
    found = lines_of(person_search)
    assert found["person_search_persons"].startswith("3000 ")
    assert re.fullmatch(
        rf"{NUMBER} \(median of 50; p90 {NUMBER} ms; [0-9]+–[0-9]+ persons found; (index|table scan)\)",
        found["person_search_kanji_ms"],
    )


def test_the_office_master_bench_prints_its_time_and_its_copy_floor(monkeypatch):
    from bench import office_master

    monkeypatch.setenv("BENCH_OFFICES", "500")
    found = lines_of(office_master)
    assert re.fullmatch(rf"{NUMBER} \(500 offices added\)", found["office_master_import_s"])
    assert re.fullmatch(NUMBER, found["office_master_import_vs_copy_floor"])
    assert re.fullmatch(
        rf"{NUMBER} \(updated [0-9]+, unchanged [0-9]+, not seen [1-9][0-9]*\)",
        found["office_master_update_s"],
    )


def test_the_access_history_bench_prints_the_page_over_24_partitions_and_a_months_verification(monkeypatch):
    from bench import access_history

    monkeypatch.setenv("BENCH_ACCESS_LOG_ROWS", "24000")
    monkeypatch.setattr(access_history, "RUNS", 5)
    found = lines_of(access_history)
    assert re.fullmatch(
        r"24000 in 24 monthly partitions \(made and loaded in [0-9]+ s\)", found["access_log_rows"]
    )
    assert (
        found["access_history_20m_ms"].startswith(tuple("0123456789"))
        and "median of 5" in found["access_history_20m_ms"]
    )
    assert re.fullmatch(rf"{NUMBER} \([1-9][0-9]* rows of [0-9-]+, .+\)", found["audit_verify_month_s"])


def test_the_card_bench_prints_the_server_and_end_to_end_medians(monkeypatch, settings):
    from bench import card

    monkeypatch.setattr(card, "RUNS", 3)
    monkeypatch.setattr(card, "WARM_UP", 1)
    found = lines_of(card)
    assert re.fullmatch(NUMBER, found["card_verify_server_ms"])
    # CI runs pcscd, so there the whole chain must run; elsewhere the line may say why it was skipped.
    end_to_end = NUMBER if os.environ.get("CI") == "true" else rf"{NUMBER}|skipped \(.+\)"
    assert re.fullmatch(end_to_end, found["card_verify_end_to_end_ms"])


TINY = {
    "BENCH_ROWS": "300",
    "BENCH_API_PERSONS": "2000",
    "BENCH_API_CASELOAD": "100",
    "BENCH_API_SECONDS": "1",
    "BENCH_API_ROUNDS": "1",
    "BENCH_API_WORKERS": "1",
    "BENCH_API_THREADS": "4",
    "BENCH_SEARCH_PERSONS": "3000",
    "BENCH_CARD_RUNS": "3",
    "BENCH_CAREPLAN_RUNS": "2",
    "BENCH_CAREPLAN_PERSONS": "10",
    "BENCH_OFFICES": "300",
    "BENCH_ACCESS_LOG_ROWS": "24000",
    "BENCH_LOAD_PERSONS": "3000",
    "BENCH_LOAD_OFFICES": "5",
    "BENCH_LOAD_APPLICATIONS": "300",
    "BENCH_LOAD_LOG_ROWS": "2000",
    "BENCH_LOAD_CARE_MANAGERS": "3",
    "BENCH_LOAD_CLERKS": "2",
    "BENCH_LOAD_CLINICS": "1",
    "BENCH_LOAD_PERSON_USERS": "1",
    "BENCH_LOAD_SECONDS": "6",
    "BENCH_LOAD_SINGLE_SECONDS": "5",  # long enough for a loaded CI machine to start the user and open its pages
    "BENCH_LOAD_IMPORT_ROWS": "100",
    "BENCH_LOAD_WORKERS": "1",
    "BENCH_LOAD_WAIT_MIN": "0.1",  # every page of every role is opened within the few seconds
    "BENCH_LOAD_WAIT_MAX": "0.6",
    "BENCH_LOAD_RAMP_SECONDS": "1",
    "BENCH_LOAD_IMPORT_AFTER": "0",
}


def test_make_bench_runs_whole_in_one_command():
    """`make bench` as the README gives it (`python -m bench`: every benchmark, one process), at a tiny
    scale, on a database of its own: every benchmark starts from the migrated state, so none meets what
    another left, and every figure is printed."""
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/kaigo_bench_whole"
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "bench"],
        cwd=root,
        env={**os.environ, **TINY, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    names = set(re.findall(r"^(?:bench|ratio) ([a-z0-9_]+):", done.stdout, re.MULTILINE))
    assert {
        "ingest_status",
        "ingest_vs_copy",
        "write_floor_vs_copy",
        "eligibility_api_rps",
        "eligibility_api_vs_bare",
        "log_row_and_card_vs_bare",
        "eligibility_api_vs_card_floor",
        "door_vs_card_floor",
        "eligibility_api_vs_door",
        "ingest_vs_write_floor",
        "check_plus_write_floor_vs_write_floor",
        "person_search_kanji_ms",
        "card_verify_server_ms",
        "card_verify_end_to_end_ms",
        "careplan_unit_import_ms",
        "office_master_import_s",
        "office_master_import_vs_copy_floor",
        "office_master_update_s",
        "access_log_rows",
        "access_history_20m_ms",
        "audit_verify_month_s",
        "load_cm_caseload",
        "load_clerk_search",
        "load_clinic_requests",
        "load_person_access_log",
        "load_p95_vs_single_cm_person",
        "load_sessions",
        "load_rps",
        "load_errors",
        "load_p95_vs_single",
        "load_import",
    } <= names, done.stdout
    assert re.search(r"^bench ingest_status: succeeded \([0-9]+ rows, 0 failed\)$", done.stdout, re.MULTILINE)
    assert not re.search(r"errors [1-9]", done.stdout), done.stdout
    assert re.search(r"^bench load_errors: 0$", done.stdout, re.MULTILINE), done.stdout
    assert re.search(r"^bench load_import: succeeded, [0-9]+ rows", done.stdout, re.MULTILINE), done.stdout
