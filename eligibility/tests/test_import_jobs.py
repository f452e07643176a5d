"""Import jobs: dry run against commit, all or nothing, idempotent re-upload, the API, the screens."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection

from eligibility import selectors, services
from eligibility.imports import synthetic
from eligibility.models import (
    BurdenRatioVersion,
    CertificationVersion,
    ImportJob,
    InsuredPerson,
    PersonVersion,
)
from eligibility.tests.importing import CERTIFICATION, PERSON, RATIO, csv_file, issues_of, run_job, upload
from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (InsuredPerson, PersonVersion, CertificationVersion, BurdenRatioVersion)
    )


def test_dry_run_validates_and_applies_nothing_then_commit_applies(orgs):
    content = synthetic.csv_bytes("131011", 30)
    dry = run_job(orgs["chiyoda"], content, mode="dry_run")
    assert (dry.status, dry.rows_failed) == ("validated", 0)
    assert "取り込んではいません" in dry.message
    assert counts() == (0, 0, 0, 0)
    committed = run_job(orgs["chiyoda"], content)
    assert committed.status == "succeeded"
    persons, versions, certifications, ratios = counts()
    assert persons == versions == ratios == 30 and 0 < certifications < 30
    assert committed.rows_ok == committed.rows_total == persons + certifications + ratios


def test_one_bad_row_keeps_the_whole_file_out(orgs):
    rows = list(synthetic.rows("131011", 20))
    rows[-1] = rows[-1] | {"valid_to": "2027-07-30"}
    from eligibility.tests.importing import HEADER

    content = csv_file([{key: row.get(key, "") for key in HEADER} for row in rows])
    job = run_job(orgs["chiyoda"], content)
    assert job.status == "rejected" and job.rows_failed == 1
    assert "取り込んでいません" in job.message
    assert counts() == (0, 0, 0, 0)


def test_a_cell_holding_a_my_number_is_refused_and_neither_the_file_nor_the_error_list_keeps_it(orgs):
    content = csv_file([PERSON | {"address": "東京都千代田区 個人番号１２３４５６７８９０１８"}])
    job = run_job(orgs["chiyoda"], content)
    assert job.status == "rejected" and job.rows_failed == 1
    assert "マイナンバー" in job.message and not job.file  # the upload is not kept
    [issue] = issues_of(job)
    assert issue[1:5] == ["address", "（表示しません）", "my_number.in_text", issue[4]]
    assert "個人番号" in issue[4] and "１２３４５６７８９０１８" not in job.errors_file.open(
        "rb"
    ).read().decode("utf-8-sig")
    assert counts() == (0, 0, 0, 0)


def test_uploading_the_same_file_again_changes_nothing_and_says_so(orgs):
    content = synthetic.csv_bytes("131011", 10)
    first = run_job(orgs["chiyoda"], content)
    before = counts()
    again = services.import_job_create(
        insurer=orgs["chiyoda"], upload=upload(content), file_format="csv", mode="commit", uploaded_by="test"
    )
    assert again.status == "duplicate"
    assert f"取込 #{first.pk}" in again.message and "何も変更していません" in again.message
    services.import_job_run(job_id=again.pk)
    assert counts() == before


def test_a_dry_run_of_a_committed_file_still_runs_and_reports_what_exists(orgs):
    content = csv_file([PERSON])
    run_job(orgs["chiyoda"], content)
    dry = run_job(orgs["chiyoda"], content, mode="dry_run")
    assert [issue[3] for issue in issues_of(dry)] == ["record.exists"]


def test_change_and_delete_keep_history_and_answer_as_of(orgs):
    run_job(orgs["chiyoda"], csv_file([PERSON, CERTIFICATION, RATIO]))
    moved = PERSON | {
        "action": "change",
        "effective_date": "2026-10-01",
        "address": "東京都千代田区九段南一丁目2番",
    }
    raised = RATIO | {"action": "change", "effective_date": "2026-12-01", "ratio": "2"}
    ended = CERTIFICATION | {
        "action": "delete",
        "effective_date": "2027-01-15",
        "care_level": "",
        "certified_on": "",
        "valid_to": "",
    }
    job = run_job(orgs["chiyoda"], csv_file([moved, raised, ended]))
    assert job.status == "succeeded", issues_of(job)
    person = InsuredPerson.objects.get()
    assert selectors.card_as_of(person, dt.date(2026, 9, 30)).identity.address == PERSON["address"]
    assert selectors.card_as_of(person, dt.date(2026, 10, 1)).identity.address == moved["address"]
    assert selectors.card_as_of(person, dt.date(2026, 11, 30)).burden_ratio.ratio == 1
    assert selectors.card_as_of(person, dt.date(2026, 12, 1)).burden_ratio.ratio == 2
    assert selectors.card_as_of(person, dt.date(2027, 1, 14)).certification.care_level == "22"
    assert selectors.card_as_of(person, dt.date(2027, 1, 15)).certification is None
    assert [v.deleted for v in selectors.history(CertificationVersion, person)] == [False, True]
    assert PersonVersion.objects.filter(person=person).count() == 2


def test_search_fields_follow_the_latest_person_version(orgs):
    run_job(orgs["chiyoda"], csv_file([PERSON]))
    run_job(
        orgs["chiyoda"],
        csv_file(
            [
                PERSON
                | {
                    "action": "change",
                    "effective_date": "2026-06-01",
                    "name": "介護　花",
                    "name_kana": "カイゴ　ハナ",
                }
            ]
        ),
    )
    assert InsuredPerson.objects.values_list("name", "name_kana").get() == ("介護　花", "カイゴ　ハナ")


def test_the_benefit_limit_master_is_loaded():
    from eligibility.models import BenefitLimit

    units = dict(
        BenefitLimit.objects.filter(effective_from=dt.date(2019, 10, 1)).values_list("care_level", "units")
    )
    assert units == {"12": 5032, "13": 10531, "21": 16765, "22": 19705, "23": 27048, "24": 30938, "25": 36217}


# --- the API ---------------------------------------------------------------------------------------------


def key_for(org, scope=ApiScope.IMPORTS) -> str:
    return api_key_create(organisation=org, scope=scope, name="介護保険事務システム", by=None)[1]


def post(client, raw_key, content, **data):
    return client.post(
        "/api/v1/imports/",
        {"file": upload(content), "format": "csv", "mode": "commit", **data},
        HTTP_AUTHORIZATION=f"Api-Key {raw_key}",
    )


def test_api_upload_returns_202_and_a_status_url(client, orgs, django_capture_on_commit_callbacks):
    raw = key_for(orgs["chiyoda"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, raw, csv_file([PERSON, RATIO | {"ratio": "7"}]))
    assert response.status_code == 202
    body = response.json()
    job = ImportJob.objects.get()
    assert body["id"] == job.pk and body["status"] == "queued"
    assert body["status_url"] == f"http://testserver/api/v1/imports/{job.pk}/"
    status = client.get(body["status_url"], HTTP_AUTHORIZATION=f"Api-Key {raw}").json()
    assert status == {
        "id": job.pk,
        "status": "rejected",
        "mode": "commit",
        "format": "csv",
        "file_name": "import.csv",
        "message": "1 行にエラーがあります。ファイルは取り込んでいません（全件取込または取込なし）。",
        "rows": {"total": 2, "done": 2, "ok": 1, "failed": 1, "warnings": 0},
        "phase": "done",
        "created_at": job.created_at.isoformat(),
        "finished_at": status["finished_at"],
        "status_url": body["status_url"],
        "errors_url": f"http://testserver/api/v1/imports/{job.pk}/errors.csv",
    }
    errors = client.get(status["errors_url"], HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert errors.status_code == 200 and errors["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(errors.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "行,項目,値,コード,内容,種別,項目名"
    assert text.splitlines()[1].startswith("3,ratio,7,code.unknown,")


@pytest.mark.parametrize(
    ("field", "value", "code"), [("format", "xlsx", "invalid"), ("mode", "now", "invalid")]
)
def test_api_refuses_bad_parameters(client, orgs, field, value, code):
    response = post(client, key_for(orgs["chiyoda"]), csv_file([PERSON]), **{field: value})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code and field in response.json()["error"]["fields"]


def test_api_refuses_binary_and_empty_files(client, orgs):
    raw = key_for(orgs["chiyoda"])
    binary = post(client, raw, b"PK\x03\x04\x00\x00binary")
    assert binary.status_code == 400 and binary.json()["error"]["code"] == "import.not_text"
    empty = post(client, raw, b"")
    assert empty.status_code == 400
    assert not ImportJob.objects.exists()


def test_api_refuses_keys_of_other_scopes_and_offices(client, orgs):
    assert post(client, key_for(orgs["kyotaku"], ApiScope.READ), csv_file([PERSON])).status_code == 403
    assert post(client, key_for(orgs["chiyoda"], ApiScope.OPINIONS), csv_file([PERSON])).status_code == 403
    assert client.post("/api/v1/imports/", {}).status_code == 401


def test_an_insurer_sees_only_its_own_jobs_and_imports_only_its_own_persons(
    client, orgs, django_capture_on_commit_callbacks
):
    chiyoda, hitachi = key_for(orgs["chiyoda"]), key_for(orgs["hitachi"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, hitachi, csv_file([PERSON]))  # rows name 千代田区 (131011)
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.insurer == orgs["hitachi"] and job.status == "rejected"
    assert [issue[3] for issue in issues_of(job)] == ["insurer.not_own"]
    assert not InsuredPerson.objects.exists()
    assert (
        client.get(f"/api/v1/imports/{job.pk}/", HTTP_AUTHORIZATION=f"Api-Key {chiyoda}").status_code == 404
    )
    assert (
        client.get(
            f"/api/v1/imports/{job.pk}/errors.csv", HTTP_AUTHORIZATION=f"Api-Key {chiyoda}"
        ).status_code
        == 404
    )


# --- the screens -----------------------------------------------------------------------------------------


def test_municipal_staff_upload_watch_and_read_the_errors(
    login, cast, orgs, django_capture_on_commit_callbacks
):
    client = login(cast["alice"])
    assert "データ取込（千代田区）" in client.get("/imports/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/imports/",
            {"file": upload(csv_file([PERSON, RATIO | {"ratio": "9"}])), "format": "csv", "mode": "dry_run"},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert (
        "エラーあり（取込なし）" in page
        and "<td>利用者負担の割合</td>" in page  # the column in Japanese
        and "エラー・警告の一覧をダウンロード" in page
        and 'href="/imports/format/"' in page
    )
    assert "code.unknown" not in page and "<td>ratio</td>" not in page  # codes are the CSV's, for machines
    assert "?sort=field" in page
    by_field = client.get(f"/imports/{job.pk}/", {"sort": "field"}).content.decode()
    assert "並べ替え：項目順" in by_field
    form = client.get("/imports/format/").content.decode()
    assert "利用者負担の割合" in form and "<code>burden_ratio</code>" in form
    progress = client.get(f"/imports/{job.pk}/progress.json").json()
    assert progress["finished"] is True and progress["status"] == "rejected"
    assert client.get(f"/imports/{job.pk}/errors.csv").status_code == 200


def test_progress_comes_from_the_cache_while_a_job_runs(login, cast, orgs):
    from django.core.cache import cache

    job = services.import_job_create(
        insurer=orgs["chiyoda"],
        upload=upload(csv_file([PERSON])),
        file_format="csv",
        mode="commit",
        uploaded_by="test",
    )
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    cache.set(services.progress_key(job.pk), {"phase": "validate", "done": 4000, "failed": 3})
    progress = login(cast["alice"]).get(f"/imports/{job.pk}/progress.json").json()
    assert (progress["phase"], progress["done"], progress["failed"], progress["finished"]) == (
        "validate",
        4000,
        3,
        False,
    )


@pytest.mark.parametrize("name", ["hank", "bob", "carol", "pat", "pia", "olive"])
def test_other_users_cannot_see_or_upload(login, cast, orgs, name):
    job = run_job(orgs["chiyoda"], csv_file([PERSON]))
    client = login(cast[name])
    expected = 404 if name == "hank" else 403
    assert client.get(f"/imports/{job.pk}/").status_code == expected
    assert client.get(f"/imports/{job.pk}/errors.csv").status_code == expected
    if name != "hank":
        assert client.get("/imports/").status_code == 403


def test_a_failed_job_can_be_queued_again_and_a_finished_one_cannot(
    login, cast, orgs, django_capture_on_commit_callbacks
):
    finished = run_job(orgs["chiyoda"], csv_file([RATIO | {"ratio": "9"}]))
    client = login(cast["alice"])
    refused = client.post(f"/imports/{finished.pk}/retry/", follow=True)
    assert "再実行できません" in refused.content.decode()
    job = services.import_job_create(
        insurer=orgs["chiyoda"],
        upload=upload(csv_file([PERSON])),
        file_format="csv",
        mode="commit",
        uploaded_by="test",
    )
    ImportJob.objects.filter(pk=job.pk).update(status="failed")  # as if its worker had crashed
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/retry/")
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 1)
    assert InsuredPerson.objects.count() == 1


def test_a_running_job_is_neither_run_twice_nor_queued_twice(
    orgs, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache
    from django.utils import timezone

    from kaigo_portal.errors import ApplicationError

    job = services.import_job_create(
        insurer=orgs["chiyoda"],
        upload=upload(csv_file([PERSON])),
        file_format="csv",
        mode="commit",
        uploaded_by="test",
    )
    ImportJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    if connection.vendor != "postgresql":  # there the run lock tells a live run from a dead one (below)
        services.import_job_run(job_id=job.pk)  # a redelivered message for a running job
        assert counts() == (0, 0, 0, 0)
    cache.set(services.progress_key(job.pk), {"phase": "apply", "done": 10, "at": timezone.now().isoformat()})
    with pytest.raises(ApplicationError, match="再実行できません"):
        services.import_job_retry(job=job)
    settings.KAIGO_IMPORT_STALL_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        services.import_job_retry(job=job)
    job.refresh_from_db()
    assert job.status == "succeeded" and counts()[0] == 1


def _running_job(insurer) -> ImportJob:
    """A job some run has marked running, made without queuing it (an eager queue would run it at once)."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    job = ImportJob(
        insurer=insurer,
        uploaded_by="t",
        file_name="x.csv",
        sha256="0" * 64,
        format="csv",
        mode="commit",
        status="running",
        attempts=1,
        started_at=timezone.now(),
    )
    job.file.save("running.csv", ContentFile(csv_file([PERSON])), save=False)
    job.save()
    return job


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_redelivered_message_waits_for_the_live_run_and_never_runs_the_job_twice(orgs):
    """Another process's live run holds the job's run lock: the second delivery waits for it to end, then
    finds the job finished and leaves it alone."""
    import threading

    import psycopg

    from kaigo_portal.runlock import _class_id

    job = _running_job(orgs["chiyoda"])
    db = connection.settings_dict
    live = psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        autocommit=True,
    )
    live.execute("SELECT pg_advisory_lock(%s, %s)", (_class_id("eligibility.import"), job.pk))
    second = threading.Thread(target=services.import_job_run, kwargs={"job_id": job.pk})
    try:
        second.start()
        second.join(timeout=1.5)
        assert second.is_alive()  # waiting for the live run
        ImportJob.objects.filter(pk=job.pk).update(status="succeeded")  # the live run ends
    finally:
        live.close()  # its session ends, and the lock with it
    second.join(timeout=30)
    assert not second.is_alive()
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 1)
    assert counts()[0] == 0  # the second delivery applied nothing


@pytest.mark.postgres
def test_a_job_left_running_by_a_dead_run_runs_again_once_on_its_redelivery(orgs):
    """No session holds the run lock: the run that marked the job running has died, so the message that
    comes back runs it."""
    job = _running_job(orgs["chiyoda"])
    services.import_job_run(job_id=job.pk)
    services.import_job_run(job_id=job.pk)  # delivered once more: finished, left alone
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 2)
    assert counts()[0] == 1


def test_the_person_page_shows_an_imported_deletion(login, cast, orgs):
    run_job(orgs["chiyoda"], csv_file([PERSON, CERTIFICATION]))
    ended = CERTIFICATION | {
        "action": "delete",
        "effective_date": "2027-01-15",
        "care_level": "",
        "certified_on": "",
        "valid_to": "",
    }
    assert run_job(orgs["chiyoda"], csv_file([ended])).status == "succeeded"
    response = login(cast["alice"]).get("/persons/131011/0000000001/")
    assert response.status_code == 200
    assert "削除" in response.content.decode()


def test_a_change_imported_ahead_of_its_date_becomes_searchable_on_that_date(orgs):
    from eligibility.tasks import refresh_search_fields

    run_job(orgs["chiyoda"], csv_file([PERSON]))
    later = PERSON | {
        "action": "change",
        "effective_date": "2027-01-10",
        "name": "介護　花江",
        "name_kana": "カイゴ　ハナエ",
    }
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)):
        run_job(orgs["chiyoda"], csv_file([later]))
        assert InsuredPerson.objects.values_list("name_kana", flat=True).get() == "カイゴ　ハナコ"
    with time_machine.travel(dt.datetime(2027, 1, 10, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=9)))):
        assert refresh_search_fields() == 1
    assert InsuredPerson.objects.values_list("name_kana", flat=True).get() == "カイゴ　ハナエ"
