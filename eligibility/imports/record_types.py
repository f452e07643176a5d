"""The built-in record types: person, certification, burden_ratio, cost_limit, restriction, ledger."""

from __future__ import annotations

import datetime as dt

from ..models import (
    BurdenRatio,
    BurdenRatioVersion,
    CareLevel,
    CertificationVersion,
    CostLimitStage,
    CostLimitVersion,
    InsuredCategory,
    LedgerKind,
    LedgerLineVersion,
    PersonVersion,
    RestrictionKind,
    RestrictionVersion,
    Sex,
)
from . import fields as f
from .registry import Column, ParsedRow, RecordType, register


def _age_on(birth: dt.date, on: dt.date) -> int:
    # 年齢計算ニ関スル法律: a person turns a year older on the day before the birthday.
    on = on + dt.timedelta(days=1)
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@register
class PersonRecord(RecordType):
    name = "person"
    label = "被保険者"
    model = PersonVersion
    creates_person = True
    columns = (
        Column("name", "氏名", f.text(100)),
        Column("name_kana", "フリガナ", f.kana(100)),
        Column("birth_date", "生年月日", f.date),
        Column("sex", "性別", f.choice(Sex)),
        Column("postal_code", "郵便番号", f.postal_code, required=False),
        Column("address", "住所", f.text(200)),
        Column("qualified_on", "資格取得日", f.date),
        Column("disqualified_on", "資格喪失日", f.date, required=False),
        Column("category", "被保険者区分", f.choice(InsuredCategory)),
        Column("issued_on", "交付年月日", f.date, required=False),
    )

    def check(self, row: ParsedRow) -> None:
        v = row.values
        if v.get("birth_date") and v.get("qualified_on"):
            if v["birth_date"] > v["qualified_on"]:
                row.error(
                    "qualified_on",
                    v["qualified_on"],
                    "person.qualified_before_birth",
                    "資格取得日が生年月日より前です。",
                )
            elif v.get("category"):
                age = _age_on(v["birth_date"], v["qualified_on"])
                if v["category"] == InsuredCategory.FIRST and age < 65:
                    row.error(
                        "category",
                        v["category"],
                        "person.category_age",
                        f"第1号被保険者は65歳以上です（資格取得時 {age}歳）。",
                        "warning",
                    )
                if v["category"] == InsuredCategory.SECOND and not 40 <= age < 65:
                    row.error(
                        "category",
                        v["category"],
                        "person.category_age",
                        f"第2号被保険者は40歳以上65歳未満です（資格取得時 {age}歳）。",
                        "warning",
                    )
        if v.get("disqualified_on") and v.get("qualified_on") and v["disqualified_on"] < v["qualified_on"]:
            row.error(
                "disqualified_on",
                v["disqualified_on"],
                "person.disqualified_before_qualified",
                "資格喪失日が資格取得日より前です。",
            )


@register
class CertificationRecord(RecordType):
    name = "certification"
    label = "認定情報"
    model = CertificationVersion
    key_fields = ("valid_from",)
    columns = (
        Column("care_level", "要介護状態区分", f.choice(CareLevel)),
        Column("certified_on", "認定年月日", f.date),
        Column("valid_from", "認定有効期間（開始）", f.date),
        Column("valid_to", "認定有効期間（終了）", f.month_end),
        Column("panel_opinion", "認定審査会の意見及びサービスの種類の指定", f.text(1000), required=False),
        Column("care_plan_office_number", "居宅介護支援事業所番号", f.office_number, required=False),
        Column("care_plan_office_name", "居宅介護支援事業者名", f.text(200), required=False),
        Column("care_plan_notified_on", "届出年月日", f.date, required=False),
    )

    def check(self, row: ParsedRow) -> None:
        v = row.values
        start, end = v.get("valid_from"), v.get("valid_to")
        if start and end:
            if end < start:
                row.error("valid_to", end, "period.reversed", "有効期間の終了日が開始日より前です。")
            else:
                months = f.months_of(start, end)
                # Recorded decisions may follow older rules or the 2020–23 special extensions: a warning here;
                # the certification app enforces the ranges for new decisions (domain.md §2.4).
                if not 3 <= months <= 48:
                    row.error(
                        "valid_to",
                        end,
                        "certification.period_range",
                        f"認定有効期間が {months} か月です（現行の上限は48か月、下限は3か月）。",
                        "warning",
                    )
        if v.get("care_plan_office_number") and not v.get("care_plan_office_name"):
            row.error(
                "care_plan_office_name", "", "field.required", "事業所番号があるときは事業者名も必要です。"
            )


class _UntilJuly31(RecordType):
    key_fields = ("valid_from",)

    def check(self, row: ParsedRow) -> None:
        start, end = row.values.get("valid_from"), row.values.get("valid_to")
        if start and end:
            if end < start:
                row.error("valid_to", end, "period.reversed", "有効期限が適用開始日より前です。")
            elif start < dt.date(end.year - 1, 8, 1):
                row.error(
                    "valid_from",
                    start,
                    "period.too_long",
                    "適用期間は8月1日から翌年7月31日までの1年以内です。",
                )


@register
class BurdenRatioRecord(_UntilJuly31):
    name = "burden_ratio"
    label = "負担割合"
    model = BurdenRatioVersion
    columns = (
        Column("ratio", "利用者負担の割合", f.choice(BurdenRatio)),
        Column("valid_from", "適用開始日", f.date),
        Column("valid_to", "適用終了日", f.july_31),
    )


@register
class CostLimitRecord(_UntilJuly31):
    name = "cost_limit"
    label = "負担限度額認定"
    model = CostLimitVersion
    columns = (
        Column("stage", "利用者負担段階", f.choice(CostLimitStage)),
        Column("residence_cap", "居住費の負担限度額（円/日）", f.yen),
        Column("food_cap", "食費の負担限度額（円/日）", f.yen),
        Column("valid_from", "適用開始日", f.date),
        Column("valid_to", "有効期限", f.july_31),
    )


@register
class RestrictionRecord(RecordType):
    name = "restriction"
    label = "給付制限"
    model = RestrictionVersion
    key_fields = ("kind", "valid_from")
    columns = (
        Column("kind", "給付制限の内容", f.choice(RestrictionKind)),
        Column("valid_from", "期間（開始）", f.date),
        Column("valid_to", "期間（終了）", f.date, required=False),
        Column("detail", "詳細", f.text(200), required=False),
    )

    def check(self, row: ParsedRow) -> None:
        start, end = row.values.get("valid_from"), row.values.get("valid_to")
        if start and end and end < start:
            row.error("valid_to", end, "period.reversed", "期間の終了日が開始日より前です。")


@register
class LedgerRecord(RecordType):
    name = "ledger"
    label = "住宅改修費・福祉用具購入費"
    model = LedgerLineVersion
    key_fields = ("line_id",)
    columns = (
        Column("line_id", "明細番号", f.line_id),
        Column("kind", "種類", f.choice(LedgerKind)),
        Column("service_date", "施工・購入日", f.date),
        Column("amount", "費用額（円）", f.yen),
        Column("dwelling", "住宅（住所）", f.text(200), required=False),
    )

    def check(self, row: ParsedRow) -> None:
        if (
            row.values.get("kind") == LedgerKind.HOUSING
            and not row.values.get("dwelling")
            and row.action != "delete"
        ):
            row.error("dwelling", "", "field.required", "住宅改修には住宅（住所）が必要です。")
