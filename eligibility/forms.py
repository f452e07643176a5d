"""Forms of the municipal staff screens: the person search and the "as of" date."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django import forms

from kaigo_portal import wareki

# Hiragana ぁ (U+3041) … ゖ (U+3096) and ゝゞ sit exactly 0x60 below their katakana.
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in [*range(0x3041, 0x3097), 0x309D, 0x309E]}
_KATAKANA = re.compile(r"^[\u30A0-\u30FF\u3000 ・]+$")

_ERAS = dict(wareki.ERAS)
_ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
_SEP = r"\s*[年./\-]\s*"
_WAREKI_DATE = re.compile(
    rf"^(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP.replace('年', '月')}(\d{{1,2}})\s*日?$"
)
_SEIREKI_DATE = re.compile(rf"^(\d{{4}}){_SEP}(\d{{1,2}}){_SEP.replace('年', '月')}(\d{{1,2}})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def normalise_kana(value: str) -> str:
    """Full-width katakana for a search: half-width kana and full-width letters fold by NFKC (ｶﾞ → ガ),
    hiragana becomes katakana (かいご → カイゴ), and runs of spaces become one."""
    folded = unicodedata.normalize("NFKC", value).translate(_HIRAGANA_TO_KATAKANA)
    return re.sub(r"\s+", " ", folded).strip()


def parse_date(value: str) -> dt.date:
    """A date typed by a person: 1950-04-01, 1950/4/1, 1950年4月1日, 19500401, 昭和25年4月1日,
    S25.4.1 or 令和元年5月1日 (full-width digits too). Raises ValueError with a Japanese message."""
    text = unicodedata.normalize("NFKC", value).strip().upper()  # NFKC also unfolds ㍼ → 昭和
    if match := _WAREKI_DATE.match(text):
        era = _ERA_LETTERS.get(match[1], match[1])
        year = 1 if match[2] == "元" else int(match[2])
        day = _real_date(_ERAS[era].year + year - 1, int(match[3]), int(match[4]))
        try:
            actual_era, actual_year = wareki.era_of(day)
        except ValueError as error:
            raise ValueError(str(error)) from error
        if (actual_era, actual_year) != (era, year):
            raise ValueError(f"{value} は{era}の期間外です（その日は {wareki.to_wareki(day)} です）。")
        return day
    if match := _SEIREKI_DATE.match(text) or _COMPACT_DATE.match(text):
        return _real_date(int(match[1]), int(match[2]), int(match[3]))
    raise ValueError("日付は 昭和25年4月1日 や 1950年4月1日 の形で入力してください。")


def _real_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{year}年{month}月{day}日 は存在しない日付です。") from None


class PersonSearchForm(forms.Form):
    """被保険者の検索: any of the three criteria; given together, all must match."""

    insured_number = forms.CharField(
        label="被保険者番号（前方一致）",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label="氏名（漢字。前方一致。例：伊藤、伊藤　和子）",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    name_kana = forms.CharField(
        label="フリガナ（前方一致。ひらがな・半角カナも可）",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_date = forms.CharField(
        label="生年月日（例：昭和25年4月1日、1950年4月1日）",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_insured_number(self) -> str:
        number = unicodedata.normalize("NFKC", self.cleaned_data["insured_number"]).strip()
        if number and not (number.isascii() and number.isdigit() and len(number) <= 10):
            raise forms.ValidationError("被保険者番号は10桁以内の数字で入力してください。")
        return number

    def clean_name(self) -> str:
        """Full-width letters and half-width spaces as the register keeps them (NFKC), runs of spaces as one
        full-width space; at least one character that is not a space."""
        name = " ".join(unicodedata.normalize("NFKC", self.cleaned_data["name"]).split())
        if name and any(char.isascii() and char.isdigit() for char in name):
            raise forms.ValidationError("氏名に数字は使えません。被保険者番号の欄で検索してください。")
        return name.replace(" ", "\u3000")

    def clean_name_kana(self) -> str:
        kana = normalise_kana(self.cleaned_data["name_kana"])
        if kana and not _KATAKANA.match(kana):
            raise forms.ValidationError("フリガナはカタカナまたはひらがなで入力してください。")
        return kana

    def clean_birth_date(self) -> dt.date | None:
        value = self.cleaned_data["birth_date"].strip()
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    @property
    def has_criteria(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields)


class AsOfForm(forms.Form):
    """The date the card is shown as of (?on=YYYY-MM-DD; today when absent)."""

    on = forms.DateField(
        label="基準日",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "基準日は YYYY-MM-DD の形で入力してください。"},
    )
