"""The office admin's and the provider's days, and the operator who reviews subsidies."""

from __future__ import annotations


def test_an_office_admin_starts_the_subsidy_application_and_opens_staff_and_keys(journey):
    journey.sign_in("office.admin@example.jp")
    journey.click("助成金の申請（マイページ）")
    journey.click("令和8年度の申請を始める", role="button")
    main = journey.look()
    assert "申請する" in main and "領収書" in main  # the form of the year's application, as a draft
    journey.home()
    journey.click("職員ユーザーの管理")
    journey.home()
    journey.click("API キーの管理")


def test_a_provider_reads_the_plan_in_the_inbox_and_the_caseload(journey):
    journey.sign_in("provider@example.jp")
    journey.click("ケアプラン受信箱")
    journey.click("伊藤　和子")
    main = journey.look()
    assert "居宅サービス計画書（2）" in main  # the plan's 第2表, as sent to the office
    journey.home()
    journey.click("担当利用者の一覧")


def test_the_reviewer_opens_the_waiting_subsidy_application(journey):
    journey.sign_in("reviewer@example.jp")
    journey.click("助成金申請の審査")
    main = journey.look()
    assert "訪問介護ステーション九段" in main and "申請済み" in main
    journey.page.locator("main table a").first.click()  # the application's number
    main = journey.look()
    assert "訪問介護（11）" in main and "審査を開始する" in main
    journey.click("審査を開始する", role="button")
    assert "審査中" in journey.look()
    journey.click("交付を決定する", role="button")
    assert "交付を決定しますか" in journey.look()  # the question, with the amount
    journey.click("交付を決定する", role="button")
    main = journey.look()
    assert "交付決定" in main and "支払済みにする" in main
    journey.click("← 申請一覧")


def test_the_operator_publishes_news_and_deletes_it_after_the_question(journey):
    from kaigo_portal.public.models import NewsItem

    page = journey.page
    journey.sign_in("operator@example.jp")
    journey.click("公開ポータルの運営（お問い合わせ対応・お知らせ・よくある質問）")
    journey.click("お知らせの管理")
    journey.click("お知らせを作成")
    page.get_by_label("件名").fill("年末年始の窓口について")
    page.get_by_label("本文").fill("12月29日から1月3日まではお休みです。")
    journey.click("保存する", role="button")
    assert "年末年始の窓口について" in journey.look()
    page.locator("tr", has_text="年末年始の窓口について").get_by_role("button", name="削除").click()
    main = journey.look()
    assert "お知らせを削除しますか" in page.locator("h1").inner_text() and "元に戻せません" in main
    assert NewsItem.objects.filter(title="年末年始の窓口について").exists()
    journey.click("削除する", role="button")
    assert "お知らせ「年末年始の窓口について」を削除しました" in journey.look()
    assert not NewsItem.objects.filter(title="年末年始の窓口について").exists()


def test_the_operator_checks_then_imports_the_next_office_master(journey, tmp_path):
    from kaigo_portal.offices.demo import DEMO_OFFICES
    from kaigo_portal.offices.models import Office
    from kaigo_portal.offices.synthetic import open_data_csv

    upload = tmp_path / "jigyosho_110_all_20270120100000.csv"
    upload.write_bytes(open_data_csv("110", 2, seed=9, first_serial=900, fixed=[DEMO_OFFICES["110"]]))
    page = journey.page
    journey.sign_in("operator@example.jp")
    journey.click("事業所マスタ（公表データ）の取込")
    page.set_input_files("input[name=files]", str(upload))
    journey.click("確認する（取り込まない）", role="button")
    main = journey.look()
    assert "確認しました（まだ取り込んでいません）" in main and "1 ファイル、3 行" in main
    assert not Office.objects.filter(name__endswith="900").exists()
    page.set_input_files("input[name=files]", str(upload))
    journey.click("取り込む", role="button", exact=True)
    main = journey.look()
    assert "取り込みました" in main and "追加 2" in main and "令和8年12月31日" in main  # the history's 基準日
    journey.click("事業所の検索へ")
    assert "訪問介護ステーション九段" in journey.look()


def test_an_office_admin_issues_a_terminal_certificate_then_renews_and_revokes_it(
    journey, settings, tmp_path
):
    import io

    from django.core.management import call_command

    call_command("terminal_ca_init", str(tmp_path / "ca"), stdout=io.StringIO())
    settings.KAIGO_TERMINAL_CA_CERT = str(tmp_path / "ca" / "ca.pem")
    settings.KAIGO_TERMINAL_CA_KEY = str(tmp_path / "ca" / "ca-key.pem")
    page = journey.page
    journey.sign_in("office.admin@example.jp")
    journey.click("端末のクライアント証明書")
    assert "有効な証明書はありません" in journey.look()
    page.get_by_label("端末名").fill("受付のパソコン1")
    journey.click("発行する", role="button")
    main = journey.look()
    assert "このパスフレーズは二度と表示されません" in main
    with page.expect_download() as download:
        page.get_by_role("link", name="証明書のファイル（.p12）をダウンロード").click()
    assert download.value.suggested_filename.endswith(".p12")
    journey.click("この証明書の詳細へ")
    main = journey.look()
    assert "ダウンロード済み" in main and "発行" in main
    journey.click("更新する", role="button")
    assert "証明書を更新しますか" in journey.look()
    journey.click("更新する", role="button")
    assert "このパスフレーズは二度と表示されません" in journey.look()
    journey.click("この証明書の詳細へ")
    page.get_by_label("失効の理由").select_option("cessation_of_operation")
    journey.click("失効させる", role="button")
    assert "証明書を失効させますか" in journey.look() and "元に戻せません" in journey.look()
    journey.click("失効させる", role="button")
    main = journey.look()
    assert "失効させました" in main and "有効な証明書はありません" in main
    journey.click("← ホームへ")
