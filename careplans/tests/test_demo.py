"""seed_demo shows a delivered plan, a draft awaiting the demo person's agreement, an inbox entry at the
訪問介護 office and months of LIFE data; idempotent."""

import io

import pytest
from django.core.management import call_command

from careplans import selectors
from careplans.models import CarePlan, Delivery, LifeAssessment, PlanStatus
from consent.models import PersonAccount
from kaigo_portal.access import Actor
from kaigo_portal.accounts.models import Organisation, Role, User


@pytest.mark.django_db
def test_seed_demo_adds_plans_an_inbox_entry_and_life_months(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    person = PersonAccount.objects.get(user__email="person@example.jp").person
    plans = CarePlan.objects.filter(person=person).order_by("version")
    assert [(p.version, p.status) for p in plans] == [(1, PlanStatus.DELIVERED), (2, PlanStatus.FOR_CONSENT)]
    homon = Organisation.objects.get(office_number="1370100024")
    assert Delivery.objects.get().office == homon
    provider = Actor(
        user=User.objects.get(email="provider@example.jp"), organisation=homon, role=Role.PROVIDER_STAFF
    )
    assert [d.plan for d in selectors.inbox_for(provider)] == [plans[0]]
    months = LifeAssessment.objects.filter(person=person).values_list("barthel_total", flat=True)
    assert len(months) == 6 and list(months) == sorted(months)
    person_actor = Actor(user=User.objects.get(email="person@example.jp"), organisation=None, role=None)
    assert set(selectors.plans_for(person_actor)) == set(plans)
