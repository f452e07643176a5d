"""The portal's URLs plus the benchmark's reference views, served by the same server as the API.

- `/bench/bare/`: a bare Django JSON view, the baseline of `ratio eligibility_api_vs_bare`;
- `/bench/log-row/`: writes one access-log row (`audit.services.record`) and nothing else;
- `/bench/log-row-and-card/<pk>/`: the log row and the card in one statement (`audit.services.record_and_read`),
  with no key check, no policy and no response body beyond a count.

The last two are floors: no read that is logged can cost less than the log row, and none that shows the card
less than both. They put the API's figure in context on the machine the benchmark runs on.

Only the benchmark's gunicorn loads this module (`bench.settings`): the reference views take no credential.
"""

from dataclasses import replace

from django.http import JsonResponse
from django.urls import path
from django.utils import timezone

from eligibility import selectors
from kaigo_portal.audit.models import Category, Channel, Outcome
from kaigo_portal.audit.services import Access, record, record_and_read
from kaigo_portal.urls import urlpatterns as portal_urlpatterns

_ACCESS = Access(
    actor_user_id=None, actor_name="bench", organisation_number="1370100016", organisation_name="bench",
    role="care_manager", api_key_prefix="bench", insurer_number="131011", insured_number="0000000001",
    category=Category.ELIGIBILITY, purpose="care_management", method="mynumber_card", channel=Channel.API,
    outcome=Outcome.GRANTED, reason="relationship", request_id="",
)  # fmt: skip


class _Person:
    """What `card_statement` needs of a person: the primary key."""

    def __init__(self, pk: int):
        self.pk = pk


def bare(request):
    return JsonResponse({"status": "ok"})


def log_row(request):
    record([replace(_ACCESS, request_id=request.request_id)])
    return JsonResponse({"status": "ok"})


def log_row_and_card(request, pk: int):
    sql, params = selectors.card_statement(_Person(pk), timezone.localdate())
    rows = record_and_read(replace(_ACCESS, request_id=request.request_id), sql, params)
    return JsonResponse({"rows": len(rows)})


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/log-row/", log_row),
    path("bench/log-row-and-card/<int:pk>/", log_row_and_card),
    *portal_urlpatterns,
]
