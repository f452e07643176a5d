"""Forms of the public portal and of the operators' screens. Messages are Japanese; codes are stable."""

from __future__ import annotations

import re
import time

from django import forms
from django.conf import settings
from django.core import signing

from kaigo_portal.accounts.prefectures import PREFECTURES

from .models import AskerType, Audience, InquiryCategory, InquiryStatus
from .selectors import RolloutStatus

FORM_SALT = "kaigo_portal.public.inquiry-form"
FORM_MAX_AGE = 24 * 60 * 60  # a form left open longer than a day is sent again
PHONE_RE = re.compile(r"[0-9０-９\-－ ]{10,20}")


def form_token(now: float | None = None) -> str:
    """A signed record of when the form was shown (the inquiry form refuses posts faster than a person)."""
    return signing.dumps(now if now is not None else time.time(), salt=FORM_SALT)


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class InquiryForm(forms.Form):
    """お問い合わせフォーム. `website` is a honeypot: hidden from people, filled in by naive robots."""

    category = forms.ChoiceField(
        label="お問い合わせの種類",
        choices=[("", "選択してください"), *InquiryCategory.choices],
        error_messages=_required("お問い合わせの種類を選んでください。"),
    )
    asker_type = forms.ChoiceField(
        label="お立場",
        choices=[("", "選択してください"), *AskerType.choices],
        error_messages=_required("お立場を選んでください。"),
    )
    body = forms.CharField(
        label="お問い合わせ内容",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="4,000文字以内。被保険者番号やマイナンバー（個人番号）は書かないでください。",
        error_messages={
            "required": "お問い合わせ内容を入力してください。",
            "max_length": "お問い合わせ内容は4,000文字以内で入力してください。",
        },
    )
    name = forms.CharField(
        label="お名前",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages=_required("お名前を入力してください。"),
    )
    email = forms.EmailField(
        label="メールアドレス",
        help_text="受付番号と回答をこのアドレスにお送りします。",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "メールアドレスを入力してください。",
            "invalid": "メールアドレスの形式が正しくありません。",
        },
    )
    phone = forms.CharField(
        label="電話番号（任意）",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text="お電話での連絡を希望される場合に入力してください。",
    )
    organisation_name = forms.CharField(
        label="所属・事業所名（任意）",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    website = forms.CharField(
        label="この欄は空欄のままにしてください",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        if self.user is not None:
            # A signed-in asker's ticket and replies go to the account's own address.
            del self.fields["email"]
            self.fields["name"].initial = self.user.name
        if not self.is_bound:
            self.fields["started"].initial = form_token()

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE_RE.fullmatch(phone):
            raise forms.ValidationError("電話番号は数字とハイフンで入力してください。", code="invalid")
        return phone

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError(
                "送信内容を受け付けられませんでした。このページを開き直して、もう一度送信してください。",
                code="inquiry.honeypot",
            )
        try:
            started = float(signing.loads(self.data.get("started", ""), salt=FORM_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            self._restart()
            raise forms.ValidationError(
                "送信内容を受け付けられませんでした。このページを開き直して、もう一度送信してください。",
                code="inquiry.form_invalid",
            ) from None
        age = time.time() - started
        if age > FORM_MAX_AGE:
            self._restart()
            raise forms.ValidationError(
                "フォームを表示してから時間がたったため、受け付けられませんでした。内容を確認して、もう一度送信してください。",
                code="inquiry.form_expired",
            )
        if age < settings.KAIGO_INQUIRY_MIN_SECONDS:
            raise forms.ValidationError(
                "送信が早すぎるため、受け付けられませんでした。内容を確認して、もう一度送信してください。",
                code="inquiry.too_fast",
            )
        return cleaned

    def _restart(self) -> None:
        """Gives the re-shown form a fresh token, so the person's second try can succeed."""
        data = self.data.copy()
        data["started"] = form_token()
        self.data = data


class RolloutSearchForm(forms.Form):
    prefecture = forms.ChoiceField(label="都道府県", required=False, choices=[("", "すべて"), *PREFECTURES])
    q = forms.CharField(label="保険者名・保険者番号", required=False, max_length=50)
    status = forms.ChoiceField(label="状況", required=False, choices=[("", "すべて"), *RolloutStatus.CHOICES])


class FollowUpForm(forms.Form):
    body = forms.CharField(
        label="追記する内容",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=_required("追記する内容を入力してください。"),
    )


# --- operators' forms -----------------------------------------------------------------------------------

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class NewsForm(forms.Form):
    title = forms.CharField(label="件名", max_length=200)
    body = forms.CharField(label="本文", max_length=10_000, widget=forms.Textarea(attrs={"rows": 10}))
    is_important = forms.BooleanField(label="重要なお知らせとして表示する", required=False)
    published_at = forms.DateTimeField(
        label="公開日時",
        required=False,
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_FORMATS,
        help_text="日本時間。空欄なら下書き（公開されません）。未来の日時ならその時に公開されます。",
    )


class FaqForm(forms.Form):
    audience = forms.ChoiceField(label="対象", choices=Audience.choices)
    question = forms.CharField(label="質問", max_length=300)
    answer = forms.CharField(label="回答", max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))
    sort_order = forms.IntegerField(label="表示順（小さい順）", min_value=0, max_value=100_000, initial=100)
    published_at = forms.DateTimeField(
        label="公開日時",
        required=False,
        widget=DATETIME_WIDGET,
        input_formats=DATETIME_FORMATS,
        help_text="日本時間。空欄なら下書き（公開されません）。",
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="回答（問い合わせ者にメールで送られます）",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    status_after = forms.ChoiceField(
        label="送信後の対応状況",
        choices=[
            (InquiryStatus.ANSWERED.value, InquiryStatus.ANSWERED.label),
            (InquiryStatus.IN_PROGRESS.value, InquiryStatus.IN_PROGRESS.label),
            (InquiryStatus.CLOSED.value, InquiryStatus.CLOSED.label),
        ],
        initial=InquiryStatus.ANSWERED,
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label="内部メモ（運営者だけが見られます）", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label="担当者", coerce=int, empty_value=None, required=False)

    def __init__(self, *args, operators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "（未割当）"), *[(u.pk, u.name) for u in operators]]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="対応状況", choices=InquiryStatus.choices)
