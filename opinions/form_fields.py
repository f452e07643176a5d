"""主治医意見書 as data: the form versions, the sections, each field with its choice list (domain.md §2.6),
the 16 特定疾病 (domain.md §2.5b), and an example document. opinions.form validates against these."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

FORM_2021 = "2021-04"
FORM_2026 = "2026-04"
FORM_VERSIONS = {FORM_2021: "令和3年4月改訂様式", FORM_2026: "令和8年4月改訂様式（介護情報基盤対応）"}
FORM_2026_FROM = dt.date(2026, 4, 1)
MAX_DIAGNOSES = 3

# 介護保険法施行令第2条: the 16 特定疾病 (domain.md §2.5b). A 第2号被保険者's opinion must name one.
SPECIFIED_DISEASES: dict[int, str] = {
    1: "がん（医師が一般に認められている医学的知見に基づき回復の見込みがない状態に至ったと判断したものに限る。）",
    2: "関節リウマチ",
    3: "筋萎縮性側索硬化症",
    4: "後縦靱帯骨化症",
    5: "骨折を伴う骨粗鬆症",
    6: "初老期における認知症",
    7: "進行性核上性麻痺、大脳皮質基底核変性症及びパーキンソン病",
    8: "脊髄小脳変性症",
    9: "脊柱管狭窄症",
    10: "早老症",
    11: "多系統萎縮症",
    12: "糖尿病性神経障害、糖尿病性腎症及び糖尿病性網膜症",
    13: "脳血管疾患",
    14: "閉塞性動脈硬化症",
    15: "慢性閉塞性肺疾患",
    16: "両側の膝関節又は股関節に著しい変形を伴う変形性関節症",
}

SECTIONS = {
    "basic": "0 基本情報",
    "diagnoses": "1 傷病に関する意見",
    "special_medical": "2 特別な医療",
    "mental_physical": "3 心身の状態に関する意見",
    "life_function": "4 生活機能とサービスに関する意見",
    "notes": "5 特記すべき事項",
}


@dataclass(frozen=True)
class Field:
    """One entry of the form. `path` is dotted within the document; `kind` one of text, textarea, date,
    choice (one of `choices`, 1-based), multi (a list of them), bool, number."""

    path: str
    label: str
    kind: str = "text"
    choices: tuple[str, ...] = ()
    required: bool = False
    max_length: int = 200
    versions: tuple[str, ...] = (FORM_2021, FORM_2026)
    minimum: float | None = None
    maximum: float | None = None

    @property
    def section(self) -> str:
        return self.path.split(".", 1)[0]

    def label_of(self, value) -> str:
        if self.kind == "choice" and isinstance(value, int) and 1 <= value <= len(self.choices):
            return self.choices[value - 1]
        if self.kind == "multi" and isinstance(value, list):
            return "、".join(self.label_of_one(v) for v in value)
        if self.kind == "bool" and isinstance(value, bool):
            return "あり" if value else "なし"
        if self.kind == "date" and isinstance(value, str):
            return date_text(value)
        return "" if value is None else str(value)

    def label_of_one(self, value) -> str:
        return (
            self.choices[value - 1]
            if isinstance(value, int) and 1 <= value <= len(self.choices)
            else str(value)
        )


def date_text(value: str) -> str:
    """A date of the document (YYYY-MM-DD, or YYYY-MM or YYYY for an onset) as people read it: 和暦 with 西暦.
    Anything else is shown as written."""
    from kaigo_portal.wareki import to_wareki_month, to_wareki_with_seireki

    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return to_wareki_with_seireki(dt.date.fromisoformat(value))
        if re.fullmatch(r"\d{4}-\d{2}", value):
            day = dt.date(int(value[:4]), int(value[5:]), 1)
            return f"{to_wareki_month(day)}（{day.year}年{day.month}月）"
        if re.fullmatch(r"\d{4}", value):  # a year alone: the era at its end (1989 is 平成元年)
            return f"{to_wareki_month(dt.date(int(value), 12, 1)).removesuffix('12月')}（{value}年）"
    except ValueError:
        pass
    return value


YES_NO = ("有", "無")
STABILITY = ("安定", "不安定", "不明")
PHYSICAL_INDEPENDENCE = ("自立", "J1", "J2", "A1", "A2", "B1", "B2", "C1", "C2")
DEMENTIA_INDEPENDENCE = ("自立", "Ⅰ", "Ⅱa", "Ⅱb", "Ⅲa", "Ⅲb", "Ⅳ", "M")
TREATMENTS = (
    "点滴の管理", "中心静脈栄養", "透析", "ストーマの処置", "酸素療法", "レスピレーター", "気管切開の処置",
    "疼痛の看護", "経管栄養",
)  # fmt: skip
SPECIAL_CARE = (
    "モニター測定（血圧、心拍、酸素飽和度等）",
    "褥瘡の処置",
    "カテーテル（コンドームカテーテル、留置カテーテル等）",
)
BPSD = (
    "幻視・幻聴", "妄想", "昼夜逆転", "暴言", "暴行", "介護への抵抗", "徘徊", "火の不始末", "不潔行為", "異食行動",
    "性的問題行動", "その他",
)  # fmt: skip
BODY = (
    "四肢欠損", "麻痺", "筋力の低下", "関節の拘縮", "関節の痛み", "失調・不随意運動", "褥瘡", "その他の皮膚疾患",
)  # fmt: skip
RISKS = (
    "尿失禁", "転倒・骨折", "移動能力の低下", "褥瘡", "心肺機能の低下", "閉じこもり", "意欲低下", "徘徊",
    "低栄養", "摂食・嚥下機能低下", "脱水", "易感染性", "がん等による疼痛", "その他",
)  # fmt: skip
MEDICAL_SERVICES = (
    "訪問診療", "訪問看護", "訪問歯科診療", "訪問薬剤管理指導", "訪問リハビリテーション", "短期入所療養介護",
    "訪問歯科衛生指導", "訪問栄養食事指導", "通所リハビリテーション", "老人保健施設", "介護医療院", "その他",
)  # fmt: skip

FIELDS: tuple[Field, ...] = (
    # 0 基本情報
    Field("basic.insurer_number", "保険者番号", required=True, max_length=6),
    Field("basic.insured_number", "被保険者番号", required=True, max_length=10),
    Field("basic.applicant.name", "申請者氏名", required=True, max_length=100),
    Field("basic.applicant.name_kana", "申請者氏名（フリガナ）", max_length=100),
    Field("basic.applicant.birth_date", "生年月日", "date", required=True),
    Field("basic.applicant.sex", "性別", "choice", ("男", "女"), required=True),
    Field("basic.applicant.address", "住所", max_length=200),
    Field("basic.physician.name", "医師氏名", required=True, max_length=100),
    Field("basic.physician.institution_name", "医療機関名", required=True),
    Field("basic.physician.medical_institution_code", "医療機関コード", required=True, max_length=10),
    Field("basic.physician.address", "医療機関所在地"),
    Field("basic.physician.phone", "電話", max_length=20),
    Field("basic.written_on", "記入日", "date", required=True),
    Field("basic.last_examined_on", "最終診察日", "date", required=True),
    Field("basic.times", "意見書作成回数", "choice", ("初回", "2回目以上"), required=True),
    Field("basic.other_departments", "他科受診の有無", "choice", YES_NO, required=True),
    Field("basic.other_departments_detail", "他科受診の診療科", max_length=200),
    Field(
        "basic.physician_consent",
        "介護サービス計画作成等に利用されることへの主治医の同意",
        "choice",
        ("同意する", "同意しない"),
        required=True,
        versions=(FORM_2021,),
    ),
    Field("basic.consent_confirmation", "同意の確認", "bool", versions=(FORM_2026,)),
    # 1 傷病に関する意見 (the diagnoses themselves are a list: see DIAGNOSIS_FIELDS)
    Field("diagnoses.stability", "症状としての安定性", "choice", STABILITY, required=True),
    Field("diagnoses.stability_detail", "不安定とした場合の具体的な状況", "textarea", max_length=400),
    Field(
        "diagnoses.course_and_medication",
        "生活機能低下の直接の原因となっている傷病の経過及び投薬内容",
        "textarea",
        required=True,
        max_length=2000,
    ),
    # 2 特別な医療（過去14日間以内に受けた医療）
    Field("special_medical.treatments", "処置内容", "multi", TREATMENTS),
    Field("special_medical.special_care", "特別な対応・失禁への対応", "multi", SPECIAL_CARE),
    # 3 心身の状態に関する意見
    Field(
        "mental_physical.physical_independence",
        "障害高齢者の日常生活自立度（寝たきり度）",
        "choice",
        PHYSICAL_INDEPENDENCE,
        required=True,
    ),
    Field(
        "mental_physical.dementia_independence",
        "認知症高齢者の日常生活自立度",
        "choice",
        DEMENTIA_INDEPENDENCE,
        required=True,
    ),
    Field("mental_physical.short_term_memory", "短期記憶", "choice", ("問題なし", "問題あり"), required=True),
    Field(
        "mental_physical.cognitive_ability",
        "日常の意思決定を行うための認知能力",
        "choice",
        ("自立", "いくらか困難", "見守りが必要", "判断できない"),
        required=True,
    ),
    Field(
        "mental_physical.communication",
        "自分の意思の伝達能力",
        "choice",
        ("伝えられる", "いくらか困難", "具体的要求に限られる", "伝えられない"),
        required=True,
    ),
    Field(
        "mental_physical.eating",
        "食事行為",
        "choice",
        ("自立ないし何とか自分で食べられる", "全面介助"),
        required=True,
    ),
    Field("mental_physical.bpsd", "認知症の行動・心理症状", "multi", BPSD),
    Field("mental_physical.psychiatric", "その他の精神・神経症状", "choice", YES_NO),
    Field("mental_physical.psychiatric_detail", "精神・神経症状名", max_length=200),
    Field("mental_physical.dominant_hand", "利き腕", "choice", ("右", "左")),
    Field("mental_physical.height_cm", "身長（cm）", "number", minimum=50, maximum=250),
    Field("mental_physical.weight_kg", "体重（kg）", "number", minimum=10, maximum=250),
    Field("mental_physical.body", "身体の状態", "multi", BODY),
    # 4 生活機能とサービスに関する意見
    Field(
        "life_function.outdoor_walking",
        "屋外歩行",
        "choice",
        ("自立", "介助があればしている", "していない"),
        required=True,
    ),
    Field(
        "life_function.wheelchair",
        "車いすの使用",
        "choice",
        ("用いていない", "主に自分で操作", "主に他人が操作"),
        required=True,
    ),
    Field(
        "life_function.walking_aids",
        "歩行補助具・装具の使用",
        "multi",
        ("用いていない", "屋外で使用", "屋内で使用"),
    ),
    Field("life_function.nutrition", "現在の栄養状態", "choice", ("良好", "不良")),
    Field("life_function.risks", "現在あるかまたは今後発生の可能性の高い状態", "multi", RISKS),
    Field("life_function.risk_policy", "対処方針", "textarea", max_length=400),
    Field(
        "life_function.outlook",
        "サービス利用による生活機能の維持・改善の見通し",
        "choice",
        ("期待できる", "期待できない", "不明"),
        required=True,
    ),
    Field("life_function.medical_services", "医学的管理の必要性", "multi", MEDICAL_SERVICES),
    Field(
        "life_function.care_notes",
        "サービス提供時における医学的観点からの留意事項",
        "textarea",
        max_length=800,
    ),
    Field("life_function.infection", "感染症の有無", "choice", ("無", "有", "不明"), required=True),
    Field("life_function.infection_detail", "感染症名", max_length=200),
    # 5 特記すべき事項
    Field("notes.text", "特記すべき事項", "textarea", max_length=4000),
)
FIELDS_BY_PATH = {f.path: f for f in FIELDS}

DIAGNOSIS_FIELDS: tuple[Field, ...] = (
    Field("name", "診断名", required=True, max_length=100),
    Field("onset", "発症年月日（YYYY-MM-DD、YYYY-MM または YYYY）", required=True, max_length=10),
    Field(
        "specified_disease",
        "特定疾病の番号（介護保険法施行令第2条）",
        "choice",
        tuple(SPECIFIED_DISEASES.values()),
    ),
)

ONSET = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
DIGITS = {
    "basic.insurer_number": 6,
    "basic.insured_number": 10,
    "basic.physician.medical_institution_code": 10,
}


EXAMPLE: dict = {
    "form_version": FORM_2026,
    "basic": {
        "insurer_number": "131011",
        "insured_number": "0000000101",
        "applicant": {
            "name": "介護 花子",
            "name_kana": "カイゴ　ハナコ",
            "birth_date": "1940-05-03",
            "sex": 2,
            "address": "東京都千代田区神田神保町一丁目1番地",
        },
        "physician": {
            "name": "千代田 一郎",
            "institution_name": "千代田内科クリニック",
            "medical_institution_code": "1310112345",
            "address": "東京都千代田区九段南1-2-1",
            "phone": "03-0000-0000",
        },
        "written_on": "2026-06-01",
        "last_examined_on": "2026-05-28",
        "times": 2,
        "other_departments": 1,
        "other_departments_detail": "整形外科",
        "consent_confirmation": True,
    },
    "diagnoses": {
        "items": [
            {"name": "脳梗塞", "onset": "2024-03-10", "specified_disease": 13},
            {"name": "高血圧症", "onset": "2015"},
        ],
        "stability": 1,
        "course_and_medication": "令和6年3月に脳梗塞を発症し左片麻痺が残る。降圧薬・抗血小板薬を内服中。",
    },
    "special_medical": {"treatments": [], "special_care": [1]},
    "mental_physical": {
        "physical_independence": 5,
        "dementia_independence": 3,
        "short_term_memory": 2,
        "cognitive_ability": 2,
        "communication": 1,
        "eating": 1,
        "bpsd": [],
        "psychiatric": 2,
        "dominant_hand": 1,
        "height_cm": 152,
        "weight_kg": 48.5,
        "body": [2, 3],
    },
    "life_function": {
        "outdoor_walking": 2,
        "wheelchair": 3,
        "walking_aids": [2, 3],
        "nutrition": 1,
        "risks": [2, 3],
        "risk_policy": "転倒予防のため住環境の整備と歩行訓練を継続。",
        "outlook": 1,
        "medical_services": [2, 5],
        "care_notes": "血圧に留意し、入浴前に測定すること。",
        "infection": 1,
    },
    "notes": {"text": "特になし。"},
}
