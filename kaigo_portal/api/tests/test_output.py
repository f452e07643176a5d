"""OutputSerializer writes what DRF's Serializer writes for the same fields, in one pass."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from rest_framework import serializers

from kaigo_portal.api.output import OutputSerializer


def _pair(base):
    class Line(base):
        id = serializers.CharField(source="line_id")
        on = serializers.DateField()

    class Holder(base):
        name = serializers.CharField(source="who.name")
        born = serializers.DateField(source="who.born", allow_null=True)
        count = serializers.IntegerField()
        lines = Line(many=True)
        whole = Line(source="*")
        nothing = Line(allow_null=True)

    return Holder()


HOLDERS = [
    SimpleNamespace(
        who=SimpleNamespace(name="介護 花子", born=dt.date(1940, 5, 3)),
        count=2,
        lines=[
            SimpleNamespace(line_id="1", on=dt.date(2026, 4, 1)),
            SimpleNamespace(line_id="2", on=dt.date(2026, 5, 1)),
        ],
        line_id="9",
        on=dt.date(2026, 6, 1),
        nothing=None,
    ),
    SimpleNamespace(
        who=SimpleNamespace(name="介護 太郎", born=None),
        count=0,
        lines=[],
        line_id="0",
        on=dt.date(2026, 1, 1),
        nothing=None,
    ),
]


def test_it_writes_what_drf_writes():
    fast, drf = _pair(OutputSerializer), _pair(serializers.Serializer)
    for holder in HOLDERS:
        assert fast.to_representation(holder) == dict(drf.to_representation(holder))
    assert fast.to_representation(HOLDERS[0])["lines"] == [
        {"id": "1", "on": "2026-04-01"},
        {"id": "2", "on": "2026-05-01"},
    ]


def test_a_missing_step_is_null():
    fast = _pair(OutputSerializer)
    body = fast.to_representation(SimpleNamespace(**{**vars(HOLDERS[1]), "who": None}))
    assert (body["name"], body["born"]) == (None, None)


def test_a_missing_attribute_of_a_field_that_allows_no_null_is_an_error():
    import pytest

    fast = _pair(OutputSerializer)
    with pytest.raises(AttributeError):
        fast.to_representation(SimpleNamespace(**{k: v for k, v in vars(HOLDERS[0]).items() if k != "count"}))
