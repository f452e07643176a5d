"""Forms of the plan editor (第1〜3表) and the LIFE entry. They only shape input; the rules are in
services.py and life/rules.py."""

from __future__ import annotations

import unicodedata

from django import forms
from django.forms import formset_factory

from .life import rules as life_rules
from .models import NutritionRisk, PlanKind, Weekday

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class Table1Form(forms.Form):
    created_on = forms.DateField(label="作成年月日", widget=DATE)
    plan_kind = forms.ChoiceField(label="初回・紹介・継続", choices=PlanKind.choices)
    intentions = forms.CharField(
        label="利用者及び家族の生活に対する意向", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    policy = forms.CharField(
        label="総合的な援助の方針", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    living_support_reason = forms.CharField(label="生活援助中心型の算定理由", required=False, max_length=200)
    non_weekly_services = forms.CharField(
        label="週単位以外のサービス（第3表）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RowForm(forms.Form):
    """第2表の1行."""

    need = forms.CharField(label="課題（ニーズ）", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    long_goal = forms.CharField(label="長期目標", required=False)
    long_period = forms.CharField(label="長期目標の期間", required=False, max_length=60)
    short_goal = forms.CharField(label="短期目標", required=False)
    short_period = forms.CharField(label="短期目標の期間", required=False, max_length=60)
    service_content = forms.CharField(label="サービス内容", required=False)
    insured = forms.BooleanField(label="保険給付対象", required=False, initial=True)
    service_kind = forms.CharField(label="サービス種別", required=False, max_length=60)
    office_number = forms.ChoiceField(label="事業所（この方の担当事業所）", required=False)
    office_number_other = forms.CharField(
        label="または事業所番号（10桁。担当事業所以外の登録済みの事業所）", required=False, max_length=20
    )
    office_name = forms.CharField(
        label="事業所名（事業所番号のないもの：家族など）", required=False, max_length=200
    )
    frequency = forms.CharField(label="頻度", required=False, max_length=60)
    period = forms.CharField(label="期間", required=False, max_length=60)

    def __init__(self, *args, offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office_number"].choices = [("", "（事業所なし）")] + [
            (o.office_number, f"{o.name}（{o.office_number}）") for o in offices
        ]

    def clean(self):
        """A typed 事業所番号 (full-width digits folded) stands in for the choice; the service checks that
        such an office is registered."""
        data = super().clean()
        typed = unicodedata.normalize("NFKC", data.pop("office_number_other", "") or "").strip()
        if typed:
            data["office_number"] = typed
        return data

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(
            str(data.get(name) or "").strip() for name in self.fields if name not in ("insured", "DELETE")
        )


class WeeklyForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label="曜日", choices=[("", "—"), *Weekday.choices], coerce=int, required=False, empty_value=None
    )
    starts_at = forms.TimeField(label="開始", required=False, widget=TIME)
    ends_at = forms.TimeField(label="終了", required=False, widget=TIME)
    content = forms.CharField(label="サービス内容", required=False, max_length=100)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return data.get("weekday") is None and not data.get("content") and not data.get("starts_at")

    def clean(self):
        data = super().clean()
        if not self.is_blank():
            for name in ("weekday", "starts_at", "ends_at", "content"):
                if data.get(name) in (None, ""):
                    self.add_error(name, "入力してください。")
        return data


# A row is added by the editor's 「行を追加」 button (a round trip: no script needed) and removed by its
# 「この行を削除」 box.
RowFormSet = formset_factory(RowForm, extra=0, max_num=200, validate_max=True, can_delete=True)
WeeklyFormSet = formset_factory(WeeklyForm, extra=0, max_num=200, validate_max=True, can_delete=True)


class PaperAgreementForm(forms.Form):
    agreed_on = forms.DateField(label="同意日（書面）", widget=DATE)
    agreed_by_name = forms.CharField(label="同意した人（本人以外の場合）", required=False, max_length=100)


def _score_field(label: str, scores) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("", "—"), *((s, str(s)) for s in scores)],
        coerce=int,
        required=False,
        empty_value=None,
    )


class LifeForm(forms.Form):
    """A month's LIFE assessment. A section left wholly blank is not sent; a partly filled section is
    refused item by item."""

    month = forms.CharField(label="評価月", widget=forms.TextInput(attrs={"type": "month"}))
    height_cm = forms.CharField(label="身長（cm）", required=False)
    weight_kg = forms.CharField(label="体重（kg）", required=False)
    risk = forms.ChoiceField(
        label="低栄養リスク", required=False, choices=[("", "—"), *NutritionRisk.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label, scores in life_rules.BARTHEL_ITEMS:
            self.fields[f"barthel_{key}"] = _score_field(label, scores)
        for key, label in life_rules.DBD13_ITEMS:
            self.fields[f"dbd13_{key}"] = _score_field(f"{key}. {label}", life_rules.DBD13_SCORES)
        for key, label in life_rules.VITALITY_ITEMS:
            self.fields[f"vitality_{key}"] = _score_field(label, life_rules.VITALITY_SCORES)

    def section(self, prefix: str) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(prefix)]

    def sections(self) -> dict:
        """The sections as the service takes them (None for a section left blank)."""
        data = self.cleaned_data

        def scale(prefix: str, items) -> dict | None:
            values = {item[0]: data.get(f"{prefix}_{item[0]}") for item in items}
            return None if all(v is None for v in values.values()) else values

        nutrition = {
            "height_cm": data.get("height_cm"),
            "weight_kg": data.get("weight_kg"),
            "risk": data.get("risk"),
        }
        return {
            "barthel": scale("barthel", life_rules.BARTHEL_ITEMS),
            "dbd13": scale("dbd13", life_rules.DBD13_ITEMS),
            "vitality": scale("vitality", life_rules.VITALITY_ITEMS),
            "nutrition": None if not any(nutrition.values()) else nutrition,
        }
