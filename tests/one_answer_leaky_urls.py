"""The portal's URLconf plus two routes the person sweep (tests/test_one_answer.py) must catch: one that
says whether a person exists, and one taking a person reference the sweep does not know how to call."""

from django.http import HttpResponse
from django.urls import path, re_path

from eligibility.models import InsuredPerson
from kaigo_portal.urls import urlpatterns as portal


def leaky(request, insurer_number: str, insured_number: str):
    found = InsuredPerson.objects.filter(
        insurer__insurer_number=insurer_number, insured_number=insured_number
    ).exists()
    return HttpResponse("該当者はいますが表示できません" if found else "該当者はいません", status=404)


def unknown(request, person_pk: int):
    return HttpResponse(status=404)


urlpatterns = [
    re_path(r"^leaky/(?P<insurer_number>\d{6})/(?P<insured_number>\d{10})/$", leaky, name="leaky"),
    path("unknown/<int:person_pk>/", unknown, name="unknown_person_route"),
    *portal,
]
