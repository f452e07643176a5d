"""Applications driven through the services to a given step."""

from __future__ import annotations

import datetime as dt

from certification import services
from certification.models import Application, ApplicationKind, StepKind

COMPLETE_ANSWERS = {
    "1-1": [1], "1-2": [2, 4], "1-3": 1, "1-4": 2, "1-5": 1, "1-6": 2, "1-7": 2, "1-8": 2, "1-9": 3,
    "1-10": 2, "1-11": 2, "1-12": 1, "1-13": 2,
    **{f"2-{n}": 1 for n in range(1, 13)},
    **{f"3-{n}": 1 for n in range(1, 10)},
    **{f"4-{n}": 1 for n in range(1, 16)},
    **{f"5-{n}": 1 for n in range(1, 7)},
    "6-1": [], "6-2": [3],
    "7-1": 4, "7-2": 3,  # 自立度 answers are choice numbers too: A1 and Ⅱa
}  # fmt: skip


def application(*, person, kind: str = ApplicationKind.NEW, applied_on: dt.date = dt.date(2026, 4, 1),
                by=None, consent_granted: bool = True, **kwargs) -> Application:  # fmt: skip
    return services.application_create(
        person=person, kind=kind, applied_on=applied_on, physician_institution_name="千代田内科クリニック",
        physician_name="千代田 一郎", consent_granted=consent_granted, by=by, **kwargs,
    )  # fmt: skip


def through_panel(app: Application, *, on: dt.date, by=None) -> Application:
    """Completes every step up to 審査会割付, all on `on`."""
    for kind in (StepKind.SURVEY_REQUESTED, StepKind.OPINION_REQUESTED, StepKind.SURVEY_RECEIVED,
                 StepKind.OPINION_RECEIVED, StepKind.PRIMARY_JUDGEMENT):  # fmt: skip
        services.step_complete(application=app, kind=kind, completed_on=on, by=by)
    services.step_complete(
        application=app, kind=StepKind.PANEL_ASSIGNED, completed_on=on, by=by, panel_date=on
    )
    return app
