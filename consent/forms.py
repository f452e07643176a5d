"""Forms of the office and municipal screens."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django import forms

from eligibility.forms import normalise_kana, parse_date


def _digits(value: str, length: int, label: str) -> str:
    value = unicodedata.normalize("NFKC", value).strip()
    if not (value.isascii() and value.isdigit() and len(value) == length):
        raise forms.ValidationError(f"{label}は{length}桁の数字で入力してください。")
    return value


class InsuranceCardForm(forms.Form):
    """被保険者証による本人確認: the four items as printed on the card."""

    insurer_number = forms.CharField(
        label="保険者番号（6桁）",
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    insured_number = forms.CharField(
        label="被保険者番号（10桁）",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name_kana = forms.CharField(
        label="フリガナ", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    birth_date = forms.CharField(
        label="生年月日（例：昭和25年4月1日、1950年4月1日）",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_insurer_number(self) -> str:
        return _digits(self.cleaned_data["insurer_number"], 6, "保険者番号")

    def clean_insured_number(self) -> str:
        return _digits(self.cleaned_data["insured_number"], 10, "被保険者番号")

    def clean_name_kana(self) -> str:
        return normalise_kana(self.cleaned_data["name_kana"])

    def clean_birth_date(self) -> dt.date:
        try:
            return parse_date(self.cleaned_data["birth_date"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class BreakGlassForm(forms.Form):
    insurer_number = forms.CharField(label="保険者番号（6桁）", max_length=12)
    insured_number = forms.CharField(label="被保険者番号（10桁）", max_length=20)
    reason = forms.CharField(label="緊急閲覧の理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_insurer_number(self) -> str:
        return _digits(self.cleaned_data["insurer_number"], 6, "保険者番号")

    def clean_insured_number(self) -> str:
        return _digits(self.cleaned_data["insured_number"], 10, "被保険者番号")
