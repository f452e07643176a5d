"""The one mapping between the portal's rows and the standard's records, both ways.

Each file's columns that a model holds are listed once, as (column key, attribute); the cell's form
follows from the column's kind (layouts.py) and the attribute's value: a date is YYYYMMDD, a month
YYYYMM, a number its digits, a flag 1/0, text as it is. Columns the platform knows (the person's name,
sex, birth date and address, the author office) are written from the platform and checked on import,
never taken from the file. Where the portal's code differs from the standard's, the table is here too.
"""

from __future__ import annotations

import datetime as dt

from django.db import models

from ..models import CertificationStatus, PlanKind
from .layouts import LAYOUTS, Layout

# 計画書区分: the portal's 初回・紹介・継続 and the standard's code.
PLAN_KIND_CODES = {
    PlanKind.FIRST: "11",
    PlanKind.REFERRAL: "12",
    PlanKind.CONTINUING: "21",
    PlanKind.FIRST_REFERRAL: "51",
    PlanKind.FIRST_CONTINUING: "52",
    PlanKind.REFERRAL_CONTINUING: "53",
    PlanKind.ALL: "54",
}
# 認定状況区分: the standard counts 1 申請中, 2 認定済 (the portal's codes are the other way round).
CERTIFICATION_CODES = {CertificationStatus.APPLYING: "1", CertificationStatus.CERTIFIED: "2"}
# 生活援助中心型の算定理由: the portal keeps the reason as text; the standard, as a code and その他理由.
LIVING_SUPPORT_CODES = {"一人暮らし": "1", "家族等が障害、疾病等": "2"}
OTHER_REASON = "3"

# The columns each model holds, by the model's attribute (the month's own columns where a line repeats them).
PLAN_LINE = (
    ("単位数", "units"),
    ("サービス利用日", "day"),
    ("日割対象日", "pro_rata_days"),
    ("サービス開始時刻", "starts"),
    ("サービス終了時刻", "ends"),
    ("サービス回数", "count"),
    ("サービスコード", "service_code"),
    ("TAISコード", "tais_code"),
    ("福祉用具届出コード", "notified_code"),
    ("用具名称（機種名）", "equipment_name"),
    ("明細判別コード", "detail_code"),
    ("サービス事業者コード", "office_number"),
    ("サービス事業所名", "office_name"),
    ("サテライト枝番", "satellite"),
    ("３０日超区分", "over_30_days"),
    ("更新業者コード", "updater_code"),
)
MONTH_OF_LINE = (
    ("対象年月", "month"),
    ("プラン担当者名", "care_manager_name"),
    ("前月までの短期入所利用日数", "short_stay_days_before"),
)
TABLE7_ROW = (
    ("作成年月日", "created_on"),
    ("サービス事業所名", "office_name"),
    ("サービス事業所コード", "office_number"),
    ("サテライト枝番", "satellite"),
    ("サービスコード", "service_code"),
    ("TAISコード", "tais_code"),
    ("福祉用具届出コード", "notified_code"),
    ("用具名称（機種名）", "equipment_name"),
    ("単位数", "units"),
    ("割引後率", "discount_rate"),
    ("割引後単位数", "discounted_units"),
    ("回数／日数", "count"),
    ("サービス単位金額", "unit_amount"),
    ("給付管理単位数", "managed_units"),
    ("種類支給限度基準超単位数", "type_over"),
    ("種類支給限度基準内単位数", "type_within"),
    ("区分支給限度基準超単位数", "limit_over"),
    ("区分支給限度基準内単位数", "limit_within"),
    ("単位数単価", "unit_price"),
    ("費用総額保険／事業対象分", "total_cost"),
    ("給付率", "benefit_rate"),
    ("保険／事業費請求額", "claim"),
    ("定額利用者負担単価金額", "fixed_burden"),
    ("利用者負担保険／事業対象分", "burden"),
    ("利用者負担（全額負担分）", "full_burden"),
    ("前月までの利用日数", "days_before"),
    ("当月の計画利用日数", "days_planned"),
    ("累積利用日数", "days_total"),
    ("３０日超区分", "over_30_days"),
    ("事業所コード", "site_code"),
    ("入力者コード", "entered_by_code"),
    ("更新業者コード", "updater_code"),
)
PLAN_1 = (
    ("居宅サービス計画作成者氏名", "care_manager_name"),
    ("計画書区分", "plan_kind"),
    ("認定状況区分", "certification_status"),
    ("認定日", "certified_on"),
    ("認定有効期間開始日", "valid_from"),
    ("認定有効期間終了日", "valid_to"),
    ("要介護状態区分", "care_level"),
    ("利用者及び家族の生活に対する意向を踏まえた課題分析の結果", "intentions"),
    ("介護認定審査会の意見及びサービスの種類の指定", "panel_opinion"),
    ("総合的な援助の方針", "policy"),
)
PLAN_ROW = (
    ("課題ＮＯ", "need_no"),
    ("課題", "need"),
    ("援助目標ＮＯ", "goal_no"),
    ("長期目標", "long_goal"),
    ("短期目標", "short_goal"),
    ("長期期間", "long_period"),
    ("短期期間", "short_period"),
    ("援助内容ＮＯ", "service_no"),
    ("サービス内容", "service_content"),
    ("保険対象区分", "insured"),
    ("サービス種別", "service_kind"),
    ("サービス事業者コード", "office_number"),
    ("サービス事業所名", "office_name"),
    ("頻度", "frequency"),
    ("実施期間", "period"),
)
SHEETS = {
    "UPPLAN": PLAN_LINE,
    "UPJSK": PLAN_LINE,
    "UPSIKYU": TABLE7_ROW,
    "UP1KYO": PLAN_1,
    "UP2KYO": PLAN_ROW,
}
# Codes of the standard stored as the portal's own: (file, column key) -> {portal value: cell}.
CODES = {
    ("UP1KYO", "計画書区分"): PLAN_KIND_CODES,
    ("UP1KYO", "認定状況区分"): CERTIFICATION_CODES,
    ("UP2KYO", "保険対象区分"): {True: "Y", False: "N"},
}
BLANK_READS = {("UP2KYO", "保険対象区分"): False}  # the spec's own example leaves 対象外 blank


def ymd(day: dt.date | None) -> str:
    return day.strftime("%Y%m%d") if day else ""


def ym(month: dt.date | None) -> str:
    return month.strftime("%Y%m") if month else ""


def hhmm(time: dt.time | None) -> str:
    return time.strftime("%H%M") if time else ""


def _kind(layout: Layout, key: str) -> str:
    return next(c.kind for c in layout.columns if layout.key(c) == key)


def cell(layout: Layout, key: str, value) -> str:
    """A value as the column writes it."""
    codes = CODES.get((layout.prefix, key))
    if codes is not None:
        return codes.get(value, "") if value != "" else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return ym(value) if _kind(layout, key) == "month" else ymd(value)
    return str(value)


def value(layout: Layout, key: str, text: str, field):
    """A cell as the model's field holds it (the codec has checked its form already)."""
    codes = CODES.get((layout.prefix, key))
    if codes is not None:
        if text == "":
            return BLANK_READS.get((layout.prefix, key), "")
        return {cell_: portal for portal, cell_ in codes.items()}[text]
    if isinstance(field, models.BooleanField):
        return text == "1"
    if isinstance(field, models.DateField):
        if text in ("", "000000", "00000000"):
            return None
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]) if len(text) == 8 else 1)
    if isinstance(field, models.IntegerField):
        return int(text) if text else None
    return text


def cells_of(prefix: str, obj, pairs=None) -> dict[str, str]:
    layout = LAYOUTS[prefix]
    return {key: cell(layout, key, getattr(obj, name)) for key, name in (pairs or SHEETS[prefix])}


def values_of(prefix: str, record: dict[str, str], model, pairs=None) -> dict:
    """The attributes of `model` that the record's cells give."""
    layout = LAYOUTS[prefix]
    return {
        name: value(layout, key, record[key], model._meta.get_field(name))
        for key, name in (pairs or SHEETS[prefix])
    }


def living_support_cells(reason: str) -> tuple[str, str]:
    """(生活援助中心型の算定理由, その他理由) of the portal's text."""
    if not reason:
        return "", ""
    code = LIVING_SUPPORT_CODES.get(reason)
    return (code, "") if code else (OTHER_REASON, reason)


def living_support_reason(code: str, other: str) -> str:
    if code == OTHER_REASON:
        return other or "その他"
    return next((text for text, c in LIVING_SUPPORT_CODES.items() if c == code), "")
