"""Applications driven through the services to a given step."""

from __future__ import annotations

import datetime as dt

from certification import services
from certification.models import Application, ApplicationKind, StepKind
from certification.survey_form import EXAMPLE_ANSWERS

COMPLETE_ANSWERS = EXAMPLE_ANSWERS


def application(
    *,
    person,
    kind: str = ApplicationKind.NEW,
    applied_on: dt.date = dt.date(2026, 4, 1),
    by=None,
    consent_granted: bool = True,
    **kwargs,
) -> Application:
    return services.application_create(
        person=person,
        kind=kind,
        applied_on=applied_on,
        physician_institution_name="千代田内科クリニック",
        physician_name="千代田 一郎",
        consent_granted=consent_granted,
        by=by,
        **kwargs,
    )


def through_panel(app: Application, *, on: dt.date, by=None) -> Application:
    """Completes every step up to 審査会割付, all on `on`."""
    for kind in (
        StepKind.SURVEY_REQUESTED,
        StepKind.OPINION_REQUESTED,
        StepKind.SURVEY_RECEIVED,
        StepKind.OPINION_RECEIVED,
        StepKind.PRIMARY_JUDGEMENT,
    ):
        services.step_complete(application=app, kind=kind, completed_on=on, by=by)
    services.step_complete(
        application=app, kind=StepKind.PANEL_ASSIGNED, completed_on=on, by=by, panel_date=on
    )
    return app
