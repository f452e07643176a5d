"""認定調査票 (基本調査) as data: the item codes and the fixed choice lists of domain.md §2.5 / §2.5a.

The choice wording is the 2009-revision form as widely reproduced [K]; verify it against the
認定調査員テキスト before release. The "74 items" count is kept as metadata only (§2.5): no validation
depends on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError

FORM_VERSION = "09A"
NOMINAL_ITEM_COUNT = 74  # metadata only (domain.md §2.5)

PARALYSIS = ("ない", "左上肢", "右上肢", "左下肢", "右下肢", "その他（四肢の欠損）")
CONTRACTURE = ("ない", "肩関節", "股関節", "膝関節", "その他（四肢の欠損）")
HOLD_ON = ("つかまらないでできる", "何かにつかまればできる", "できない")
SITTING = ("できる", "自分の手で支えればできる", "支えてもらえればできる", "できない")
STANDING = ("支えなしでできる", "何か支えがあればできる", "できない")
BATHING = ("介助されていない", "一部介助", "全介助", "行っていない")
ASSIST3 = ("介助されていない", "一部介助", "全介助")
SIGHT = (
    "普通（日常生活に支障がない）", "約1m離れた視力確認表の図が見える", "目の前に置いた視力確認表の図が見える",
    "ほとんど見えない", "見えているのか判断不能",
)  # fmt: skip
HEARING = (
    "普通", "普通の声がやっと聞き取れる", "かなり大きな声なら何とか聞き取れる", "ほとんど聞えない",
    "聞えているのか判断不能",
)  # fmt: skip
ASSIST4 = ("介助されていない", "見守り等", "一部介助", "全介助")
SWALLOW = ("できる", "見守り等", "できない")
OUTINGS = ("週1回以上", "月1回以上", "月1回未満")
COMMUNICATION = (
    "調査対象者が意思を他者に伝達できる",
    "ときどき伝達できる",
    "ほとんど伝達できない",
    "できない",
)
CAN = ("できる", "できない")
FREQUENCY = ("ない", "ときどきある", "ある")
DECISION = ("できる（特別な場合でもできる）", "特別な場合を除いてできる", "日常的に困難", "できない")

SPECIAL_TREATMENTS = (
    "点滴の管理", "中心静脈栄養", "透析", "ストーマ（人工肛門）の処置", "酸素療法", "レスピレーター（人工呼吸器）",
    "気管切開の処置", "疼痛の看護", "経管栄養",
)  # fmt: skip
SPECIAL_CARE = (
    "モニター測定（血圧、心拍、酸素飽和度等）",
    "じょくそうの処置",
    "カテーテル（コンドームカテーテル、留置カテーテル、ウロストーマ等）",
)
PHYSICAL_INDEPENDENCE = ("自立", "J1", "J2", "A1", "A2", "B1", "B2", "C1", "C2")
DEMENTIA_INDEPENDENCE = ("自立", "Ⅰ", "Ⅱa", "Ⅱb", "Ⅲa", "Ⅲb", "Ⅳ", "M")


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    choices: tuple[str, ...]  # choice number n is choices[n - 1]
    multiple: bool = False

    @property
    def group(self) -> str:
        return self.code.split("-")[0]


@dataclass(frozen=True)
class Group:
    number: int
    label: str
    items: tuple[Item, ...]


def _items(prefix: int, labelled: list[tuple[str, tuple[str, ...]]]) -> tuple[Item, ...]:
    return tuple(Item(f"{prefix}-{n}", label, choices) for n, (label, choices) in enumerate(labelled, 1))


GROUPS: tuple[Group, ...] = (
    Group(1, "第1群 身体機能・起居動作", (
        Item("1-1", "麻痺等の有無", PARALYSIS, multiple=True),
        Item("1-2", "拘縮の有無", CONTRACTURE, multiple=True),
        *(Item(f"1-{n}", label, choices) for n, (label, choices) in enumerate([
            ("寝返り", HOLD_ON), ("起き上がり", HOLD_ON), ("座位保持", SITTING), ("両足での立位保持", STANDING),
            ("歩行", HOLD_ON), ("立ち上がり", HOLD_ON), ("片足での立位", STANDING), ("洗身", BATHING),
            ("つめ切り", ASSIST3), ("視力", SIGHT), ("聴力", HEARING),
        ], 3)),
    )),
    Group(2, "第2群 生活機能", _items(2, [
        ("移乗", ASSIST4), ("移動", ASSIST4), ("えん下", SWALLOW), ("食事摂取", ASSIST4), ("排尿", ASSIST4),
        ("排便", ASSIST4), ("口腔清潔", ASSIST3), ("洗顔", ASSIST3), ("整髪", ASSIST3), ("上衣の着脱", ASSIST4),
        ("ズボン等の着脱", ASSIST4), ("外出頻度", OUTINGS),
    ])),
    Group(3, "第3群 認知機能", _items(3, [
        ("意思の伝達", COMMUNICATION), ("毎日の日課を理解", CAN), ("生年月日や年齢を言う", CAN), ("短期記憶", CAN),
        ("自分の名前を言う", CAN), ("今の季節を理解", CAN), ("場所の理解", CAN), ("徘徊", FREQUENCY),
        ("外出すると戻れない", FREQUENCY),
    ])),
    Group(4, "第4群 精神・行動障害", _items(4, [(label, FREQUENCY) for label in (
        "被害的", "作話", "感情が不安定", "昼夜逆転", "同じ話をする", "大声を出す", "介護に抵抗", "落ち着きなし",
        "一人で出たがる", "収集癖", "物や衣類を壊す", "ひどい物忘れ", "独り言・独り笑い", "自分勝手に行動する",
        "話がまとまらない",
    )])),
    Group(5, "第5群 社会生活への適応", _items(5, [
        ("薬の内服", ASSIST3), ("金銭の管理", ASSIST3), ("日常の意思決定", DECISION), ("集団への不適応", FREQUENCY),
        ("買い物", ASSIST4), ("簡単な調理", ASSIST4),
    ])),
)  # fmt: skip

# 特別な医療 (過去14日間) and the two 日常生活自立度 scales.
SPECIAL_MEDICAL = (
    Item("6-1", "処置内容", SPECIAL_TREATMENTS, multiple=True),
    Item("6-2", "特別な対応", SPECIAL_CARE, multiple=True),
)
INDEPENDENCE = (
    Item("7-1", "障害高齢者の日常生活自立度（寝たきり度）", PHYSICAL_INDEPENDENCE),
    Item("7-2", "認知症高齢者の日常生活自立度", DEMENTIA_INDEPENDENCE),
)

BASIC_ITEMS: dict[str, Item] = {item.code: item for group in GROUPS for item in group.items}
ALL_ITEMS: dict[str, Item] = {**BASIC_ITEMS, **{i.code: i for i in SPECIAL_MEDICAL + INDEPENDENCE}}
# "ない" (choice 1) of 1-1 and 1-2 excludes the other choices.
EXCLUSIVE_NONE = {"1-1", "1-2"}


# A complete, valid set of answers (the demo and the tests use it).
EXAMPLE_ANSWERS = {
    "1-1": [1], "1-2": [2, 4], "1-3": 1, "1-4": 2, "1-5": 1, "1-6": 2, "1-7": 2, "1-8": 2, "1-9": 3,
    "1-10": 2, "1-11": 2, "1-12": 1, "1-13": 2,
    **{f"2-{n}": 1 for n in range(1, 13)},
    **{f"3-{n}": 1 for n in range(1, 10)},
    **{f"4-{n}": 1 for n in range(1, 16)},
    **{f"5-{n}": 1 for n in range(1, 7)},
    "6-1": [], "6-2": [3],
    "7-1": 4, "7-2": 3,  # 自立度 answers are choice numbers too: A1 and Ⅱa
}  # fmt: skip


# 概況調査 (domain.md §2.5). 調査実施者 (date, investigator, organisation, place) are the Survey's own
# columns; these are the rest of the overview, each optional but checked for its shape when given.
PREVIOUS = ("初回", "2回目以降")
OVERVIEW_TEXTS = {  # key: (label, max length)
    "previous_result": ("前回認定結果", 20),
    "contact": ("連絡先（電話番号・家族等）", 200),
    "services": ("現在受けているサービスの状況", 1000),
    "environment": ("置かれている環境等（家族状況・住宅環境等）", 1000),
}
OVERVIEW_FIELDS = {"previous": "過去の認定", "previous_certified_on": "前回認定日"} | {
    key: label for key, (label, _length) in OVERVIEW_TEXTS.items()
}


def overview_errors(overview: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(f"overview.{key}", []).append(message)

    for key in sorted(set(overview) - set(OVERVIEW_FIELDS)):
        add(key, f"概況調査の項目 {key} はありません。")
    previous = overview.get("previous")
    if previous not in (None, "") and (isinstance(previous, bool) or previous not in (1, 2)):
        add("previous", "過去の認定は 1（初回）か 2（2回目以降）で指定してください。")
    certified_on = overview.get("previous_certified_on")
    if certified_on not in (None, ""):
        try:
            dt.date.fromisoformat(str(certified_on))
        except ValueError:
            add("previous_certified_on", "前回認定日は YYYY-MM-DD で指定してください。")
    elif previous == 2:
        add("previous_certified_on", "2回目以降の申請では前回認定日を入力してください。")
    for key, (label, length) in OVERVIEW_TEXTS.items():
        text = overview.get(key)
        if text not in (None, "") and (not isinstance(text, str) or len(text) > length):
            add(key, f"{label}は{length}文字以内の文章で入力してください。")
    return errors


def survey_errors(answers: dict, notes: dict) -> dict[str, list[str]]:
    """Checks answers against the form: every 基本調査 item and both 自立度 scales answered with a
    choice number of the item; 特別な医療 as lists (none ticked is allowed); 特記事項 keyed to known items."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(answers) - set(ALL_ITEMS))
    for code in unknown:
        errors.setdefault(code, []).append(f"調査項目 {code} はありません。")
    for code, item in ALL_ITEMS.items():
        value = answers.get(code)
        optional = item in SPECIAL_MEDICAL
        if value in (None, "", []) and not optional:
            errors.setdefault(code, []).append(f"{code} {item.label}を選択してください。")
            continue
        values = value if isinstance(value, list) else [value]
        if value is None:
            values = []
        if not item.multiple and isinstance(value, list):
            errors.setdefault(code, []).append(f"{code} {item.label}は一つだけ選択してください。")
            continue
        if any(
            not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= len(item.choices) for v in values
        ):
            errors.setdefault(code, []).append(f"{code} {item.label}の選択肢が正しくありません。")
            continue
        if len(set(values)) != len(values):
            errors.setdefault(code, []).append(f"{code} {item.label}で同じ選択肢が重複しています。")
        elif code in EXCLUSIVE_NONE and 1 in values and len(values) > 1:
            errors.setdefault(code, []).append(
                f"{code} {item.label}で「ない」と他の選択肢は同時に選べません。"
            )
    for code, text in notes.items():
        if code not in ALL_ITEMS:
            errors.setdefault(f"notes.{code}", []).append(f"特記事項の項目番号 {code} はありません。")
        elif not isinstance(text, str):
            errors.setdefault(f"notes.{code}", []).append(f"特記事項 {code} は文章で入力してください。")
    return errors


def survey_validate(answers: dict, notes: dict, overview: dict | None = None) -> None:
    errors = survey_errors(answers, notes) | overview_errors(overview or {})
    if errors:
        raise ValidationError(errors)


def answer_labels(answers: dict) -> list[tuple[Item, list[str]]]:
    """Each item with the wording of the chosen answers (for pages and the PDF)."""
    out = []
    for code, item in ALL_ITEMS.items():
        value = answers.get(code)
        values = value if isinstance(value, list) else ([] if value is None else [value])
        out.append((item, [item.choices[v - 1] for v in values]))
    return out
