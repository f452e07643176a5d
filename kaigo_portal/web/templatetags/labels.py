"""`{{ code|label:"family" }}`: the Japanese label of a stable code (see kaigo_portal.labels); (amounts use Django's
`floatformat:"0g"`, as the eligibility pages do)."""

from __future__ import annotations

from django import template

from kaigo_portal import labels

register = template.Library()


@register.filter(name="label")
def label(code, family: str) -> str:
    return labels.label(family, code)
