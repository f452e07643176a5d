"""GET /api/v1/persons/{insurer}/{insured}/certification-progress/ (office key, scope read)."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from certification.models import StepKind
from consent.tests.factories import relationship
from eligibility.tests import factories as ef
from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create
from kaigo_portal.audit.models import AccessLogEntry

from .factories import application, through_panel

D = dt.date
pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))
URL = "/api/v1/persons/131011/0000000301/certification-progress/"


@pytest.fixture(autouse=True)
def _may():
    with time_machine.travel(dt.datetime(2026, 5, 2, 10, tzinfo=JST), tick=False):
        yield


def client_for(org) -> APIClient:
    _key, raw = api_key_create(organisation=org, scope=ApiScope.READ, name="介護ソフト", by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.fixture
def hanako(orgs):
    return ef.person(insurer=orgs["chiyoda"], insured_number="0000000301")


def test_an_office_with_a_relationship_reads_the_progress_and_it_is_logged(orgs, hanako):
    through_panel(application(person=hanako, applied_on=D(2026, 4, 1)), on=D(2026, 4, 20))
    relationship(orgs["kyotaku"], hanako)
    response = client_for(orgs["kyotaku"]).get(URL)
    assert response.status_code == 200
    done = lambda kind, on="2026-04-20": {"step": kind, "name": StepKind(kind).label, "completed_on": on}  # noqa: E731
    assert response.json() == {
        "insurer_number": "131011",
        "insured_number": "0000000301",
        "as_of": "2026-05-02",
        "applications": [
            {
                "kind": "new",
                "kind_name": "新規",
                "applied_on": "2026-04-01",
                "due_on": "2026-05-01",
                "days_elapsed": 31,
                "overdue": True,
                "extension_notice_on": None,
                "waiting_for": ["secondary_judgement"],
                "steps": [
                    done("received", "2026-04-01"),
                    done("survey_requested"),
                    done("survey_received"),
                    done("opinion_requested"),
                    done("opinion_received"),
                    done("primary_judgement"),
                    {**done("panel_assigned"), "panel_date": "2026-04-20"},
                    {"step": "secondary_judgement", "name": "二次判定", "completed_on": None},
                    {"step": "result_notified", "name": "結果通知", "completed_on": None},
                ],
                "decision": None,
            }
        ],
    }
    row = AccessLogEntry.objects.get(category="certification_progress")
    assert (row.channel, row.outcome) == ("api", "granted")


def test_no_relationship_is_a_404_and_a_provider_office_is_refused(orgs, hanako):
    application(person=hanako, applied_on=D(2026, 4, 1))
    response = client_for(orgs["kyotaku"]).get(URL)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    relationship(orgs["homon"], hanako)
    assert client_for(orgs["homon"]).get(URL).status_code in (403, 404)
