"""`{{ code|label:"family" }}`: the Japanese label of a stable code (see kaigo_portal.labels); `{{ amount|yen }}`:
an amount as people read it (200,000円)."""

from __future__ import annotations

from django import template

from kaigo_portal import labels

register = template.Library()


@register.filter(name="label")
def label(code, family: str) -> str:
    return labels.label(family, code)


@register.filter(name="yen")
def yen(amount) -> str:
    """200000 → 「200,000円」; "" for no amount. Decimals are rounded to the yen."""
    if amount is None or amount == "":
        return ""
    try:
        return f"{round(float(amount)):,}円"
    except (TypeError, ValueError):
        return ""
