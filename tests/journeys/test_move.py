"""A person moves from 千代田区 to 日立市 with a 受給資格証明書 (issue 22), in the browser as each does their part:
千代田区 issues the certificate, both insurers' systems send the move in their imports, 日立市 certifies within
14 days without survey or panel, the nightly sweep ends the old care team's relationship and lets the
person's account follow, and the person is asked for consent at 日立市."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from django.utils import timezone


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=list(dict.fromkeys(k for row in rows for k in row)), lineterminator="\r\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _imports_of_the_move(person, moved: dt.date) -> None:
    """What the two insurers' 介護保険事務システム send: the loss at 千代田区, the new record at 日立市."""
    from eligibility.models import PersonVersion
    from eligibility.tests.importing import run_job
    from kaigo_portal.accounts.models import Organisation

    version = PersonVersion.objects.filter(person=person).latest("effective_date", "id")
    row = {
        "record_type": "person",
        "effective_date": moved.isoformat(),
        "insured_number": person.insured_number,
        "name": version.name,
        "name_kana": version.name_kana,
        "birth_date": version.birth_date.isoformat(),
        "sex": version.sex,
        "address": version.address,
        "qualified_on": version.qualified_on.isoformat(),
        "category": version.category,
    }
    chiyoda = Organisation.objects.get(insurer_number="131011")
    lost = row | {"action": "change", "insurer_number": "131011", "loss_reason": "11"}
    lost |= {"loss_event_on": moved.isoformat(), "disqualified_on": moved.isoformat()}
    assert run_job(chiyoda, _csv([lost])).status == "succeeded"
    hitachi = Organisation.objects.get(insurer_number="082024")
    new = row | {"action": "add", "insurer_number": "082024", "insured_number": "0000000501"}
    new |= {"qualified_on": moved.isoformat(), "acquisition_reason": "02", "address": "茨城県日立市幸町1-1"}
    new |= {"previous_insurer_number": "131011", "previous_insured_number": person.insured_number}
    assert run_job(hitachi, _csv([new])).status == "succeeded"


def test_a_person_moves_with_a_certificate_and_is_certified_within_14_days(journey):
    from consent import services as consent_services
    from consent.models import PersonAccount

    page = journey.page
    person = PersonAccount.objects.get(user__email="person@example.jp").person
    today = timezone.localdate()
    moved = today - dt.timedelta(days=7)

    # 千代田区 issues the 受給資格証明書 before the move.
    journey.sign_in("municipal@example.jp")
    journey.click("要介護認定の申請と進捗")
    journey.click("受給資格証明書の交付（転出する方）")
    page.get_by_label("被保険者番号（10桁）").fill(person.insured_number)
    page.get_by_label("転出（予定）日").fill(moved.isoformat())  # a date picker: the browser takes ISO
    journey.click("交付する", role="button")
    main = journey.look()
    number = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", main).group(0)
    assert "受給資格証明書（PDF・印刷用）" in main

    _imports_of_the_move(person, moved)

    # 日立市 receives the application with the certificate, within 14 days of the 転入 (the demo's 日立市 clerk).
    hitachi = journey.as_another()
    hitachi.sign_in("hitachi@example.jp")
    hitachi.click("要介護認定の申請と進捗")
    hitachi.click("申請を受け付ける")
    form = hitachi.page
    form.get_by_label("被保険者番号（10桁）").fill("0000000501")
    form.get_by_label("申請区分").select_option("new")
    form.get_by_label("申請日").fill(today.isoformat())
    form.get_by_label("主治医の医療機関名").fill("日立中央クリニック")
    form.get_by_label("主治医の医師名").fill("日立 一郎")
    hitachi.click("受け付ける", role="button")
    assert "受給資格証明書を添付する（転入者）" in hitachi.look()
    form.get_by_label("受給資格証明書の証明書番号（例：ABCD-EFGH-JKLM）").fill(
        number.replace("-", "").lower()
    )
    form.get_by_label("転入日").fill(moved.isoformat())
    hitachi.click("添付する", role="button")
    main = hitachi.look()
    assert f"証明書番号 {number}" in main and "申請は転入から7日目" in main
    hitachi.click("受給資格証明書のとおり認定する（調査・審査会なし）", role="button")
    assert "受給資格証明書のとおり認定しますか" in hitachi.look()
    hitachi.click("認定する", role="button")
    main = hitachi.look()
    assert "結果" in main and "要介護" in main and "登録しました" in form.locator(".messages").inner_text()

    # The night: the old care team's relationship ends, the person's account follows the move.
    consent_services.relationships_sweep()
    consent_services.accounts_follow_moves()

    care_manager = journey.as_another()
    care_manager.sign_in("caremanager@example.jp")
    care_manager.click("担当利用者の一覧")
    assert "担当利用者（19 人）" in care_manager.look() and person.name not in care_manager.look()

    # The person sees both records and is asked for consent at 日立市.
    person_page = journey.as_another()
    person_page.sign_in("person@example.jp")
    person_page.click("私の情報・同意・閲覧記録（マイページ）")
    main = person_page.look()
    assert "（転出前の記録：千代田区）" in main and "日立市への同意をお願いします" in main
    person_page.click("同意の状況を確認して、同意する")
    assert "同意" in person_page.look()
