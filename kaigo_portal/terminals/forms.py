from django import forms

from .models import RevocationReason


class TerminalIssueForm(forms.Form):
    name = forms.CharField(
        label="端末名",
        max_length=100,
        help_text="例：受付のパソコン1、訪問用タブレットA（どの端末か分かる名前）",
    )


class RevokeForm(forms.Form):
    reason = forms.ChoiceField(
        label="失効の理由",
        choices=[
            (value, label)
            for value, label in RevocationReason.choices
            if value != RevocationReason.SUPERSEDED
        ],
    )
