"""Every write of eligibility data: import jobs (the rows themselves are written by the pipeline)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from kaigo_portal import runlock
from kaigo_portal.accounts.models import Organisation
from kaigo_portal.errors import ApplicationError, is_unavailable, unless_away
from kaigo_portal.validators import clean_file_name

from .imports import pipeline
from .models import (
    CertificationVersion,
    ImportFormat,
    ImportJob,
    ImportMode,
    ImportStatus,
    InsuredPerson,
    PersonVersion,
)

logger = logging.getLogger(__name__)


def progress_key(job_id: int) -> str:
    return f"eligibility:import:{job_id}"


def import_progress(job: ImportJob) -> dict:
    """What the progress bar shows: the cache while the job runs, the row once it is done."""
    live = _progress_get(job.pk) if not job.is_finished else None
    if live:
        return {"status": job.status, **live, "total": job.rows_total or None}
    return {
        "status": job.status,
        "phase": "done" if job.is_finished else "queued",
        "done": job.rows_total,
        "failed": job.rows_failed,
        "total": job.rows_total,
    }


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def import_job_create(
    *, insurer: Organisation, upload, file_format: str, mode: str, uploaded_by: str
) -> ImportJob:
    """Stores the upload and queues the job. A file already committed for this insurer is not queued
    again: the new job says so and changes nothing."""
    if file_format not in ImportFormat.values:
        raise ApplicationError(
            "形式は csv または jsonl です。",
            code="import.format",
            fields={"format": ["csv または jsonl を指定してください。"]},
        )
    if mode not in ImportMode.values:
        raise ApplicationError(
            "モードは dry_run または commit です。",
            code="import.mode",
            fields={"mode": ["dry_run または commit を指定してください。"]},
        )
    if upload.size > settings.KAIGO_IMPORT_MAX_BYTES:
        raise ApplicationError(
            f"ファイルが大きすぎます（上限 {settings.KAIGO_IMPORT_MAX_BYTES // 1_000_000} MB）。",
            code="import.too_large",
            status=413,
        )
    if upload.size == 0:
        raise ApplicationError(
            "ファイルが空です。", code="import.empty", fields={"file": ["空のファイルです。"]}
        )
    head = next(upload.chunks(8192), b"")
    upload.seek(0)
    if b"\x00" in head:
        raise ApplicationError(
            "テキストファイル（CSV または JSON Lines）ではありません。",
            code="import.not_text",
            fields={"file": ["バイナリファイルは取り込めません。"]},
        )
    sha256 = _sha256(upload)
    earlier = ImportJob.objects.filter(
        insurer=insurer, sha256=sha256, mode=ImportMode.COMMIT, status=ImportStatus.SUCCEEDED
    ).first()
    job = ImportJob(
        insurer=insurer,
        uploaded_by=uploaded_by,
        file_name=clean_file_name(upload.name),
        sha256=sha256,
        format=file_format,
        mode=mode,
    )
    if earlier is not None and mode == ImportMode.COMMIT:
        job.status = ImportStatus.DUPLICATE
        job.rows_total = earlier.rows_total
        job.message = f"同じファイルは取込 #{earlier.pk}（{timezone.localtime(earlier.finished_at):%Y-%m-%d %H:%M}）で取込済みです。何も変更していません。"
        job.finished_at = timezone.now()
    with transaction.atomic():
        job.file.save(f"{sha256[:16]}.{file_format}", upload, save=False)
        job.full_clean()
        job.save()
        if job.status == ImportStatus.QUEUED:
            transaction.on_commit(lambda: _enqueue(job.pk))
    logger.info(
        "import job %s created: insurer=%s mode=%s status=%s",
        job.pk,
        insurer.insurer_number,
        mode,
        job.status,
    )
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import run_import

    run_import.delay(job_id)


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Runs a queued job (or one whose worker died): validates, and in commit mode applies all or nothing.

    Safe to deliver twice. The run holds the job's run lock (kaigo_portal.runlock) on PostgreSQL, so a
    second delivery waits for a run that may be alive. Under the lock, a finished job is left alone, and a
    job still marked running is one whose run died: it had applied nothing (the apply step is one
    transaction), so it runs again, once."""
    with runlock.held("eligibility.import", job_id):
        return _run(job_id)


def _run(job_id: int) -> ImportJob | None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("insurer").filter(pk=job_id).first()
        # Elsewhere than PostgreSQL nothing tells a dead run from a live one: a job marked running runs
        # again only when someone queues it again (import_job_retry, once its progress has stalled).
        died = job is not None and job.status == ImportStatus.RUNNING and connection.vendor == "postgresql"
        if job is None or not (job.status == ImportStatus.QUEUED or died):
            return job
        if died:
            logger.warning("import job %s: its earlier run died; running it again", job.pk)
        job.status, job.started_at, job.attempts = ImportStatus.RUNNING, timezone.now(), job.attempts + 1
        job.save(update_fields=["status", "started_at", "attempts"])

    def progress(values: dict) -> None:
        _progress_set(job.pk, {**values, "at": timezone.now().isoformat()})

    try:
        result = pipeline.run(job, progress=progress)
    except Exception as error:
        logger.exception("import job %s failed", job.pk)
        _record_failure(job, DATABASE_LOST if is_unavailable(error) else UNEXPECTED)
        raise
    _finish(job, result)
    _progress_delete(job.pk)
    return job


UNEXPECTED = "処理中に予期しないエラーが発生しました。運営者に連絡してください。"
DATABASE_LOST = (
    "処理中にデータベースとの接続が切れたため、取込を中断しました。このファイルの内容は何も反映されていません。"
    "しばらくしてから「再実行」してください。"
)


def _record_failure(job: ImportJob, message: str) -> None:
    """Marks the job failed. With the database away, waits for it (up to KAIGO_DB_RECOVERY_SECONDS), so
    that the job does not stay 'running' when the database comes back."""
    job.status, job.message, job.finished_at = ImportStatus.FAILED, message, timezone.now()
    deadline = time.monotonic() + settings.KAIGO_DB_RECOVERY_SECONDS
    pause = 0.5
    while True:
        try:
            job.save(update_fields=["status", "message", "finished_at"])
            return
        except (OperationalError, InterfaceError):
            connection.close()  # a new connection at the next try
            if time.monotonic() > deadline:
                logger.error("import job %s: could not record its failure, the database is away", job.pk)
                raise
            logger.warning("import job %s: waiting for the database to record its failure", job.pk)
            time.sleep(pause)
            pause = min(pause * 2, 10)


# Progress lives in the cache (Redis). Without Redis the import goes on and the page shows the job's row:
# progress is a convenience, never a reason to fail the work.


def _progress_set(job_id: int, values: dict) -> None:
    write = partial(cache.set, progress_key(job_id), values, timeout=24 * 3600)
    unless_away(write, note=f"import job {job_id}: progress not written")


def _progress_get(job_id: int) -> dict | None:
    return unless_away(lambda: cache.get(progress_key(job_id)))


def _progress_delete(job_id: int) -> None:
    unless_away(lambda: cache.delete(progress_key(job_id)))


def _finish(job: ImportJob, result: pipeline.Result) -> None:
    job.rows_total, job.rows_ok, job.rows_failed, job.warnings = (
        result.rows_total,
        result.rows_ok,
        result.rows_failed,
        result.warnings,
    )
    if result.errors_csv:
        job.errors_file.save(f"{job.pk}-errors.csv", ContentFile(result.errors_csv), save=False)
    if result.held_my_number:  # never kept at rest (docs/access-policy.md): the clerk uploads it again
        job.file.delete(save=False)
    if result.rows_failed:
        job.status = ImportStatus.REJECTED
        job.message = (
            f"{result.rows_failed} 行にエラーがあります。"
            + (
                "ファイルは取り込んでいません（全件取込または取込なし）。"
                if job.mode == ImportMode.COMMIT
                else ""
            )
            + (
                "マイナンバー（個人番号）と思われる番号を含むため、アップロードされたファイルは保存せず削除しました。"
                "該当のセルを直して、もう一度アップロードしてください。"
                if result.held_my_number
                else ""
            )
        )
    elif result.rows_total == 0:
        job.status, job.message = ImportStatus.REJECTED, "取り込むデータ行がありません。"
    elif job.mode == ImportMode.COMMIT:
        job.status, job.message = ImportStatus.SUCCEEDED, f"{result.rows_ok} 行を取り込みました。"
    else:
        job.status, job.message = (
            ImportStatus.VALIDATED,
            f"{result.rows_ok} 行を検証しました。エラーはありません（取り込んではいません）。",
        )
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "rows_total",
            "rows_ok",
            "rows_failed",
            "warnings",
            "errors_file",
            "file",
            "status",
            "message",
            "finished_at",
        ]
    )


_AWAY = object()


def import_job_is_stalled(job: ImportJob) -> bool:
    """A running job whose progress has not moved for KAIGO_IMPORT_STALL_SECONDS: its worker has died."""
    if job.status != ImportStatus.RUNNING:
        return False
    progress = unless_away(lambda: cache.get(progress_key(job.pk)) or {}, _AWAY)
    if progress is _AWAY:  # without Redis nobody can tell: not stalled, so never run twice
        return False
    last = progress.get("at") or (job.started_at.isoformat() if job.started_at else None)
    if last is None:
        return True
    quiet = timezone.now() - dt.datetime.fromisoformat(last)
    return quiet.total_seconds() > settings.KAIGO_IMPORT_STALL_SECONDS


def import_job_retry(*, job: ImportJob) -> ImportJob:
    """Queues again a job that failed, or whose worker died while it ran (it had applied nothing: the
    apply step is one transaction). A job that is still making progress cannot be queued twice."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not (job.status == ImportStatus.FAILED or import_job_is_stalled(job)):
            raise ApplicationError(
                "このジョブは再実行できません（完了済み、または処理中です）。",
                code="import.not_retryable",
                status=409,
            )
        if not job.file:
            raise ApplicationError(
                "取込ファイルは保存期間を過ぎたため削除されています。もう一度アップロードしてください。",
                code="import.file_purged",
                status=410,
            )
        job.status, job.message = ImportStatus.QUEUED, "再実行を待っています。"
        job.save(update_fields=["status", "message"])
        _progress_delete(job.pk)
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def search_fields_refresh_due(*, today: dt.date | None = None, days: int = 7) -> int:
    """Copies onto InsuredPerson the name, kana and birth date of person versions that took effect in the
    last `days` days (a change imported ahead of its date). Nightly; safe to run again."""
    today = today or timezone.localdate()
    due = (
        PersonVersion.objects.filter(
            effective_date__lte=today, effective_date__gt=today - dt.timedelta(days=days)
        )
        .values_list("person_id", flat=True)
        .distinct()
    )
    ids = sorted(set(due))
    pipeline.refresh_search_fields(ids, today=today)
    return len(ids)


def certification_version_add(
    *,
    person: InsuredPerson,
    care_level: str,
    certified_on: dt.date,
    valid_from: dt.date,
    valid_to: dt.date,
    panel_opinion: str = "",
    effective_date: dt.date | None = None,
) -> CertificationVersion:
    """Adds a 認定 to the card's history (a new version; nothing is overwritten). The certification app
    calls this with a 二次判定; imports write their rows through the pipeline."""
    latest = CertificationVersion.objects.filter(person=person).order_by("-effective_date", "-id").first()
    office = {}
    if latest is not None:  # the 居宅介護支援事業者 届出 carries over to the new certification
        office = {
            "care_plan_office_number": latest.care_plan_office_number,
            "care_plan_office_name": latest.care_plan_office_name,
            "care_plan_notified_on": latest.care_plan_notified_on,
        }
    version = CertificationVersion(
        person=person,
        care_level=care_level,
        certified_on=certified_on,
        valid_from=valid_from,
        valid_to=valid_to,
        panel_opinion=panel_opinion,
        effective_date=effective_date or certified_on,
        **office,
    )
    with transaction.atomic():
        version.full_clean()
        version.save()
    logger.info("certification version added: person=%s level=%s from=%s", person.pk, care_level, valid_from)
    return version


def certification_version_end(
    *, version: CertificationVersion, valid_to: dt.date, effective_date: dt.date
) -> CertificationVersion:
    """Shortens a 認定 (区分変更 decided): a new version of the same record with the earlier end."""
    changed = CertificationVersion(
        person=version.person,
        care_level=version.care_level,
        certified_on=version.certified_on,
        valid_from=version.valid_from,
        valid_to=valid_to,
        panel_opinion=version.panel_opinion,
        care_plan_office_number=version.care_plan_office_number,
        care_plan_office_name=version.care_plan_office_name,
        care_plan_notified_on=version.care_plan_notified_on,
        effective_date=effective_date,
    )
    with transaction.atomic():
        changed.full_clean()
        changed.save()
    return changed
