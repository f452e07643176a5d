"""Forms of the municipal screens; the rules themselves live in the services."""

from __future__ import annotations

from django import forms

from eligibility.models import CareLevel

from .models import STEP_REQUIRES, ApplicationKind, StepKind
from .survey_form import ALL_ITEMS

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class ApplicationForm(forms.Form):
    insured_number = forms.RegexField(label="被保険者番号（10桁）", regex=r"^\d{10}$")
    kind = forms.ChoiceField(label="申請区分", choices=ApplicationKind.choices)
    applied_on = forms.DateField(label="申請日", **DATE)
    physician_institution_name = forms.CharField(label="主治医の医療機関名", max_length=200)
    physician_name = forms.CharField(label="主治医の医師名", max_length=100)
    proxy_office_number = forms.RegexField(
        label="代行申請した事業所の事業所番号（任意）", regex=r"^[0-9A-Z]{10}$", required=False
    )
    consent_granted = forms.TypedChoiceField(
        label="介護情報の提供への同意（包括同意）",
        choices=[("1", "同意する"), ("0", "同意しない"), ("", "未記入")],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class StepForm(forms.Form):
    """The steps not yet done, in order; the first whose prerequisites are done is chosen, dated today."""

    kind = forms.ChoiceField(label="段階")
    completed_on = forms.DateField(label="完了日", **DATE)
    panel_date = forms.DateField(label="審査会開催予定日（審査会割付のとき）", required=False, **DATE)

    def __init__(self, *args, done: set[str] = frozenset(), today=None, **kwargs):
        super().__init__(*args, **kwargs)
        recordable = [
            (k, v)
            for k, v in StepKind.choices
            if k not in (StepKind.RECEIVED, StepKind.SECONDARY_JUDGEMENT) and k not in done
        ]
        self.fields["kind"].choices = recordable
        ready = [k for k, _ in recordable if set(STEP_REQUIRES[k]) <= set(done)]
        if ready:
            self.fields["kind"].initial = ready[0]
        if today is not None:
            self.fields["completed_on"].initial = today


class DecisionForm(forms.Form):
    care_level = forms.ChoiceField(  # no default: 非該当 must be chosen, never left in place
        label="要介護状態区分",
        choices=[
            ("", "選択してください"),
            *((k, v) for k, v in CareLevel.choices if k != CareLevel.JIGYOTAISHO),
        ],
    )
    decided_on = forms.DateField(label="認定年月日（二次判定日）", **DATE)
    validity_months = forms.IntegerField(
        label="認定有効期間（か月）", min_value=1, max_value=48, required=False
    )
    panel_opinion = forms.CharField(
        label="認定審査会の意見", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class SurveyForm(forms.Form):
    """One field per item of the form definition; multi-select items are checkboxes."""

    conducted_on = forms.DateField(label="調査実施日", **DATE)
    investigator = forms.CharField(label="調査実施者", max_length=100)
    investigator_organisation = forms.CharField(label="所属機関", max_length=200, required=False)
    place = forms.CharField(label="実施場所", max_length=200, required=False)
    # 概況調査 (certification.survey_form.OVERVIEW_FIELDS)
    overview_previous = forms.TypedChoiceField(
        label="過去の認定",
        choices=[("", "—"), ("1", "初回"), ("2", "2回目以降")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    overview_previous_certified_on = forms.DateField(label="前回認定日", required=False, **DATE)
    overview_previous_result = forms.CharField(label="前回認定結果", max_length=20, required=False)
    overview_contact = forms.CharField(label="連絡先（電話番号・家族等）", max_length=200, required=False)
    overview_services = forms.CharField(
        label="現在受けているサービスの状況",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    overview_environment = forms.CharField(
        label="置かれている環境等（家族状況・住宅環境等）",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def overview(self) -> dict:
        overview = {}
        for key in (
            "previous",
            "previous_certified_on",
            "previous_result",
            "contact",
            "services",
            "environment",
        ):
            value = self.cleaned_data.get(f"overview_{key}")
            if value not in (None, ""):
                overview[key] = value.isoformat() if hasattr(value, "isoformat") else value
        return overview

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, item in ALL_ITEMS.items():
            choices = [(str(n), label) for n, label in enumerate(item.choices, 1)]
            label = f"{code} {item.label}"
            if item.multiple:
                self.fields[f"item_{code}"] = forms.MultipleChoiceField(
                    label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
                )
            else:
                self.fields[f"item_{code}"] = forms.ChoiceField(
                    label=label, choices=[("", "—"), *choices], required=False
                )
            self.fields[f"note_{code}"] = forms.CharField(
                label=f"{code} 特記事項", required=False, widget=forms.Textarea(attrs={"rows": 1})
            )

    def answers(self) -> tuple[dict, dict]:
        answers, notes = {}, {}
        for code, item in ALL_ITEMS.items():
            value = self.cleaned_data.get(f"item_{code}")
            if item.multiple:
                answers[code] = [int(v) for v in value or []]
            elif value:
                answers[code] = int(value)
            if self.cleaned_data.get(f"note_{code}"):
                notes[code] = self.cleaned_data[f"note_{code}"]
        return answers, notes


class CertificateIssueForm(forms.Form):
    """The old insurer's 受給資格証明書 for a certified person who moves out."""

    insured_number = forms.RegexField(label="被保険者番号（10桁）", regex=r"^\d{10}$")
    moved_out_on = forms.DateField(label="転出（予定）日", **DATE)


class CertificateLinkForm(forms.Form):
    """The new insurer names the 受給資格証明書 the person brought (介護保険法 §36)."""

    number = forms.CharField(label="受給資格証明書の証明書番号（例：ABCD-EFGH-JKLM）", max_length=20)
    moved_in_on = forms.DateField(label="転入日", **DATE)


class TransferDecisionForm(forms.Form):
    decided_on = forms.DateField(label="認定年月日", **DATE)
    validity_months = forms.IntegerField(label="認定有効期間（か月）", min_value=1, max_value=12, initial=6)
