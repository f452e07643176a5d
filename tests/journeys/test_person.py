"""The insured person's day: their own data, who looked at it, their consent; each step that counts asks."""

from __future__ import annotations

from consent.models import Consent, Dispute


def _an_office_reads_the_person() -> None:
    """The demo's care manager opens the person's page: a line of someone else's in their log."""
    from consent.models import PersonAccount
    from kaigo_portal import access
    from kaigo_portal.accounts.models import Membership
    from kaigo_portal.audit.models import Category

    person = PersonAccount.objects.get(user__email="person@example.jp").person
    membership = Membership.objects.get(user__email="caremanager@example.jp")
    actor = access.Actor(membership.user, membership.organisation, membership.role)
    access.authorize(actor, person, Category.ELIGIBILITY, access.Purpose.CARE_MANAGEMENT)


def test_the_person_reads_who_looked_questions_a_view_and_sees_the_consent(journey):
    _an_office_reads_the_person()
    journey.sign_in("person@example.jp")
    journey.click("私の情報・同意・閲覧記録（マイページ）")
    journey.click("私のデータを見た人（閲覧記録）")
    main = journey.look()
    assert "事業所・市町村・医療機関による閲覧" in main and "ご本人・代理人による閲覧" in main
    assert "ケアプランセンター神田" in main and "ケアマネジメント（ケアプラン作成）" in main
    journey.click("心当たりがない")  # the question, and a way back that does nothing
    main = journey.look()
    assert "市町村に確認を依頼する" in main
    journey.click("やめて閲覧記録に戻る")
    assert not Dispute.objects.exists()
    journey.click("マイページへ")
    journey.click("同意の状況")
    main = journey.look()
    assert "現在：" in main
    assert "現在：同意しています" in main
    before = Consent.objects.count()
    journey.click("同意を撤回する", role="button")
    main = journey.look()
    assert "同意を撤回しますか" in main
    journey.click("やめて戻る")
    assert Consent.objects.count() == before  # the question alone changes nothing
    assert "現在：同意しています" in journey.look()


def test_a_representative_acts_for_the_person_and_their_reads_are_folded_as_the_persons(journey):
    journey.sign_in("family@example.jp")
    journey.click("私の情報・同意・閲覧記録（マイページ）")
    main = journey.look()
    assert "伊藤　和子 さん（代理人として）" in main
    journey.click("被保険者証の情報")
    journey.click("マイページへ")
    journey.click("私のデータを見た人（閲覧記録）")
    main = journey.look()
    own = main[main.index("ご本人・代理人による閲覧") :]
    assert "伊藤 恵子（代理人）" in own  # the representative's own read, folded by day, never disputable


def test_an_inline_script_is_refused_by_the_csp_and_the_journey_check_sees_it(journey):
    """The check in Journey.look() can fail: a script written into the page is refused and reported."""
    import pytest

    journey.sign_in("person@example.jp")
    journey.page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    assert journey.page.evaluate("() => window.ran") is None  # not run
    with pytest.raises(AssertionError, match="CSP on"):
        journey.look()
