"""Master data of FY2025 and FY2026 (domain.md §6.2–§6.4).

Windows: FY2025 2025-10-17 → 2026-03-13, FY2026 2026-05-07 → 2027-03-12 (both "planned" in the sources).
Categories (tax included): 訪問・通所・短期滞在系 3 readers / ¥64,000; 居住・入所系 2 / ¥55,000;
その他 1 / ¥42,000. The サービス種類コード mapping is the 要綱 別添 as transcribed by the NPO and corrected
on 2026-06-07 (31 居宅療養管理指導 and 78 地域密着型通所介護 are 訪問・通所・短期滞在系). Limits are summed per
サービス種類 (「サービス種別に応じた助成限度額の合計」), and an office already granted may not apply again
(「申請は1回限り」). A later year is added as data (admin site), not by editing this file.
"""

from django.db import migrations

CATEGORIES = [
    ("home", "訪問・通所・短期滞在系", 3, 64_000, 1),
    ("residential", "居住・入所系", 2, 55_000, 2),
    ("other", "その他", 1, 42_000, 3),
]

SERVICE_TYPES = {
    "home": [
        ("11", "訪問介護"),
        ("12", "訪問入浴介護"),
        ("13", "訪問看護"),
        ("14", "訪問リハビリテーション"),
        ("15", "通所介護"),
        ("16", "通所リハビリテーション"),
        ("21", "短期入所生活介護"),
        ("22", "短期入所療養介護（介護老人保健施設）"),
        ("23", "短期入所療養介護（病院等）"),
        ("2A", "短期入所療養介護（介護医療院）"),
        ("31", "居宅療養管理指導"),
        ("43", "居宅介護支援"),
        ("68", "小規模多機能型居宅介護（短期利用）"),
        ("71", "夜間対応型訪問介護"),
        ("72", "認知症対応型通所介護"),
        ("73", "小規模多機能型居宅介護"),
        ("76", "定期巡回・随時対応型訪問介護看護"),
        ("77", "看護小規模多機能型居宅介護"),
        ("78", "地域密着型通所介護"),
        ("79", "看護小規模多機能型居宅介護（短期利用）"),
    ],
    "residential": [
        ("27", "特定施設入居者生活介護（短期利用）"),
        ("28", "地域密着型特定施設入居者生活介護（短期利用）"),
        ("32", "認知症対応型共同生活介護"),
        ("33", "特定施設入居者生活介護"),
        ("36", "地域密着型特定施設入居者生活介護"),
        ("38", "認知症対応型共同生活介護（短期利用）"),
        ("51", "介護福祉施設サービス"),
        ("52", "介護保健施設サービス"),
        ("54", "地域密着型介護老人福祉施設入所者生活介護"),
        ("55", "介護医療院サービス"),
        ("59", "特定入所者介護サービス等"),
    ],
    "other": [
        ("17", "福祉用具貸与"),
        ("41", "特定福祉用具販売"),
        ("42", "住宅改修"),
        ("81", "市町村特別給付"),
    ],
}

YEARS = [
    {
        "fiscal_year": 2025,
        "name": "令和7年度",
        "window_start": "2025-10-17",
        "window_end": "2026-03-13",
        "rules_url": "https://www.kaigo-kiban-portal.jp/assets/pdf/jyoseikin_youkou_01.pdf",
    },
    {
        "fiscal_year": 2026,
        "name": "令和8年度",
        "window_start": "2026-05-07",
        "window_end": "2027-03-12",
        "rules_url": "https://www.kaigo-kiban-portal.jp/assets/pdf/r8_jyoseikin_youkou_01.pdf",
    },
]

NOTES = (
    "受付期間は予定（domain.md §6.4）。サービス種類の区分は要綱別添の NPO による転記（2026-06-07 訂正版）。"
    "限度額は「サービス種別に応じた助成限度額の合計」により、サービス種類ごとに合算。"
)


def load(apps, schema_editor):
    ProgramYear = apps.get_model("subsidies", "ProgramYear")
    Category = apps.get_model("subsidies", "Category")
    ServiceTypeCategory = apps.get_model("subsidies", "ServiceTypeCategory")
    for data in YEARS:
        year, _ = ProgramYear.objects.update_or_create(
            fiscal_year=data["fiscal_year"],
            defaults={
                **data,
                "limit_unit": "service_type",
                "allow_reapply_after_grant": False,
                "notes": NOTES,
            },
        )
        for code, name, cap, limit, order in CATEGORIES:
            category, _ = Category.objects.update_or_create(
                program_year=year,
                code=code,
                defaults={"name": name, "reader_cap": cap, "limit_amount": limit, "sort_order": order},
            )
            for service_code, service_name in SERVICE_TYPES[code]:
                ServiceTypeCategory.objects.update_or_create(
                    program_year=year,
                    service_code=service_code,
                    defaults={"service_name": service_name, "category": category},
                )


def unload(apps, schema_editor):
    ProgramYear = apps.get_model("subsidies", "ProgramYear")
    ProgramYear.objects.filter(
        fiscal_year__in=[y["fiscal_year"] for y in YEARS], applications__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
