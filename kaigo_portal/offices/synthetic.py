"""Open-data files in the ministry's layout, made up: for the demo and the benchmark (never for tests that
check the layout, which build theirs by hand)."""

from __future__ import annotations

import csv
import io
import random

from kaigo_portal.numbers import corporate_number_check_digit, office_check_digit

from . import master, service_types

TOWNS = [
    ("131016", "東京都", "千代田区", "九段南", 35.694, 139.754),
    ("131016", "東京都", "千代田区", "神田小川町", 35.694, 139.766),
    ("131016", "東京都", "千代田区", "番町", 35.688, 139.736),
    ("082023", "茨城県", "日立市", "幸町", 36.599, 140.651),
    ("082023", "茨城県", "日立市", "助川町", 36.595, 140.646),
]
KANA = ["アオバ", "サクラ", "ヒバリ", "ミドリ", "ツバキ", "カエデ", "ヒマワリ", "スズラン"]
KANJI = ["青葉", "さくら", "ひばり", "みどり", "つばき", "かえで", "ひまわり", "すずらん"]


def office_number(prefecture: str, serial: int) -> str:
    base = f"{prefecture}7{serial:06d}"
    return base + str(office_check_digit(base))


def open_data_csv(info_code: str, count: int, *, seed: int = 0, first_serial: int = 1, fixed=()) -> bytes:
    """`count` made-up offices of one service, after the `fixed` ones (dicts of column key → value)."""
    rng = random.Random(seed)  # noqa: S311  (made-up data, not a secret)
    service = service_types.by_info_code(info_code)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for _key, name in master.COLUMNS])
    rows = list(fixed)
    for i in range(count):
        area, prefecture, city, street, lat, lon = rng.choice(TOWNS)
        k = rng.randrange(len(KANA))
        base12 = f"{rng.randrange(10**12):012d}"
        rows.append(
            {
                "area_code": area,
                "prefecture_name": prefecture,
                "city_name": city,
                "name": f"{KANJI[k]}{service.name.split('（')[0]}{i + first_serial}",
                "name_kana": f"{KANA[k]}{i + first_serial}",
                "address": f"{prefecture}{city}{street}{rng.randint(1, 5)}-{rng.randint(1, 20)}",
                "latitude": f"{lat + rng.uniform(-0.01, 0.01):.6f}",
                "longitude": f"{lon + rng.uniform(-0.01, 0.01):.6f}",
                "phone": f"03-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                "corporate_number": f"{corporate_number_check_digit(base12)}{base12}",
                "corporate_name": f"社会福祉法人{KANJI[k]}会",
                "office_number": office_number(area[:2], i + first_serial),
                "weekdays": "月,火,水,木,金",
                "capacity": "0" if info_code in ("110", "430") else str(rng.randint(10, 80)),
                "url": f"https://office{i + first_serial}.example.jp/",
            }
        )
    for no, cells in enumerate(rows, start=1):
        cells = {"no": str(no), "service_name": service.name, **cells}
        writer.writerow([cells.get(key, "") for key, _name in master.COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
