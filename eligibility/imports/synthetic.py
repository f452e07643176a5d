"""Synthetic but realistic import files: for the demo data and the ingest benchmark.

Persons get kanji names with their kana, birth dates that fit their 被保険者区分, and most a
certification with a valid period; numbers are made up but well formed (10-digit insured numbers).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Iterator

FAMILY = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
          ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
          ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
          ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ")]  # fmt: skip
GIVEN = [("ハル", "ハル", "2"), ("正雄", "マサオ", "1"), ("和子", "カズコ", "2"), ("清", "キヨシ", "1"),
         ("幸子", "サチコ", "2"), ("茂", "シゲル", "1"), ("節子", "セツコ", "2"), ("博", "ヒロシ", "1"),
         ("京子", "キョウコ", "2"), ("勇", "イサム", "1"), ("美代子", "ミヨコ", "2"), ("実", "ミノル", "1"),
         ("久子", "ヒサコ", "2"), ("進", "ススム", "1"), ("洋子", "ヨウコ", "2"), ("武", "タケシ", "1")]  # fmt: skip
TOWNS = [
    "千代田一丁目",
    "神田錦町二丁目",
    "九段南三丁目",
    "麹町四丁目",
    "富士見一丁目",
    "一番町",
    "飯田橋二丁目",
]
LEVELS = ["12", "13", "21", "22", "23", "24", "25"]

COLUMNS = ["record_type", "action", "effective_date", "insurer_number", "insured_number", "name", "name_kana",
           "birth_date", "sex", "postal_code", "address", "qualified_on", "category", "issued_on", "care_level",
           "certified_on", "valid_from", "valid_to", "ratio"]  # fmt: skip


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _birthday(birth: dt.date, age: int) -> dt.date:
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:  # born on 29 February
        return dt.date(birth.year + age, 3, 1)


def rows(
    insurer_number: str, count: int, *, seed: int = 2026, first_number: int = 1, city: str = "東京都千代田区"
) -> Iterator[dict[str, str]]:
    """`count` persons, each followed by a certification (four in five) and a burden ratio."""
    rng = random.Random(seed)  # noqa: S311  (synthetic data, not security)
    for n in range(first_number, first_number + count):
        family, family_kana = FAMILY[rng.randrange(len(FAMILY))]
        given, given_kana, sex = GIVEN[rng.randrange(len(GIVEN))]
        birth = dt.date(1925, 1, 1) + dt.timedelta(days=rng.randrange(365 * 35))
        qualified = max(
            _birthday(birth, 65) - dt.timedelta(days=1), dt.date(2000, 4, 1)
        )  # the day one turns 65
        number = f"{n:010d}"
        base = {"insurer_number": insurer_number, "insured_number": number}
        yield base | {
            "record_type": "person",
            "action": "add",
            "effective_date": qualified.isoformat(),
            "name": f"{family}\u3000{given}",
            "name_kana": f"{family_kana}\u3000{given_kana}",
            "birth_date": birth.isoformat(),
            "sex": sex,
            "postal_code": f"101-{rng.randrange(10000):04d}",
            "address": f"{city}{TOWNS[rng.randrange(len(TOWNS))]}{rng.randrange(1, 30)}番{rng.randrange(1, 20)}号",
            "qualified_on": qualified.isoformat(),
            "category": "1",
            "issued_on": qualified.isoformat(),
        }
        if rng.random() < 0.8:
            start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(600))
            end = _month_end(start.replace(day=1) + dt.timedelta(days=31 * rng.choice([6, 12, 24, 36]) - 1))
            yield base | {
                "record_type": "certification",
                "action": "add",
                "effective_date": start.isoformat(),
                "care_level": rng.choice(LEVELS),
                "certified_on": (start + dt.timedelta(days=20)).isoformat(),
                "valid_from": start.isoformat(),
                "valid_to": end.isoformat(),
            }
        yield base | {
            "record_type": "burden_ratio",
            "action": "add",
            "effective_date": "2026-08-01",
            "ratio": rng.choice(["1", "1", "1", "2", "3"]),
            "valid_from": "2026-08-01",
            "valid_to": "2027-07-31",
        }


def csv_bytes(insurer_number: str, count: int, **options) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows(insurer_number, count, **options):
        writer.writerow(row)
    return out.getvalue().encode()


def write_csv(path, insurer_number: str, count: int, **options) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for row in rows(insurer_number, count, **options):
            writer.writerow(row)
