"""The timeline picture as people read it: 和暦 dates, never ISO, and labels that fit their margin."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pytest
import time_machine

from certification import selectors
from certification.models import StepKind
from certification.timeline import LEFT, timeline_svg

from .factories import application, through_panel

pytestmark = pytest.mark.django_db
D = dt.date


@time_machine.travel(dt.datetime(2027, 1, 5, 10, tzinfo=dt.timezone(dt.timedelta(hours=9))), tick=False)
def test_the_timeline_speaks_wareki_and_its_labels_fit(uncertified):
    app = through_panel(application(person=uncertified, applied_on=D(2026, 4, 1)), on=D(2026, 12, 31))
    svg = str(timeline_svg(selectors.progress(app, D(2027, 1, 5)), D(2027, 1, 5)))
    assert not re.search(r"\d{4}-\d{2}-\d{2}", svg)  # no ISO date anywhere, titles and labels included
    assert "30日（令和8年5月1日）" in svg and "令和8年4月1日（2026年4月1日）" in svg
    labels = re.findall(r'text-anchor="end" font-size="12">([^<]+)</text>', svg)
    assert len(labels) == len(StepKind.values)
    for label in labels:  # at 12px: a full-width character 12px wide, a digit about 7: in the left margin
        width = sum(12 if unicodedata.east_asian_width(char) in "FW" else 7 for char in label)
        assert width <= LEFT - 6, label
