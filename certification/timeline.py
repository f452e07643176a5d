"""The timeline picture of one application (server-side SVG, no script, no CDN): the steps by completion
day, today, and the 30-day line."""

from __future__ import annotations

import datetime as dt

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from kaigo_portal.wareki import to_wareki, to_wareki_with_seireki

from . import rules
from .models import StepKind
from .selectors import Progress

WIDTH, ROW, LEFT = 720, 22, 220  # LEFT holds the longest label: 主治医意見書依頼（12月31日完了）at 12px


def _month_day(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def timeline_svg(progress: Progress, today: dt.date) -> SafeString:
    start = progress.application.applied_on
    span = max(rules.DECISION_DAYS + 5, (today - start).days + 3, progress.days_elapsed + 3)

    def x(day: dt.date) -> int:
        return LEFT + round((day - start).days * (WIDTH - LEFT - 10) / span)

    height = ROW * (len(StepKind.values) + 1) + 10
    rows = []
    for index, kind in enumerate(StepKind.values):
        y = ROW * (index + 1)
        step = progress.steps.get(kind)
        done = _month_day(step.completed_on) if step else "未完了"
        rows.append((LEFT - 6, y + 4, StepKind(kind).label, done))
        if step:
            rows[-1] = (*rows[-1][:3], f"{done}完了")
    labels = format_html_join(
        "", '<text x="{}" y="{}" text-anchor="end" font-size="12">{}（{}）</text>', rows
    )
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="5" fill="#1d6f42"><title>{} {}</title></circle>',
        (
            (
                x(step.completed_on),
                ROW * (StepKind.values.index(kind) + 1),
                StepKind(kind).label,
                to_wareki_with_seireki(step.completed_on),
            )
            for kind, step in progress.steps.items()
        ),
    )
    due, now = x(progress.due), x(today)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        'aria-label="申請{start}からの進捗。期限{due_on}、経過{days}日{late}">'
        "{labels}{dots}"
        '<line x1="{due}" x2="{due}" y1="4" y2="{h}" stroke="#b00020" stroke-dasharray="4 3"/>'
        '<text x="{due}" y="12" font-size="11" fill="#b00020" text-anchor="end">30日（{due_short}）</text>'
        '<line x1="{now}" x2="{now}" y1="14" y2="{h}" stroke="#0b57d0"/>'
        '<text x="{now}" y="{h}" font-size="11" fill="#0b57d0">今日</text></svg>',
        w=WIDTH,
        h=height,
        start=to_wareki_with_seireki(start),
        due_on=to_wareki_with_seireki(progress.due),
        due_short=to_wareki(progress.due),
        days=progress.days_elapsed,
        late="（期限超過）" if progress.overdue else "",
        labels=labels,
        dots=dots,
        due=due,
        now=now,
    )


def stats_svg(stats) -> SafeString:
    """Horizontal bars per step: the median (filled) and the 90th percentile (outline), with the 30-day line."""
    scale_days = max([rules.DECISION_DAYS + 5, *(s.p90 or 0 for s in stats)])
    width = WIDTH - LEFT - 40

    def w(days: float | None) -> int:
        return round((days or 0) * width / scale_days)

    height = ROW * len(stats) + 20
    bars = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" font-size="12">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="8" fill="none" stroke="#0b57d0"><title>90パーセンタイル {}日</title></rect>'
        '<rect x="{}" y="{}" width="{}" height="8" fill="#0b57d0"><title>中央値 {}日</title></rect>'
        '<text x="{}" y="{}" font-size="10">{}</text>',
        (
            (
                LEFT - 6,
                ROW * (i + 1),
                s.label,
                LEFT,
                ROW * (i + 1) - 8,
                w(s.p90),
                _days(s.p90),
                LEFT,
                ROW * (i + 1) - 8,
                w(s.median),
                _days(s.median),
                LEFT + w(s.p90) + 4,
                ROW * (i + 1),
                f"{_days(s.median)} / {_days(s.p90)}日（{s.count}件）",
            )
            for i, s in enumerate(stats)
        ),
    )
    line = LEFT + w(rules.DECISION_DAYS)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        'aria-label="段階ごとの申請からの日数（中央値と90パーセンタイル、過去3か月）">{bars}'
        '<line x1="{x}" x2="{x}" y1="0" y2="{h}" stroke="#b00020" stroke-dasharray="4 3"/>'
        '<text x="{x}" y="{h}" font-size="11" fill="#b00020">30日</text></svg>',
        w=WIDTH,
        h=height,
        bars=bars,
        x=line,
    )


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".removesuffix(".0")
