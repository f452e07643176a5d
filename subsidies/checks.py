"""System checks (`manage.py check`): the payer account of the 全銀 transfer file."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register()
def payer_settings(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from .payments import payer_problems

    values = {key: value or "" for key, value in settings.KAIGO_SUBSIDY_PAYER.items()}
    if not any(values.values()):
        # Unset is a valid deployment: the payments page says the 全銀 file needs them, the CSV works.
        return []
    return [checks.Error(problem, id="subsidies.E001") for problem in payer_problems(values)]
