from django import forms

from .models import ApiScope, Organisation, Role


class StaffAddForm(forms.Form):
    name = forms.CharField(label="氏名", max_length=100)
    email = forms.EmailField(label="メールアドレス")
    role = forms.ChoiceField(label="役割")

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (role.value, role.label) for role in Role if role in organisation.allowed_roles()
        ]


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(label="名前（用途が分かるように）", max_length=100)
    scope = forms.ChoiceField(label="スコープ")
    days = forms.IntegerField(label="有効日数", min_value=1, max_value=3 * 365, initial=365)

    def __init__(self, *args, scopes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [(s.value, s.label) for s in ApiScope if s.value in scopes]
