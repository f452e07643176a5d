"""`seed_demo`: one sign-in per role, both demo insurers, persons loaded through the import; idempotent."""

import io

import pytest
from django.core.management import CommandError, call_command

from eligibility.models import ImportJob, InsuredPerson
from kaigo_portal.accounts.models import Membership, Organisation, Role, User


@pytest.mark.django_db
def test_seed_demo_loads_everything_once_and_prints_the_sign_ins(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    # the person and a representative, once each however often the demo is loaded
    assert set(User.objects.filter(kind="person").values_list("email", flat=True)) == {
        "person@example.jp",
        "family@example.jp",
    }
    chiyoda, hitachi = (
        Organisation.objects.get(insurer_number="131011"),
        Organisation.objects.get(insurer_number="082024"),
    )
    assert chiyoda.is_live() and not hitachi.is_live()
    assert InsuredPerson.objects.filter(insurer=chiyoda).count() == 300
    assert InsuredPerson.objects.filter(insurer=hitachi).count() == 50
    assert list(ImportJob.objects.values_list("status", flat=True)) == ["succeeded", "succeeded"]
    printed = out.getvalue()
    assert (
        "kaigo-demo-2026" in printed
        and "caremanager@example.jp" in printed
        and "person@example.jp" in printed
    )


@pytest.mark.django_db
def test_seed_demo_is_refused_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=io.StringIO())
