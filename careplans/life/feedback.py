"""LIFE feedback: a person's scores over the months (server-side SVG, no script, no CDN), and an office's
distribution of Barthel totals beside the rest of the platform's.

The distribution names nobody: it is counts per band only; the comparison group is every OTHER office's
assessments (so that subtracting the office's own counts reveals nothing), and a band with fewer than
KAIGO_LIFE_MIN_GROUP_SIZE persons is shown as suppressed, as is the whole comparison when the group itself
is smaller than that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from eligibility.models import InsuredPerson
from kaigo_portal import access
from kaigo_portal.access import Actor
from kaigo_portal.wareki import to_wareki_month_with_seireki

from ..models import LifeAssessment

BANDS = ((0, 20), (25, 40), (45, 60), (65, 80), (85, 100))  # Barthel totals are multiples of 5


@dataclass(frozen=True)
class MonthPoint:
    month: dt.date
    barthel_total: int | None
    dbd13_total: int | None
    vitality_total: int | None
    bmi: Decimal | None
    nutrition_risk: str


def series_of(person: InsuredPerson) -> list[MonthPoint]:
    """Per month, the latest recorded assessment of the (already authorised) person, from any office."""
    latest: dict[dt.date, LifeAssessment] = {}
    for a in LifeAssessment.objects.filter(person=person).order_by("month", "recorded_at", "id"):
        latest[a.month] = a
    return [
        MonthPoint(m, a.barthel_total, a.dbd13_total, a.vitality_total, a.bmi, a.get_nutrition_risk_display())
        for m, a in sorted(latest.items())
    ]


# --- the chart -------------------------------------------------------------------------------------

WIDTH, PANEL, LEFT, TOP = 640, 120, 70, 24
MEASURES = (
    ("barthel_total", "Barthel Index 合計", 0, 100, "#1d6f42"),
    ("dbd13_total", "DBD13 合計", 0, 52, "#b00020"),
    ("bmi", "BMI", 10, 40, "#0b57d0"),
)


def chart_svg(points: list[MonthPoint], *, title: str) -> SafeString:
    """Three stacked line charts (Barthel, DBD13, BMI) over the months, with <title> and <desc>."""
    height = TOP + PANEL * len(MEASURES) + 20
    if not points:
        return format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="60" viewBox="0 0 {w} 60" '
            'aria-labelledby="life-chart-title life-chart-desc"><title id="life-chart-title">{t}</title>'
            '<desc id="life-chart-desc">LIFE の評価はまだありません。</desc>'
            '<text x="10" y="35" font-size="14">評価はまだありません</text></svg>',
            w=WIDTH,
            t=title,
        )
    step = (WIDTH - LEFT - 30) / max(len(points) - 1, 1)
    panels = []
    for index, (name, label, low, high, colour) in enumerate(MEASURES):
        top = TOP + PANEL * index
        coords = []
        for i, point in enumerate(points):
            value = getattr(point, name)
            if value is None:
                continue
            y = top + PANEL - 30 - (float(value) - low) * (PANEL - 40) / (high - low)
            coords.append((round(LEFT + i * step, 1), round(max(top, y), 1), point.month, value))
        line = " ".join(f"{x},{y}" for x, y, _m, _v in coords)
        panels.append(
            format_html(
                '<g><text x="{l}" y="{ty}" font-size="12">{label}</text>'
                '<line x1="{l}" x2="{r}" y1="{base}" y2="{base}" stroke="#999"/>'
                '<line x1="{l}" x2="{l}" y1="{peak}" y2="{base}" stroke="#999"/>'
                '<text x="{lx}" y="{base}" font-size="10" text-anchor="end">{low}</text>'
                '<text x="{lx}" y="{peak_y}" font-size="10" text-anchor="end">{high}</text>'
                '<polyline points="{line}" fill="none" stroke="{c}" stroke-width="2"/>{dots}</g>',
                ty=top + 2,
                label=label,
                l=LEFT - 10,
                r=WIDTH - 20,
                base=top + PANEL - 30,
                line=line,
                c=colour,
                peak=top + 10,
                peak_y=top + 14,
                lx=LEFT - 14,
                low=low,
                high=high,
                dots=format_html_join(
                    "",
                    '<circle cx="{}" cy="{}" r="4" fill="{}"><title>{} {}</title></circle>',
                    ((x, y, colour, to_wareki_month_with_seireki(m), v) for x, y, m, v in coords),
                ),
            )
        )
    months = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
        ((round(LEFT + i * step, 1), height - 4, f"{p.month:%y/%m}") for i, p in enumerate(points)),
    )
    desc = "、".join(
        f"{to_wareki_month_with_seireki(p.month)}: Barthel {_v(p.barthel_total)}、DBD13 {_v(p.dbd13_total)}、BMI {_v(p.bmi)}"
        for p in points
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        'aria-labelledby="life-chart-title life-chart-desc"><title id="life-chart-title">{t}</title>'
        '<desc id="life-chart-desc">{d}</desc>{panels}{months}</svg>',
        w=WIDTH,
        h=height,
        t=title,
        d=desc,
        panels=format_html_join("", "{}", ((p,) for p in panels)),
        months=months,
    )


def _v(value) -> str:
    return "—" if value is None else str(value)


# --- the distribution ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    label: str
    own: int
    others: int | None  # None: suppressed (fewer than the minimum group size)


@dataclass(frozen=True)
class Distribution:
    month: dt.date | None
    own_total: int
    others_total: int | None
    bands: list[Band]
    minimum: int


def _latest_per_person(queryset: QuerySet[LifeAssessment]) -> QuerySet[LifeAssessment]:
    """Each person's latest assessment with a Barthel total within the queryset."""
    latest = (
        queryset.filter(person=OuterRef("person")).order_by("-month", "-recorded_at", "-id").values("pk")[:1]
    )
    return queryset.filter(pk=Subquery(latest))


def _band_counts(queryset: QuerySet[LifeAssessment]) -> tuple[dict[int, int], int]:
    counts = {i: 0 for i in range(len(BANDS))}
    rows = queryset.values("barthel_total").annotate(n=Count("person", distinct=True))
    total = 0
    for row in rows:
        for i, (low, high) in enumerate(BANDS):
            if low <= row["barthel_total"] <= high:
                counts[i] += row["n"]
                total += row["n"]
    return counts, total


def distribution_for(actor: Actor) -> Distribution:
    """The office's users (its own assessments of persons it may see under `life`) by Barthel band, and
    every other office's, aggregated and suppressed below the minimum group size. Counts only."""
    minimum = settings.KAIGO_LIFE_MIN_GROUP_SIZE
    scored = LifeAssessment.objects.filter(barthel_total__isnull=False)
    mine = access.filter_persons(
        actor, scored.filter(office=actor.organisation), access.Category.LIFE, prefix="person__"
    )
    own_counts, own_total = _band_counts(_latest_per_person(mine))
    others_counts, others_total = _band_counts(_latest_per_person(scored.exclude(office=actor.organisation)))
    shown = others_total >= minimum
    bands = [
        Band(
            f"{low}〜{high}",
            own_counts[i],
            others_counts[i] if shown and others_counts[i] >= minimum else None,
        )
        for i, (low, high) in enumerate(BANDS)
    ]
    month = mine.aggregate(m=Max("month"))["m"]
    return Distribution(month, own_total, others_total if shown else None, bands, minimum)
