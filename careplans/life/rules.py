"""LIFE score rules (domain.md §2.5c): each item's allowed scores, totals, and BMI.

`validate` checks a whole submission item by item and returns every problem at once, keyed by item
(`barthel.feeding`, `dbd13.3`, `vitality.waking`, `nutrition.height_cm`), each with a stable code and a
Japanese message. Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Barthel Index: (key, label, allowed scores).
BARTHEL_ITEMS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("feeding", "食事", (0, 5, 10)),
    ("transfer", "車椅子からベッドへの移乗", (0, 5, 10, 15)),
    ("grooming", "整容", (0, 5)),
    ("toilet", "トイレ動作", (0, 5, 10)),
    ("bathing", "入浴", (0, 5)),
    ("walking", "歩行", (0, 5, 10, 15)),
    ("stairs", "階段昇降", (0, 5, 10)),
    ("dressing", "着替え", (0, 5, 10)),
    ("bowels", "排便コントロール", (0, 5, 10)),
    ("bladder", "排尿コントロール", (0, 5, 10)),
)

# DBD13: 13 items, each 0 (まったくない) to 4 (常にある).
DBD13_ITEMS: tuple[tuple[str, str], ...] = tuple(
    (str(number), label)
    for number, label in enumerate(
        (
            "同じことを何度も何度も聞く",
            "よく物をなくしたり、置場所を間違えたり、隠したりしている",
            "日常的な物事に関心を示さない",
            "特別な理由がないのに夜中起き出す",
            "特別な根拠もないのに人に言いがかりをつける",
            "昼間、寝てばかりいる",
            "やたらに歩き回る",
            "同じ動作をいつまでも繰り返す",
            "口汚くののしる",
            "場違いあるいは季節に合わない不適切な服装をする",
            "世話をされるのを拒否する",
            "物を貯め込む",
            "引き出しや箪笥の中身を全部だしてしまう",
        ),
        start=1,
    )
)
DBD13_SCORES = (0, 1, 2, 3, 4)
DBD13_SCORE_LABELS = {0: "まったくない", 1: "ほとんどない", 2: "ときどきある", 3: "よくある", 4: "常にある"}

# Vitality Index: 5 items, each 0–2.
VITALITY_ITEMS: tuple[tuple[str, str], ...] = (
    ("waking", "起床"),
    ("communication", "意思疎通"),
    ("eating", "食事"),
    ("excretion", "排せつ"),
    ("activity", "リハビリ・活動"),
)
VITALITY_SCORES = (0, 1, 2)

NUTRITION_RISKS = ("low", "medium", "high")
HEIGHT_RANGE = (Decimal("50.0"), Decimal("250.0"))
WEIGHT_RANGE = (Decimal("10.0"), Decimal("300.0"))


@dataclass
class Checked:
    """A submission after the checks: the cleaned values and totals, or the problems."""

    barthel: dict[str, int] | None = None
    barthel_total: int | None = None
    dbd13: dict[str, int] | None = None
    dbd13_total: int | None = None
    vitality: dict[str, int] | None = None
    vitality_total: int | None = None
    height_cm: Decimal | None = None
    weight_kg: Decimal | None = None
    bmi: Decimal | None = None
    nutrition_risk: str = ""
    errors: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def error(self, key: str, code: str, message: str) -> None:
        self.errors.setdefault(key, []).append((code, message))

    @property
    def ok(self) -> bool:
        return not self.errors


def bmi(height_cm: Decimal, weight_kg: Decimal) -> Decimal:
    """BMI = kg / m², rounded half up to one decimal."""
    metres = height_cm / Decimal(100)
    return (weight_kg / (metres * metres)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _score(checked: Checked, key: str, label: str, value, allowed: tuple[int, ...]) -> int | None:
    if value is None or value == "":
        checked.error(key, "life.required", f"{label}の点数を入力してください。")
        return None
    if isinstance(value, bool):
        value = None
    try:
        number = int(value) if value is not None and str(value).strip().lstrip("-").isdigit() else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        checked.error(key, "life.not_a_number", f"{label}の点数は整数で入力してください。")
        return None
    if number not in allowed:
        choices = "・".join(str(a) for a in allowed)
        checked.error(
            key, "life.score_not_allowed", f"{label}の点数は {choices} のいずれかです（{number}）。"
        )
        return None
    return number


def _scale(
    checked: Checked, name: str, values, items, allowed_for
) -> tuple[dict[str, int] | None, int | None]:
    if values is None:
        return None, None
    if not isinstance(values, dict):
        checked.error(name, "life.malformed", "項目ごとの点数を指定してください。")
        return None, None
    for key in values:
        if key not in {item[0] for item in items}:
            checked.error(f"{name}.{key}", "life.unknown_item", f"項目「{key}」はありません。")
    scores = {}
    for item in items:
        key, label = item[0], item[1]
        score = _score(checked, f"{name}.{key}", label, values.get(key), allowed_for(item))
        if score is not None:
            scores[key] = score
    if len(scores) != len(items):
        return None, None
    return scores, sum(scores.values())


def _decimal(
    checked: Checked, key: str, label: str, value, bounds: tuple[Decimal, Decimal]
) -> Decimal | None:
    if value is None or value == "":
        checked.error(key, "life.required", f"{label}を入力してください。")
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        checked.error(key, "life.not_a_number", f"{label}は数値で入力してください。")
        return None
    if not number.is_finite() or not bounds[0] <= number <= bounds[1]:
        checked.error(
            key, "life.out_of_range", f"{label}は {bounds[0]}〜{bounds[1]} の範囲で入力してください。"
        )
        return None
    return number


def validate(*, barthel=None, dbd13=None, vitality=None, nutrition=None) -> Checked:
    """Checks every item of every section given; at least one section must be given."""
    checked = Checked()
    if barthel is None and dbd13 is None and vitality is None and nutrition is None:
        checked.error("non_field_errors", "life.empty", "評価を1つ以上入力してください。")
        return checked
    checked.barthel, checked.barthel_total = _scale(
        checked, "barthel", barthel, BARTHEL_ITEMS, lambda i: i[2]
    )
    checked.dbd13, checked.dbd13_total = _scale(checked, "dbd13", dbd13, DBD13_ITEMS, lambda i: DBD13_SCORES)
    checked.vitality, checked.vitality_total = _scale(
        checked, "vitality", vitality, VITALITY_ITEMS, lambda i: VITALITY_SCORES
    )
    if nutrition is not None:
        if not isinstance(nutrition, dict):
            checked.error("nutrition", "life.malformed", "栄養の項目を指定してください。")
            return checked
        height = _decimal(
            checked, "nutrition.height_cm", "身長（cm）", nutrition.get("height_cm"), HEIGHT_RANGE
        )
        weight = _decimal(
            checked, "nutrition.weight_kg", "体重（kg）", nutrition.get("weight_kg"), WEIGHT_RANGE
        )
        risk = nutrition.get("risk")
        if risk not in NUTRITION_RISKS:
            checked.error(
                "nutrition.risk", "life.risk_not_allowed", "低栄養リスクは 低・中・高 のいずれかです。"
            )
        elif height is not None and weight is not None:
            checked.height_cm, checked.weight_kg = height, weight
            checked.bmi = bmi(height, weight)
            checked.nutrition_risk = risk
    return checked
