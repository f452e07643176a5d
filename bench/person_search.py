"""A municipal clerk's search by name in kanji over BENCH_SEARCH_PERSONS persons (default 1,000,000).

The persons get realistic names: 50 common family names and 40 given names (so a family name matches
2% of the register and a full name 0.05%), with their フリガナ. Each search is what the clerk's browser
does: the POST that holds the terms and the GET of the first result page (25 persons, each logged), through
Django's test client in this process, so that the figure is the server's own time. Half the searches give a
family name only, half a full name; `bench person_search_kanji_ms` is the median of 50 (goal ≤ 50 ms).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator

from django.db import connection

FAMILY = [
    tuple(pair.split(":"))
    for pair in (
        "佐藤:サトウ 鈴木:スズキ 高橋:タカハシ 田中:タナカ 伊藤:イトウ 渡辺:ワタナベ 山本:ヤマモト 中村:ナカムラ "
        "小林:コバヤシ 加藤:カトウ 吉田:ヨシダ 山田:ヤマダ 佐々木:ササキ 山口:ヤマグチ 松本:マツモト 井上:イノウエ "
        "木村:キムラ 林:ハヤシ 斎藤:サイトウ 清水:シミズ 山崎:ヤマザキ 森:モリ 池田:イケダ 橋本:ハシモト "
        "阿部:アベ 石川:イシカワ 山下:ヤマシタ 中島:ナカジマ 石井:イシイ 小川:オガワ 前田:マエダ 岡田:オカダ "
        "長谷川:ハセガワ 藤田:フジタ 後藤:ゴトウ 近藤:コンドウ 村上:ムラカミ 遠藤:エンドウ 青木:アオキ "
        "坂本:サカモト 斉藤:サイトウ 福田:フクダ 太田:オオタ 西村:ニシムラ 藤井:フジイ 金子:カネコ 岡本:オカモト "
        "藤原:フジワラ 中野:ナカノ 三浦:ミウラ "
    ).split()
]
GIVEN = [
    tuple(pair.split(":"))
    for pair in (
        "和子:カズコ 花子:ハナコ 太郎:タロウ 一郎:イチロウ 幸子:サチコ 節子:セツコ 清:キヨシ 博:ヒロシ "
        "洋子:ヨウコ 茂:シゲル 恵子:ケイコ 勇:イサム 京子:キョウコ 実:ミノル 久子:ヒサコ 進:ススム 美智子:ミチコ "
        "稔:ミノル 弘子:ヒロコ 正:タダシ 光子:ミツコ 豊:ユタカ 悦子:エツコ 修:オサム 文子:フミコ 明:アキラ "
        "静子:シズコ 武:タケシ 信子:ノブコ 昭:アキラ 千代子:チヨコ 誠:マコト 君子:キミコ 登:ノボル 文雄:フミオ "
        "キヨ:キヨ 正夫:マサオ トシ子:トシコ 三郎:サブロウ ハル:ハル "
    ).split()
]
SEARCHES = 50


def _load(persons: int):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from kaigo_portal.accounts.models import Membership, Organisation, OrganisationKind, Role, User

    insurer, _ = Organisation.objects.get_or_create(
        kind=OrganisationKind.INSURER,
        insurer_number="131011",
        defaults={"name": "千代田区", "prefecture": "13", "go_live_date": "2026-04-01"},
    )
    arrays = [[name for name, _ in FAMILY], [kana for _, kana in FAMILY]]
    arrays += [[name for name, _ in GIVEN], [kana for _, kana in GIVEN]]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO eligibility_insuredperson (insurer_id, insured_number, name, name_kana, birth_date, "
            "created_at) SELECT %s, lpad(n::text, 10, '0'), "
            "(%s::text[])[1 + n %% 50] || '　' || (%s::text[])[1 + (n / 50) %% 40], "
            "(%s::text[])[1 + n %% 50] || '　' || (%s::text[])[1 + (n / 50) %% 40], "
            "date '1925-01-01' + (n %% 12000), now() FROM generate_series(1, %s) n",
            [insurer.pk, arrays[0], arrays[2], arrays[1], arrays[3], persons],
        )
        cursor.execute("VACUUM ANALYZE eligibility_insuredperson")
    clerk = User.objects.create_user(email="clerk@bench.example.jp", password=None, name="検索 職員")
    Membership.objects.create(user=clerk, organisation=insurer, role=Role.MUNICIPAL_STAFF)
    TOTP.activate(clerk, generate_totp_secret())  # staff sign in with MFA; the session below is past it
    return clerk


def _plan(name: str) -> str:
    """Whether PostgreSQL answers the search from the name index (and not by reading the table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM eligibility_insuredperson WHERE insurer_id = "
            "(SELECT id FROM accounts_organisation WHERE insurer_number = '131011') AND name LIKE %s",
            [name + "%"],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    return "index" if "person_name" in plan else "table scan"


def run() -> Iterator[str]:
    from django.test import Client

    if connection.vendor != "postgresql":
        yield "bench person_search_kanji_ms: n/a (needs PostgreSQL; set DATABASE_URL)"
        return
    persons = int(os.environ.get("BENCH_SEARCH_PERSONS", "1000000"))
    start = time.perf_counter()
    clerk = _load(persons)
    yield f"bench person_search_persons: {persons} (loaded in {time.perf_counter() - start:.0f} s)"
    client = Client()
    client.force_login(clerk)
    terms = []
    for i in range(SEARCHES):
        family = FAMILY[(i * 7) % len(FAMILY)][0]
        terms.append(family if i % 2 else f"{family}　{GIVEN[(i * 3) % len(GIVEN)][0]}")
    client.post("/persons/", {"name": terms[0]})  # warm up: connections, templates
    client.get("/persons/")
    times, found = [], []
    for name in terms:
        begin = time.perf_counter()
        held = client.post("/persons/", {"name": name})
        page = client.get("/persons/")
        times.append((time.perf_counter() - begin) * 1000)
        if held.status_code != 302 or page.status_code != 200:
            raise RuntimeError(f"the search for {name} answered {held.status_code} / {page.status_code}")
        found.append(page.context["page"].paginator.count)
    yield (
        f"bench person_search_kanji_ms: {statistics.median(times):.1f} "
        f"(median of {SEARCHES}; p90 {statistics.quantiles(times, n=10)[8]:.1f} ms; "
        f"{min(found)}–{max(found)} persons found; {_plan(terms[0])})"
    )
