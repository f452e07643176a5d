"""One label table per code family: the Japanese that a person reads for a code that machines keep.

The log, the API and the files keep stable codes (`care_management`, `mynumber_card`); pages, CSVs meant
for people and PDFs show these labels (template filter `label`: ``{{ entry.purpose|label:"purpose" }}``).
The kernel's own families are filled here; an app adds the codes it writes from its AppConfig.ready
(`register`), so that the kernel imports no app. Tests hold every code that is written to a label.
"""

from __future__ import annotations

from collections.abc import Iterable

from kaigo_portal.access import Purpose
from kaigo_portal.accounts.models import Role

UNKNOWN = "その他"

_TABLES: dict[str, dict[str, str]] = {
    "role": dict(Role.choices),
    "purpose": {
        Purpose.CARE_MANAGEMENT: "ケアマネジメント（ケアプラン作成）",
        Purpose.SERVICE_PROVISION: "サービス提供",
        Purpose.INSURER_ADMINISTRATION: "保険者事務",
        Purpose.OPINION_WRITING: "主治医意見書の作成",
        Purpose.OWN_DATA: "ご本人による閲覧",
        Purpose.DISASTER: "災害時の緊急閲覧",
    },
    "method": {"insurer": "保険者として"},
}


def register(family: str, pairs: Iterable[tuple[str, str]]) -> None:
    """Adds (code, label) pairs to a family (a TextChoices' `.choices` is such a list)."""
    _TABLES.setdefault(family, {}).update((str(code), str(text)) for code, text in pairs)


def label(family: str, code: str | None) -> str:
    """The label of `code`; "" for no code, 「その他」 for a code the table lacks (never the code itself)."""
    if not code:
        return ""
    return _TABLES.get(family, {}).get(code, UNKNOWN)


def table(family: str) -> dict[str, str]:
    return dict(_TABLES.get(family, {}))
