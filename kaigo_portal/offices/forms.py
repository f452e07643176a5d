from __future__ import annotations

from django import forms

from . import service_types


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class MasterUploadForm(forms.Form):
    files = MultipleFileField(
        label="公表データのCSV（複数可）",
        widget=MultipleFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text="介護サービス情報公表システムのオープンデータ（jigyosho_110_all_20260715093000.csv の形の名前）。",
    )
    info_code = forms.CharField(
        label="サービスコード（3桁。ファイル名にないときだけ）", required=False, max_length=3
    )
    data_date = forms.DateField(
        label="基準日（空欄ならファイルの作成日時から、その前の6月末または12月末）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_info_code(self) -> str:
        code = self.cleaned_data["info_code"].strip()
        if code and service_types.by_info_code(code) is None:
            raise forms.ValidationError("対応表にないサービスコードです。")
        return code


def _service_choices() -> list[tuple[str, str]]:
    names: dict[str, str] = {}
    for service in service_types.table().values():
        names.setdefault(service.claims_code, service.name.split("（")[0])
    return [("", "すべて")] + [(code, f"{name}（{code}）") for code, name in sorted(names.items())]


class OfficeSearchForm(forms.Form):
    q = forms.CharField(label="事業所名・カナ", required=False, max_length=100)
    service = forms.ChoiceField(label="サービスの種類", required=False, choices=_service_choices)
    town = forms.CharField(label="市区町村名・住所", required=False, max_length=100)
    include_unseen = forms.BooleanField(label="掲載が終わった事業所も表示", required=False)
