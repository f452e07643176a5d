"""seed_demo adds applications at every step, one of them overdue; idempotent."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from certification import selectors
from certification.models import Application


@pytest.mark.django_db
def test_seed_demo_adds_applications_at_every_step_one_overdue(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    today = timezone.localdate()
    progress = [selectors.progress(a, today) for a in Application.objects.prefetch_related("steps")]
    assert len(progress) == 8
    assert sum(p.overdue for p in progress) == 1
    assert sorted(len(p.steps) for p in progress) == [1, 2, 3, 4, 5, 6, 7, 9]
