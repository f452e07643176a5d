"""Forms of the subsidy screens. They only shape input: the rules live in services.py and bank.py."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from kaigo_portal.accounts.prefectures import PREFECTURES

from .models import AccountType, ApplicationStatus, ProgramYear


class ApplicationForm(forms.Form):
    """The office's application. Every field is text and optional here: a draft keeps what was typed
    (normalised) and the submission checks it all (services.submission_errors)."""

    readers_count = forms.CharField(
        label="カードリーダー購入台数",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 4}),
    )
    reader_unit_price = forms.CharField(
        label="カードリーダー1台の価格（円・税込）",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 10}),
    )
    connection_support_cost = forms.CharField(
        label="接続サポート等経費（円・税込、ない場合は 0）",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 10}),
    )
    bank_code = forms.CharField(
        label="金融機関コード（4桁）",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 10, "size": 6}),
    )
    bank_name = forms.CharField(label="金融機関名（カナ・任意）", required=False, max_length=40)
    branch_code = forms.CharField(
        label="支店コード（3桁）",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 10, "size": 5}),
    )
    branch_name = forms.CharField(label="支店名（カナ・任意）", required=False, max_length=40)
    account_type = forms.ChoiceField(
        label="預金種目", required=False, choices=[("", "選んでください"), *AccountType.choices]
    )
    account_number = forms.CharField(
        label="口座番号（7桁）",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 20, "size": 9}),
    )
    account_holder = forms.CharField(
        label="口座名義（カナ）",
        required=False,
        max_length=60,
        help_text="通帳に記載のとおり入力してください。全角カナ・ひらがなは半角カナに直して保存します。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            described = [f"{name}-errors"] + ([f"{name}-help"] if field.help_text else [])
            field.widget.attrs["aria-describedby"] = " ".join(described)

    @classmethod
    def initial_from(cls, application) -> dict:
        return {
            name: "" if getattr(application, name) is None else str(getattr(application, name))
            for name in cls.base_fields
        }

    def draft_data(self) -> dict[str, str]:
        """The submitted values as typed (the form never refuses a draft)."""
        return {name: self.data.get(name, "") for name in self.fields if name in self.data}


class ReceiptForm(forms.Form):
    receipt = forms.FileField(label="領収書（PDF・JPEG・PNG）", required=False)


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="差戻しの理由（事業所に通知されます）",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class ApproveForm(forms.Form):
    note = forms.CharField(label="備考（任意）", required=False, max_length=500)


class PaidForm(forms.Form):
    paid_on = forms.DateField(label="支払日", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()


class QueueFilterForm(forms.Form):
    program_year = forms.ModelChoiceField(
        label="年度", queryset=ProgramYear.objects.all(), required=False, empty_label="すべて"
    )
    status = forms.ChoiceField(
        label="状態",
        required=False,
        choices=[("", "すべて")] + [c for c in ApplicationStatus.choices if c[0] != ApplicationStatus.DRAFT],
    )
    prefecture = forms.ChoiceField(label="都道府県", required=False, choices=[("", "すべて"), *PREFECTURES])
    q = forms.CharField(label="事業所名・事業所番号", required=False, max_length=100)


class YearFilterForm(forms.Form):
    program_year = forms.ModelChoiceField(
        label="年度", queryset=ProgramYear.objects.all(), required=False, empty_label="すべて"
    )


class TransferFileForm(forms.Form):
    program_year = forms.ModelChoiceField(
        label="年度", queryset=ProgramYear.objects.all(), required=False, empty_label="すべて"
    )
    transfer_date = forms.DateField(label="振込指定日", widget=forms.DateInput(attrs={"type": "date"}))
    format = forms.ChoiceField(
        label="形式",
        choices=[("zengin", "全銀協 総合振込（固定長 120 バイト）"), ("csv", "CSV（確認用）")],
        initial="zengin",
    )


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(label="支払日", widget=forms.DateInput(attrs={"type": "date"}))
    applications = forms.TypedMultipleChoiceField(label="支払済みにする申請", coerce=int, choices=[])

    def __init__(self, *args, payable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].choices = [(a.pk, a.reference) for a in payable]
