"""住所地特例 (介護保険法 §13, issue 22): a person who moved into a covered facility in another municipality stays
insured by the old one, and the facility-side office serves them under the same rules as any office."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from conftest import make_org, make_user
from consent.tests import factories as cf
from eligibility.models import InsuredPerson, PersonVersion
from eligibility.tests.importing import PERSON, run_job
from eligibility.tests.test_import_moves import csv_of
from kaigo_portal import access
from kaigo_portal.access import Actor, Category
from kaigo_portal.accounts.models import OrganisationKind, Role
from kaigo_portal.errors import ApplicationError
from kaigo_portal.numbers import office_check_digit
from kaigo_portal.offices.tests.factories import master

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))
FACILITY = "085010001" + str(office_check_digit("085010001"))  # a 特養 in 日立市 (茨城県: 08)


def test_a_facility_side_office_serves_a_special_residence_person_of_the_old_insurer(orgs):
    resident = PERSON | {
        "special_residence": "1",
        "facility_insurer_number": "082024",  # 日立市, where the facility is
        "special_residence_from": "2026-06-01",
    }
    assert run_job(orgs["chiyoda"], csv_of([resident])).status == "succeeded"
    person = InsuredPerson.objects.get()
    tokuyou = make_org(
        OrganisationKind.CARE_OFFICE, "特別養護老人ホーム日立", office_number=FACILITY, services=("51",)
    )
    staff = make_user("staff@tokuyou.example.jp", org=tokuyou, role=Role.PROVIDER_STAFF)
    master({FACILITY: ["51"]})
    with time_machine.travel(dt.datetime(2026, 7, 1, 10, tzinfo=JST)):
        cf.relationship(tokuyou, person, by=staff)
        cf.consent(person)
        actor = Actor(user=staff, organisation=tokuyou, role=Role.PROVIDER_STAFF)
        decision = access.authorize(actor, person, Category.ELIGIBILITY, access.Purpose.SERVICE_PROVISION)
    assert decision.method == "mynumber_card"
    assert person.insurer == orgs["chiyoda"]  # still insured by 千代田区
    assert PersonVersion.objects.get().facility_insurer_number == "082024"


def test_a_facility_not_in_the_master_cannot_take_them_on(orgs):
    assert run_job(orgs["chiyoda"], csv_of([PERSON])).status == "succeeded"
    person = InsuredPerson.objects.get()
    tokuyou = make_org(
        OrganisationKind.CARE_OFFICE, "特別養護老人ホーム日立", office_number=FACILITY, services=("51",)
    )
    staff = make_user("staff@tokuyou.example.jp", org=tokuyou, role=Role.PROVIDER_STAFF)
    master({"1370100016": ["43"]})  # the master is loaded, without the facility
    with pytest.raises(ApplicationError) as refused:
        cf.relationship(tokuyou, person, by=staff)
    assert refused.value.code == "office.unknown"
