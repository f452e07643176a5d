"""The portal's URLs plus the benchmark's reference views, served by the same server as the API.

- `/bench/bare/`: a bare Django JSON view, the baseline of `ratio eligibility_api_vs_bare`;
- `/bench/log-row/`: writes one access-log row (`audit.services.record`) and nothing else;
- `/bench/log-row-and-card/<pk>/<insured_no>/`: the log row and the card in one statement
  (`audit.services.record_and_read`), with no key check, no policy and no response body beyond a count.

The last two are floors: no read that is logged can cost less than the log row, and none that shows the card
less than both. They put the API's figure in context on the machine the benchmark runs on.

- `/bench/door-and-card/<insurer_no>/<insured_no>/`: the API's own work without DRF: the key checked as the
  API checks it, then the door (`access.read`: the policy's lookup of the person, the log row and the card).
  Between it and the card floor lies the policy's lookup (a second round trip); between it and the API, DRF's
  layers and the body.

The reference views take no credential and go round the access policy, which is what makes them floors. So
this module refuses to load unless the database is a throw-away test database (`test_…`, as the benchmark's
and the test suite's are), and only `bench.settings` names it.
"""

from dataclasses import replace

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone

from eligibility import selectors
from eligibility.models import InsuredPerson
from kaigo_portal import access
from kaigo_portal.accounts.services import api_key_authenticate
from kaigo_portal.audit.models import Category, Channel, Outcome
from kaigo_portal.audit.services import Access, record, record_and_read
from kaigo_portal.urls import urlpatterns as portal_urlpatterns

if not str(settings.DATABASES["default"]["NAME"]).startswith("test_"):
    raise ImproperlyConfigured("bench.urls serves views that bypass the access policy: test databases only")

_ACCESS = Access(
    actor_user_id=None,
    actor_name="bench",
    organisation_number="1370100016",
    organisation_name="bench",
    role="care_manager",
    api_key_prefix="bench",
    insurer_number="131011",
    insured_number="0000000001",
    category=Category.ELIGIBILITY,
    purpose="care_management",
    method="mynumber_card",
    channel=Channel.API,
    outcome=Outcome.GRANTED,
    reason="relationship",
    request_id="",
)


def bare(request):
    return JsonResponse({"status": "ok"})


def log_row(request):
    record([replace(_ACCESS, request_id=request.request_id)])
    return JsonResponse({"status": "ok"})


def log_row_and_card(request, pk: int, insured_no: str):
    card = selectors.card_read(InsuredPerson(pk=pk), timezone.localdate())
    access = replace(_ACCESS, insured_number=insured_no, request_id=request.request_id)  # the person read
    rows = record_and_read(access, card.sql, card.params)
    return JsonResponse({"rows": len(rows)})


def door_and_card(request, insurer_no: str, insured_no: str):
    header = request.headers.get("Authorization", "")
    key = api_key_authenticate(header.removeprefix("Api-Key ").strip())
    if key is None:
        return JsonResponse({"error": "key"}, status=401)
    actor = access.Actor(None, key.organisation, key.acting_role, key, Channel.API, request.request_id)
    on = timezone.localdate()
    _person, card = access.read(
        actor,
        access.Numbers(insurer_no, insured_no),
        Category.ELIGIBILITY,
        access.Purpose.CARE_MANAGEMENT,
        lambda person: selectors.card_read(person, on),
    )
    return JsonResponse({"insured_number": insured_no, "card": card is not None})


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/door-and-card/<str:insurer_no>/<str:insured_no>/", door_and_card),
    path("bench/log-row/", log_row),
    path("bench/log-row-and-card/<int:pk>/<str:insured_no>/", log_row_and_card),
    *portal_urlpatterns,
]
