"""One rule, asked wherever an office is named (a plan sent to it, a relationship it opens, its subsidy
application, its API key): the office must be in the national master, listed in its latest data, and for
the service types the step needs.

An office the operator added by hand (a designation newer than the data) counts as listed. Until the
operator has loaded any snapshot, the portal has no master to ask, and the rule lets every office pass:
a new installation works before its first import (docs/offices.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from kaigo_portal.errors import ApplicationError

from . import service_types
from .models import Listing, Office, Snapshot

HINT = "事業所番号をご確認ください。公表データにまだない新しい事業所は、運営者に登録を依頼してください。"


def require_listed(number: str, claims_codes: Iterable[str] = (), *, what: str = "事業所") -> None:
    """Raises a clear Japanese ApplicationError (office.unknown, office.not_listed, office.wrong_service)
    unless `number` is a listed office holding every one of `claims_codes`."""
    wanted = set(claims_codes)
    listings = list(
        Listing.objects.filter(office__office_number=number).values_list(
            "claims_code", "seen_until_id", "office__added_by_hand"
        )
    )
    if not listings:
        if Office.objects.filter(office_number=number, added_by_hand=True).exists():
            return
        if not Snapshot.objects.exists():
            return  # no master loaded yet
        raise ApplicationError(
            f"{what}の事業所番号 {number} は、介護サービス情報公表システムの公表データ（事業所マスタ）にありません。{HINT}",
            code="office.unknown",
        )
    if any(by_hand for _code, _until, by_hand in listings):
        return
    listed = {code for code, until, _hand in listings if until is None}
    if not listed:
        raise ApplicationError(
            f"{what}（事業所番号 {number}）は、最新の公表データに掲載されていません（廃止・休止の可能性があります）。{HINT}",
            code="office.not_listed",
        )
    missing = sorted(wanted - listed)
    if missing:
        held = "、".join(service_types.claims_label(code) for code in sorted(listed))
        raise ApplicationError(
            f"{what}（事業所番号 {number}）は、公表データでは{'、'.join(service_types.claims_label(c) for c in missing)}の"
            f"指定がありません（公表データのサービス：{held}）。",
            code="office.wrong_service",
        )
