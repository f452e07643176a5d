"""The 介護サービス情報公表システム's 3-digit service codes and the 2-digit サービス種類コード of the claims
(介護給付費) that the rest of the portal speaks, as data: `data/service_types.csv`.

Source: 厚生労働省「介護サービス情報公表システム オープンデータ」
(https://www.mhlw.go.jp/stf/kaigo-kouhou_opendata.html), one CSV per service, named by its 3-digit code.
The column 根拠 says how each row is known: `issue` where issue 22 states it from the ministry's page (110
訪問介護, 430 居宅介護支援, 510 介護老人福祉施設, 331–337 all 特定施設 → 33); `I` where it is inferred from
the service's name and the claims code of the same service (docs/offices.md). Several 3-digit codes map to
one 2-digit code; the import refuses a file whose code is not in the table.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "data" / "service_types.csv"


@dataclass(frozen=True)
class ServiceType:
    info_code: str  # 情報公表 (3 digits)
    name: str
    claims_code: str  # サービス種類コード (2 characters: 11, 43, 2A)
    basis: str  # "issue" or "I" (inferred)


@cache
def table() -> dict[str, ServiceType]:
    with TABLE.open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    return {row[0]: ServiceType(*row) for row in rows[1:] if row}


def by_info_code(code: str) -> ServiceType | None:
    return table().get(code)


def claims_codes_of(info_codes) -> set[str]:
    return {table()[code].claims_code for code in info_codes if code in table()}


def claims_label(claims_code: str) -> str:
    """「訪問介護（11）」: the first service name the table gives the 2-digit code, without its 3-digit
    variant in brackets; the code alone for one the table lacks."""
    names = [s.name.split("（")[0] for s in table().values() if s.claims_code == claims_code]
    return f"{names[0]}（{claims_code}）" if names else claims_code
