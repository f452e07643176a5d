"""A national office master for other apps' tests: the given offices, each under its services."""

from __future__ import annotations

from kaigo_portal.offices import services
from kaigo_portal.offices.synthetic import open_data_csv

INFO_CODE = {"11": "110", "43": "430", "13": "130", "15": "150", "32": "320", "51": "510"}


def master(offices: dict[str, list[str]], *, made: str = "20260715093000") -> None:
    """`offices`: 事業所番号 → its 2-digit service codes, as the open data would list them."""
    by_service: dict[str, list[dict]] = {}
    for number, codes in offices.items():
        for code in codes:
            by_service.setdefault(INFO_CODE[code], []).append(
                {"office_number": number, "name": f"事業所{number}", "area_code": "131016"}
            )
    files = [
        (f"jigyosho_{info}_all_{made}.csv", open_data_csv(info, 0, fixed=rows))
        for info, rows in by_service.items()
    ]
    result = services.import_files(files)
    assert not result.errors, result.errors
