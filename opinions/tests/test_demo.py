"""seed_demo adds requests (one overdue), a draft, a submitted opinion and paper ones; idempotent."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from opinions.models import Opinion, OpinionRequest, OpinionStatus, Route


@pytest.mark.django_db
def test_seed_demo_adds_requests_a_draft_a_submitted_and_a_paper_opinion(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    call_command("seed_demo", "--quiet", stdout=io.StringIO())
    today = timezone.localdate()
    requests = OpinionRequest.objects.all()
    assert requests.count() == 6  # every demo application past 主治医意見書依頼
    assert sum(r.is_overdue(today) for r in requests) == 1
    assert Opinion.objects.filter(status=OpinionStatus.DRAFT).count() == 1
    assert Opinion.objects.filter(status=OpinionStatus.SUBMITTED, route=Route.API).count() == 1
    assert Opinion.objects.filter(route=Route.PAPER).count() == 3
