"""The demo's news and FAQ."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ..models import (
    Audience,
    FaqEntry,
    NewsItem,
)
from .content import faq_create, news_create

# --- demo content ---------------------------------------------------------------------------------------


def _jst(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.timezone(dt.timedelta(hours=9)))


DEMO_NEWS = [
    (
        _jst(2026, 4, 1),
        True,
        "介護情報基盤の運用を開始しました",
        "令和8年4月1日から介護情報基盤の運用を開始しました。準備の整った市町村から順に利用を開始し、"
        "令和10年4月1日までにすべての市町村で利用を開始する予定です。\n"
        "各市町村の利用開始日は「市町村の利用開始状況」でご確認いただけます。",
    ),
    (
        _jst(2026, 5, 7),
        False,
        "令和8年度のカードリーダー等の助成金の申請受付を開始しました",
        "令和8年度の助成金（カードリーダーの購入経費、介護情報基盤との接続サポート等経費）の申請受付を開始しました。"
        "受付期間は令和9年3月12日までの予定です。\n"
        "助成金は、事業所の所在する市町村の利用開始時期にかかわらず申請できます。",
    ),
    (
        _jst(2026, 9, 1),
        False,
        "介護保険資格確認等WEBサービスとの連携に関するAPI仕様書が公開されました",
        "介護ソフトと介護保険資格確認等WEBサービスを連携するためのAPI仕様書（第1.0版）が公開されました。"
        "介護ソフトの提供事業者の方はご確認ください。",
    ),
]

DEMO_FAQ = [
    (
        Audience.GENERAL,
        10,
        "介護情報基盤とは何ですか。",
        "これまで市町村、介護事業所、医療機関などに分かれていた介護の情報をひとつに集約し、"
        "ご本人の同意に基づいて関係者の間で共有する仕組みです。介護保険法の改正（令和5年）により、"
        "市町村の地域支援事業として整備されています。",
    ),
    (
        Audience.GENERAL,
        20,
        "自分の市町村はいつから利用を開始しますか。",
        "「市町村の利用開始状況」のページで、保険者ごとの利用開始日を和暦・西暦で確認できます。"
        "すべての市町村は令和10年4月1日までに利用を開始する予定です。",
    ),
    (
        Audience.CARE_OFFICE,
        10,
        "利用者の情報を見るには何が必要ですか。",
        "最初に閲覧する前に、その利用者の本人確認（マイナンバーカードの読み取り、または介護保険証の情報の入力）が必要です。"
        "本人確認を行った事業所が、その利用者の担当事業所として閲覧できるようになります。"
        "認定調査票・主治医意見書・ケアプラン・LIFE情報の一部には、これに加えて利用者の同意が必要です。",
    ),
    (
        Audience.CARE_OFFICE,
        20,
        "カードリーダーの助成金はいくらまでですか。",
        "訪問・通所・短期滞在系は3台まで6.4万円、居住・入所系は2台まで5.5万円、その他は1台まで4.2万円が上限です（いずれも税込）。"
        "複数のサービスを提供する事業所は、サービス種別ごとの上限を合算できます。",
    ),
    (
        Audience.CLINIC,
        10,
        "主治医意見書は紙でも提出できますか。",
        "はい。電子的な提出が可能になった後も、紙の主治医意見書は引き続き有効です。",
    ),
    (
        Audience.MUNICIPALITY,
        10,
        "介護情報基盤の利用を開始するまでに何が必要ですか。",
        "介護保険事務システムの標準化（介護情報基盤との連携を含む）、介護情報基盤へのデータ送信と既存データの移行が必要です。"
        "データの移行が完了すると、介護情報の共有が始まります。",
    ),
    (
        Audience.PERSON,
        10,
        "同意しないこともできますか。",
        "はい、同意しないこともできます。一度同意した後に撤回することもできます。",
    ),
    (
        Audience.PERSON,
        20,
        "マイナンバーカードを持っていません。",
        "介護事業所での本人確認は、マイナンバーカードのほか、介護保険証でも行えます。",
    ),
]


def seed_demo_content() -> dict[str, int]:
    """Loads a few news items and FAQ entries for the demo; safe to run again (matched by title)."""
    created = {"news": 0, "faq": 0}
    with transaction.atomic():
        for published_at, important, title, body in DEMO_NEWS:
            if not NewsItem.objects.filter(title=title).exists():
                news_create(
                    title=title, body=body, published_at=published_at, is_important=important, by=None
                )
                created["news"] += 1
        for audience, order, question, answer in DEMO_FAQ:
            if not FaqEntry.objects.filter(question=question).exists():
                faq_create(
                    audience=audience,
                    question=question,
                    answer=answer,
                    sort_order=order,
                    published_at=_jst(2026, 4, 1),
                    by=None,
                )
                created["faq"] += 1
    return created
