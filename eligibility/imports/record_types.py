"""The built-in record types: person, certification, burden_ratio, cost_limit, restriction, ledger."""

from __future__ import annotations

import datetime as dt

from kaigo_portal import wareki

from ..models import (
    LOSS_ON_THE_DAY,
    AcquisitionReason,
    BurdenRatio,
    BurdenRatioVersion,
    CareLevel,
    CertificationVersion,
    CostLimitStage,
    CostLimitVersion,
    InsuredCategory,
    LedgerKind,
    LedgerLineVersion,
    LossReason,
    PersonVersion,
    RestrictionKind,
    RestrictionVersion,
    Sex,
    SpecialResidence,
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
        Column("acquisition_reason", "資格取得事由", f.choice(AcquisitionReason), required=False),
        Column("previous_insurer_number", "転入前の保険者番号", f.insurer_number, required=False),
        Column("previous_insured_number", "転入前の被保険者番号", f.insured_number, required=False),
        Column("loss_reason", "資格喪失事由", f.choice(LossReason), required=False),
        Column("loss_event_on", "喪失事由の発生日", f.date, required=False),
        Column("special_residence", "住所地特例", f.choice(SpecialResidence), required=False),
        Column("facility_insurer_number", "施設所在保険者番号", f.insurer_number, required=False),
        Column("special_residence_from", "住所地特例の開始日", f.date, required=False),
        Column("special_residence_to", "住所地特例の終了日", f.date, required=False),
    )

    def check(self, row: ParsedRow) -> None:
        self._check_loss(row)
        self._check_move_in(row)
        self._check_special_residence(row)
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

    @staticmethod
    def _check_loss(row: ParsedRow) -> None:
        """介護保険法 §11: the 資格喪失日 follows from the reason and the day of the event."""
        v = row.values
        reason, lost, event = v.get("loss_reason"), v.get("disqualified_on"), v.get("loss_event_on")
        if lost and not reason:
            row.error(
                "loss_reason",
                "",
                "person.loss_reason_missing",
                "資格喪失日があるのに資格喪失事由がありません。",
                "warning",
            )
        if not reason:
            return
        if not lost:
            row.error(
                "disqualified_on",
                "",
                "person.loss_date_missing",
                "資格喪失事由があるのに資格喪失日がありません。",
            )
            return
        if reason == LossReason.OTHER:
            return
        if not event:
            row.error(
                "loss_event_on",
                "",
                "person.loss_event_missing",
                "資格喪失事由の発生日（転出日・死亡日など）がありません。",
            )
            return
        if reason == LossReason.MEDICAL_INSURANCE and v.get("category") != InsuredCategory.SECOND:
            row.error(
                "loss_reason",
                reason,
                "person.loss_reason_category",
                "医療保険の資格喪失による喪失は第2号被保険者だけです。",
            )
        expected = event if reason in LOSS_ON_THE_DAY else event + dt.timedelta(days=1)
        if lost != expected:
            when = "その日" if reason in LOSS_ON_THE_DAY else "翌日"
            row.error(
                "disqualified_on",
                lost,
                "person.loss_date_rule",
                f"資格喪失日は、{LossReason(reason).label}の場合は事由発生日の{when}"
                f"（{wareki.to_wareki_with_seireki(expected)}）です（介護保険法第11条）。",
            )

    @staticmethod
    def _check_move_in(row: ParsedRow) -> None:
        v = row.values
        previous = v.get("previous_insurer_number"), v.get("previous_insured_number")
        if any(previous) and not all(previous):
            row.error(
                "previous_insured_number",
                "",
                "person.previous_incomplete",
                "転入前の保険者番号と被保険者番号は両方を入力してください。",
            )
        if v.get("acquisition_reason") == AcquisitionReason.MOVED_IN and not all(previous):
            row.error(
                "previous_insurer_number",
                "",
                "person.previous_missing",
                "転入による取得では、転入前の保険者番号と被保険者番号があると前の記録とつなげられます。",
                "warning",
            )
        if previous[0] and previous[0] == row.insurer_number:
            row.error(
                "previous_insurer_number",
                previous[0],
                "person.previous_same_insurer",
                "転入前の保険者番号が自保険者の番号です。",
            )

    @staticmethod
    def _check_special_residence(row: ParsedRow) -> None:
        """介護保険法 §13: a 住所地特例 person names the facility's municipality and when it began."""
        v = row.values
        start, end, facility = (
            v.get("special_residence_from"),
            v.get("special_residence_to"),
            v.get("facility_insurer_number"),
        )
        if not v.get("special_residence"):
            if start or end or facility:
                row.error(
                    "special_residence",
                    "",
                    "person.special_residence_missing",
                    "住所地特例の項目があるのに住所地特例の区分がありません。",
                )
            return
        if not facility:
            row.error(
                "facility_insurer_number",
                "",
                "person.facility_insurer_missing",
                "住所地特例対象者には施設所在保険者番号が必要です。",
            )
        elif facility == row.insurer_number:
            row.error(
                "facility_insurer_number",
                facility,
                "person.facility_insurer_same",
                "施設所在保険者番号が自保険者の番号です（住所地特例は他市町村の施設の入所者です）。",
            )
        if not start:
            row.error(
                "special_residence_from",
                "",
                "person.special_residence_start",
                "住所地特例の開始日がありません。",
            )
        elif end and end < start:
            row.error(
                "special_residence_to", end, "period.reversed", "住所地特例の終了日が開始日より前です。"
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
