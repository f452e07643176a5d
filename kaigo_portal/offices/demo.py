"""Demo data: a small office master as of 令和8年6月30日, holding the demo's two offices and some others
around 千代田区 and 日立市, so that the search and the office pages have something to show."""

from __future__ import annotations

from .models import Office, Snapshot
from .services import import_files, office_add_by_hand
from .synthetic import open_data_csv

DEMO_OFFICES = {
    "110": {
        "office_number": "1370100024",
        "name": "訪問介護ステーション九段",
        "name_kana": "ホウモンカイゴステーションクダン",
        "area_code": "131016",
        "prefecture_name": "東京都",
        "city_name": "千代田区",
        "address": "東京都千代田区九段南1-2-1",
        "latitude": "35.694000",
        "longitude": "139.753600",
        "phone": "03-1234-5678",
        "capacity": "0",
    },
    "430": {
        "office_number": "1370100016",
        "name": "ケアプランセンター神田",
        "name_kana": "ケアプランセンターカンダ",
        "area_code": "131016",
        "prefecture_name": "東京都",
        "city_name": "千代田区",
        "address": "東京都千代田区神田小川町1-1",
        "latitude": "35.694500",
        "longitude": "139.766000",
        "phone": "03-2345-6789",
        "capacity": "0",
    },
}


def seed() -> str:
    if Snapshot.objects.exists():
        # A master is there already (the operator's, or an earlier demo): the demo's offices must be in it,
        # or the demo's plans, relationships and subsidy could not name them.
        added = [
            office_add_by_hand(
                office_number=row["office_number"],
                name=row["name"],
                name_kana=row["name_kana"],
                area_code=row["area_code"],
                prefecture_name=row["prefecture_name"],
                city_name=row["city_name"],
                address=row["address"],
                by="seed_demo",
            )
            for row in DEMO_OFFICES.values()
            if not Office.objects.filter(office_number=row["office_number"]).exists()
        ]
        return f"事業所マスタ: already loaded（デモの事業所 {len(added)} 件を手入力で追加）"
    files = [
        (
            f"jigyosho_{code}_all_20260715093000.csv",
            open_data_csv(code, 12, seed=i, first_serial=100 * i + 1, fixed=[row]),
        )
        for i, (code, row) in enumerate(DEMO_OFFICES.items(), start=1)
    ]
    files.append(("jigyosho_510_all_20260715093000.csv", open_data_csv("510", 4, seed=3, first_serial=301)))
    result = import_files(files, by="seed_demo")
    if result.errors:
        raise RuntimeError(f"demo office master: {result.errors[:3]}")
    return (
        f"事業所マスタ: 公表データ {len(files)} ファイル、事業所 {result.added} 件（基準日 令和8年6月30日）"
    )
