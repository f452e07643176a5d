"""Every write of certification data: applications, progress steps, the decision and the survey."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import secrets

from django.db import transaction
from django.utils import timezone

from consent.services import consent_record_with_application
from eligibility import services as eligibility_services
from eligibility.models import CareLevel, CertificationVersion, InsuredPerson, PersonVersion
from eligibility.selectors import current_versions
from kaigo_portal import access
from kaigo_portal.access import Actor, Category
from kaigo_portal.accounts.models import Organisation, OrganisationKind, User
from kaigo_portal.errors import ApplicationError
from kaigo_portal.wareki import to_wareki_with_seireki

from . import rules, signals
from .models import (
    STEP_REQUIRES,
    Application,
    ApplicationKind,
    CertificateSubmission,
    EligibilityCertificate,
    Step,
    StepKind,
    Survey,
)
from .survey_form import survey_validate

logger = logging.getLogger(__name__)


def _current_certification(person: InsuredPerson, on: dt.date) -> CertificationVersion | None:
    versions = current_versions(CertificationVersion, person, on)
    return versions[-1] if versions else None


def _check_kind(person: InsuredPerson, kind: str, applied_on: dt.date) -> CertificationVersion | None:
    """§2.4: a renewal or a 区分変更 needs a certification in force; a renewal only in its window."""
    current = _current_certification(person, applied_on)
    if kind == ApplicationKind.NEW:
        if current is not None and current.care_level != CareLevel.NOT_APPLICABLE:
            raise ApplicationError(
                f"有効な認定（{to_wareki_with_seireki(current.valid_to)}まで）があります。更新または区分変更として申請してください。",
                code="certification.already_certified",
            )
        return None
    if kind == ApplicationKind.RENEWAL:
        # The latest certification, even when applied_on is past its expiry (then refused below).
        current = current or (
            CertificationVersion.objects.filter(person=person, deleted=False, valid_from__lte=applied_on)
            .order_by("-valid_to", "-id")
            .first()
        )
        if current is None:
            raise ApplicationError(
                "更新の元となる認定がありません。", code="certification.renewal_without_previous"
            )
        rules.check_renewal_window(applied_on=applied_on, expiry=current.valid_to)
        return current
    if current is None:
        raise ApplicationError(
            "区分変更は認定の有効期間中に申請してください。", code="certification.change_without_current"
        )
    return current


def application_create(
    *,
    person: InsuredPerson,
    kind: str,
    applied_on: dt.date,
    physician_institution_name: str,
    physician_name: str,
    consent_granted: bool | None,
    by: User | None,
    proxy_office: Organisation | None = None,
    physician_institution: Organisation | None = None,
    reference: str = "",
) -> Application:
    """申請受付: records the application with its 申請受付 step, and the 包括同意 answer through consent
    (a blank answer, None, records none)."""
    if kind not in ApplicationKind.values:
        raise ApplicationError("申請区分が正しくありません。", code="certification.kind")
    if applied_on > timezone.localdate():
        raise ApplicationError("申請日に未来の日付は指定できません。", code="certification.applied_in_future")
    if proxy_office is not None and proxy_office.kind != OrganisationKind.CARE_OFFICE:
        raise ApplicationError("代行申請できるのは介護事業所です。", code="certification.proxy_not_office")
    if physician_institution is not None and physician_institution.kind != OrganisationKind.CLINIC:
        raise ApplicationError(
            "主治医の医療機関を選んでください。", code="certification.physician_not_clinic"
        )
    with transaction.atomic():
        InsuredPerson.objects.select_for_update().filter(pk=person.pk).first()
        if Application.objects.filter(person=person, decided_on__isnull=True).exists():
            raise ApplicationError(
                "審査中の申請があります。結果が出てから申請してください。",
                code="certification.open_application",
            )
        previous = _check_kind(person, kind, applied_on)
        if reference and Application.objects.filter(person=person, reference=reference).exists():
            raise ApplicationError("この申請番号は登録済みです。", code="certification.reference_exists")
        application = Application(
            person=person,
            reference=reference,
            kind=kind,
            applied_on=applied_on,
            proxy_office=proxy_office,
            physician_institution=physician_institution,
            physician_institution_name=physician_institution_name
            or getattr(physician_institution, "name", ""),
            physician_name=physician_name,
            consent_granted=consent_granted,
            received_by=by,
            previous_valid_to=previous.valid_to if previous else None,
            previous_care_level=previous.care_level if previous else "",
        )
        application.full_clean()
        application.save()
        if not reference:
            application.reference = f"C{application.pk:08d}"
            application.save(update_fields=["reference"])
        Step.objects.create(
            application=application, kind=StepKind.RECEIVED, completed_on=applied_on, completed_by=by
        )
        if consent_granted is not None:
            consent_record_with_application(
                person=person,
                application_kind=kind,
                granted=consent_granted,
                by=by,
                reference=f"certification-{application.pk}",
            )
    logger.info("certification application: id=%s person=%s kind=%s", application.pk, person.pk, kind)
    return application


def _check_step(application: Application, kind: str, completed_on: dt.date) -> None:
    from .selectors import completed_steps

    done = completed_steps(application)
    label = StepKind(kind).label
    if kind in done:
        raise ApplicationError(f"「{label}」は完了済みです。", code="certification.step_done")
    missing = [StepKind(k).label for k in STEP_REQUIRES[kind] if k not in done]
    if missing:
        raise ApplicationError(
            f"「{label}」の前に「{'」「'.join(missing)}」を完了してください。",
            code="certification.step_order",
        )
    if completed_on > timezone.localdate():
        raise ApplicationError("完了日に未来の日付は指定できません。", code="certification.step_in_future")
    earliest = max([application.applied_on, *(done[k].completed_on for k in STEP_REQUIRES[kind])])
    if completed_on < earliest:
        raise ApplicationError(
            f"「{label}」の完了日は{to_wareki_with_seireki(earliest)}以降にしてください。",
            code="certification.step_date_order",
        )


def step_complete(
    *,
    application: Application,
    kind: str,
    completed_on: dt.date,
    by: User | None,
    panel_date: dt.date | None = None,
    source: str = "screen",
) -> Step:
    """Completes one progress step after the steps it needs. The decision goes through application_decide."""
    if kind == StepKind.SECONDARY_JUDGEMENT:
        raise ApplicationError(
            "二次判定は判定結果とともに登録してください。", code="certification.decide_separately"
        )
    if kind == StepKind.PANEL_ASSIGNED and panel_date is None:
        raise ApplicationError(
            "審査会開催予定日を入力してください。",
            code="certification.panel_date_required",
            fields={"panel_date": ["必須です。"]},
        )
    if panel_date is not None and panel_date < completed_on:
        raise ApplicationError(
            "審査会開催予定日は割付日以降にしてください。", code="certification.panel_date_order"
        )
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        _check_step(application, kind, completed_on)
        step = Step(
            application=application,
            kind=kind,
            completed_on=completed_on,
            completed_by=by,
            panel_date=panel_date if kind == StepKind.PANEL_ASSIGNED else None,
            source=source,
        )
        step.full_clean()
        step.save()
        step_id = step.pk
        transaction.on_commit(lambda: _notify_step(step_id))
        if kind == StepKind.OPINION_REQUESTED:
            application_id = application.pk
            transaction.on_commit(
                lambda: signals.opinion_requested.send(sender=Application, application_id=application_id)
            )
    logger.info("certification step: application=%s step=%s on=%s", application.pk, kind, completed_on)
    return step


def _notify_step(step_id: int) -> None:
    from .tasks import send_step_notice

    send_step_notice.delay(step_id)


def opinion_receive(*, application: Application, received_on: dt.date, by: User | None = None) -> Step:
    """意見書入手. The opinions app calls this when the 主治医意見書 arrives."""
    return step_complete(
        application=application,
        kind=StepKind.OPINION_RECEIVED,
        completed_on=received_on,
        by=by,
        source="opinions",
    )


def application_decide(
    *,
    application: Application,
    care_level: str,
    decided_on: dt.date,
    by: User | None,
    validity_months: int | None = None,
    panel_opinion: str = "",
) -> Application:
    """二次判定: the level, the 認定有効期間 and the 審査会意見; adds the result to the card's history."""
    if care_level not in CareLevel.values or care_level == CareLevel.JIGYOTAISHO:
        raise ApplicationError("要介護状態区分が正しくありません。", code="certification.care_level")
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        _check_step(application, StepKind.SECONDARY_JUDGEMENT, decided_on)
        valid_from = valid_to = None
        if care_level != CareLevel.NOT_APPLICABLE:
            level_changed = (
                bool(application.previous_care_level) and application.previous_care_level != care_level
            )
            months = validity_months or rules.standard_validity_months(application.kind)
            rules.check_validity_months(application.kind, months, level_changed=level_changed)
            valid_from = rules.effective_from(
                application.kind,
                applied_on=application.applied_on,
                previous_valid_to=application.previous_valid_to,
            )
            valid_to = rules.validity_end(valid_from, months)
        _record_decision(application, care_level, decided_on, valid_from, valid_to, panel_opinion, by)
    logger.info("certification decided: application=%s level=%s", application.pk, care_level)
    return application


def _record_decision(
    application: Application,
    care_level: str,
    decided_on: dt.date,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
    panel_opinion: str,
    by: User | None,
) -> None:
    """The decision on the application, its 二次判定 step and the card's new certification."""
    application.care_level, application.decided_on = care_level, decided_on
    application.valid_from, application.valid_to, application.panel_opinion = (
        valid_from,
        valid_to,
        panel_opinion,
    )
    application.full_clean()
    application.save(update_fields=["care_level", "decided_on", "valid_from", "valid_to", "panel_opinion"])
    step = Step.objects.create(
        application=application, kind=StepKind.SECONDARY_JUDGEMENT, completed_on=decided_on, completed_by=by
    )
    transaction.on_commit(lambda: _notify_step(step.pk))
    if valid_from is not None:
        if application.kind == ApplicationKind.CHANGE:
            _end_previous(application, ends=valid_from - dt.timedelta(days=1))
        eligibility_services.certification_version_add(
            person=application.person,
            care_level=care_level,
            certified_on=decided_on,
            valid_from=valid_from,
            valid_to=valid_to,
            panel_opinion=panel_opinion,
            effective_date=decided_on,
        )


# --- 受給資格証明書 (介護保険法 §36) -------------------------------------------------------------------------
CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from paper and typed again
TRANSFER_VALIDITY_MONTHS = 6  # what municipalities usually give a §36 certification [I] (docs/moves.md)


def certificate_issue(
    *, person: InsuredPerson, moved_out_on: dt.date, by: User | None
) -> EligibilityCertificate:
    """The old insurer certifies the certification in force on the day of the 転出."""
    current = _current_certification(person, moved_out_on)
    if current is None or current.care_level == CareLevel.NOT_APPLICABLE:
        raise ApplicationError(
            f"{to_wareki_with_seireki(moved_out_on)}に有効な要介護・要支援の認定がありません。"
            "受給資格証明書は認定を受けている方に交付します。",
            code="certification.nothing_to_certify",
        )
    number = "-".join(
        "".join(secrets.choice(CERTIFICATE_ALPHABET) for _ in range(4)) for _ in range(3)
    )  # 60 bits: not guessed
    certificate = EligibilityCertificate.objects.create(
        number=number,
        person=person,
        moved_out_on=moved_out_on,
        issued_on=timezone.localdate(),
        care_level=current.care_level,
        certified_on=current.certified_on,
        valid_from=current.valid_from,
        valid_to=current.valid_to,
        panel_opinion=current.panel_opinion,
        issued_by=by,
    )
    logger.info("eligibility certificate issued: id=%s person=%s", certificate.pk, person.pk)
    return certificate


def _previous_numbers(person: InsuredPerson) -> tuple[str, str]:
    """The old insurer's numbers that the new insurer's import gave for this person (転入)."""
    version = (
        PersonVersion.objects.filter(person=person, deleted=False)
        .exclude(previous_insured_number="")
        .order_by("-effective_date", "-id")
        .first()
    )
    return (version.previous_insurer_number, version.previous_insured_number) if version else ("", "")


def certificate_number(typed: str) -> str:
    """The number as printed (XXXX-XXXX-XXXX) from what was typed or imported: case, hyphens and spaces
    do not matter."""
    wanted = "".join(ch for ch in typed.upper() if ch.isalnum())
    return "-".join(wanted[i : i + 4] for i in range(0, len(wanted), 4))


CERTIFICATE_MISMATCH = (
    "この番号の受給資格証明書は、この方の転入前の記録（保険者番号・被保険者番号）と一致しません。"
    "証明書の番号と、転入前の番号の取込をご確認ください。"
)
CERTIFICATE_CHECK = "certificate_check"  # the access log's purpose: 受給資格証明書の照合


def find_certificate(person: InsuredPerson, number: str) -> tuple[EligibilityCertificate | None, bool]:
    """The 受給資格証明書 with this number (or None), and whether it belongs to the person's record at the
    old insurer as the new insurer's own import names it. Logs nothing: `certificate_matching` does."""
    certificate = (
        EligibilityCertificate.objects.select_related("person__insurer")
        .filter(number=certificate_number(number))
        .first()
    )
    if certificate is None:
        return None, False
    old = (certificate.person.insurer.insurer_number, certificate.person.insured_number)
    return certificate, _previous_numbers(person) == old


def certificate_matching(person: InsuredPerson, number: str, actor: Actor) -> EligibilityCertificate | None:
    """The certificate if it is this person's (`find_certificate`); None otherwise, for a number that does
    not exist as for one that is not this person's (one answer: nothing of another insurer's records is
    learnt by trying).

    Comparing the numbers reads the old record, so every try at an existing certificate is in the old
    record's access log, matched or not: the person sees who checked their certificate."""
    certificate, matched = find_certificate(person, number)
    if certificate is None:
        return None
    _log_certificate_check(actor, certificate, matched)
    return certificate if matched else None


def _log_certificate_check(actor: Actor, certificate: EligibilityCertificate, matched: bool) -> None:
    access.log_lookup(
        actor,
        certificate.person.insurer.insurer_number,
        certificate.person.insured_number,
        Category.ELIGIBILITY,
        CERTIFICATE_CHECK,
        granted=matched,
        reason="certificate.match" if matched else "certificate.mismatch",
    )


def _attach_certificate(
    application: Application, certificate: EligibilityCertificate | None, moved_in_on: dt.date | None
) -> None:
    application.certificate, application.moved_in_on = certificate, moved_in_on
    application.save(update_fields=["certificate", "moved_in_on"])
    logger.info(
        "eligibility certificate %s: application=%s certificate=%s",
        "linked" if certificate else "unlinked",
        application.pk,
        certificate.pk if certificate else None,
    )


def certificate_link(
    *, application: Application, number: str, moved_in_on: dt.date, actor: Actor
) -> Application:
    """The new insurer names the 受給資格証明書 the person brought (on screen; the import's record
    `certification_certificate` does the same with the same rules, `imports.CertificateSubmissionRecord`)."""
    if application.decided_on is not None or application.kind != ApplicationKind.NEW:
        raise ApplicationError(
            "受給資格証明書は、判定前の新規申請にだけ添付できます。", code="certification.certificate_not_new"
        )
    if moved_in_on > application.applied_on:
        raise ApplicationError("転入日が申請日より後です。", code="certification.moved_in_after_applied")
    certificate = certificate_matching(application.person, number, actor)
    if certificate is None:
        raise ApplicationError(CERTIFICATE_MISMATCH, code="certification.certificate_mismatch")
    _attach_certificate(application, certificate, moved_in_on)
    return application


def certificates_apply_imported(job) -> None:
    """After an import has written its `certification_certificate` rows (checked by the import, in the same
    transaction): each application named links to its certificate, or a deleted row unlinks it.

    The comparison with the old record is logged as the screen's is, once the import commits: the log's
    own transaction is durable and cannot sit inside the import's (kaigo_portal.audit.services.record), and
    a rolled-back import linked nothing."""
    actor = access.Actor.for_import(job)
    for row in CertificateSubmission.objects.filter(job=job).select_related("person").order_by("line"):
        application = Application.objects.get(person=row.person, reference=row.application_number)
        if row.deleted:
            _attach_certificate(application, None, None)
            continue
        certificate, matched = find_certificate(row.person, row.certificate_number)
        if not matched:  # the import's check refused this; a change since then must not link
            raise ApplicationError(CERTIFICATE_MISMATCH, code="certification.certificate_mismatch")
        _attach_certificate(application, certificate, row.moved_in_on)
        transaction.on_commit(functools.partial(_log_certificate_check, actor, certificate, True))


def application_decide_by_certificate(
    *,
    application: Application,
    decided_on: dt.date,
    by: User | None,
    validity_months: int = TRANSFER_VALIDITY_MONTHS,
) -> Application:
    """§36: within 14 days of the 転入, certified in line with the 受給資格証明書, without a survey or a panel."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("certificate")
            .get(pk=application.pk)
        )
        if application.decided_on is not None:
            raise ApplicationError("判定済みの申請です。", code="certification.step_done")
        if not application.is_timely_transfer:
            raise ApplicationError(
                "受給資格証明書による認定は、転入から14日以内の申請だけです（介護保険法第36条）。"
                "通常の新規申請として調査・審査を行ってください。",
                code="certification.transfer_late",
            )
        if decided_on > timezone.localdate() or decided_on < application.applied_on:
            raise ApplicationError(
                "認定年月日は申請日から今日までの日付です。", code="certification.decided_on"
            )
        if not 1 <= validity_months <= 12:
            raise ApplicationError("有効期間は1〜12か月です。", code="certification.validity_months")
        certificate = application.certificate
        valid_from = application.applied_on
        _record_decision(
            application,
            certificate.care_level,
            decided_on,
            valid_from,
            rules.validity_end(valid_from, validity_months),
            # Not the certificate's number: a free-text field that care offices read (the link is kept).
            f"受給資格証明書（{certificate.person.insurer.name}、{to_wareki_with_seireki(certificate.issued_on)}交付）"
            "により認定（介護保険法第36条）",
            by,
        )
    logger.info("certification decided by certificate: application=%s", application.pk)
    return application


def _end_previous(application: Application, *, ends: dt.date) -> None:
    """区分変更: the old certification ends the day before the new one starts (history kept)."""
    current = _current_certification(application.person, application.applied_on)
    if current is not None:
        eligibility_services.certification_version_end(version=current, valid_to=ends, effective_date=ends)


def extension_notice_record(*, application: Application, sent_on: dt.date, by: User | None) -> Application:
    """延期通知: recorded once the 30 days have passed without a decision."""
    if application.decided_on is not None:
        raise ApplicationError(
            "判定済みの申請には延期通知は不要です。", code="certification.extension_decided"
        )
    if not rules.is_overdue(applied_on=application.applied_on, decided_on=None, today=sent_on):
        raise ApplicationError(
            "申請から30日を過ぎていないため延期通知は不要です。", code="certification.extension_early"
        )
    application.extension_notice_on = sent_on
    application.save(update_fields=["extension_notice_on"])
    return application


def survey_record(
    *,
    application: Application,
    conducted_on: dt.date,
    investigator: str,
    answers: dict,
    by: User | None,
    notes: dict | None = None,
    overview: dict | None = None,
    investigator_organisation: str = "",
    place: str = "",
    received_on: dt.date | None = None,
) -> Survey:
    """認定調査票 entered or imported: validated against the form, and 調査票入手 completed."""
    notes, overview = notes or {}, overview or {}
    if not isinstance(overview, dict):
        raise ApplicationError(
            "overview（概況調査）はオブジェクトにしてください。", code="certification.survey_json"
        )
    survey_validate(answers, notes, overview)
    if conducted_on < application.applied_on:
        raise ApplicationError(
            "調査実施日は申請日以降にしてください。", code="certification.survey_before_application"
        )
    with transaction.atomic():
        survey = Survey(
            application=application,
            conducted_on=conducted_on,
            investigator=investigator,
            investigator_organisation=investigator_organisation,
            place=place,
            overview=overview or {},
            answers=answers,
            notes=notes,
            recorded_by=by,
        )
        survey.full_clean(exclude=["application"])
        if Survey.objects.filter(application=application).exists():
            raise ApplicationError("この申請の調査票は登録済みです。", code="certification.survey_exists")
        survey.save()
        step_complete(
            application=application,
            kind=StepKind.SURVEY_RECEIVED,
            completed_on=received_on or timezone.localdate(),
            by=by,
        )
    return survey


SURVEY_JSON_FIELDS = {
    "conducted_on",
    "investigator",
    "investigator_organisation",
    "place",
    "overview",
    "answers",
    "notes",
}


def survey_import_json(*, application: Application, document: bytes, by: User | None) -> Survey:
    """認定調査票 as JSON: {"conducted_on": "YYYY-MM-DD", "investigator": ..., "answers": {"1-1": [1], ...},
    "notes": {"1-1": ...}, "overview": {...}}; the same validation as the entry screen."""
    import json

    try:
        data = json.loads(document.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApplicationError(
            f"JSONとして読めません（{error}）。", code="certification.survey_json"
        ) from error
    if not isinstance(data, dict):
        raise ApplicationError("JSONの最上位はオブジェクトにしてください。", code="certification.survey_json")
    unknown = sorted(set(data) - SURVEY_JSON_FIELDS)
    if unknown:
        raise ApplicationError(
            f"不明な項目があります: {', '.join(unknown)}", code="certification.survey_json_fields"
        )
    try:
        conducted_on = dt.date.fromisoformat(str(data.get("conducted_on", "")))
    except ValueError as error:
        raise ApplicationError(
            "conducted_on は YYYY-MM-DD で指定してください。", code="certification.survey_json_date"
        ) from error
    if not isinstance(data.get("answers"), dict) or not isinstance(data.get("notes", {}), dict):
        raise ApplicationError(
            "answers と notes はオブジェクトにしてください。", code="certification.survey_json"
        )
    return survey_record(
        application=application,
        conducted_on=conducted_on,
        investigator=str(data.get("investigator", "")),
        investigator_organisation=str(data.get("investigator_organisation", "")),
        place=str(data.get("place", "")),
        overview=data.get("overview") or {},
        answers=data["answers"],
        notes=data.get("notes") or {},
        by=by,
    )
