"""Dated facts the public pages state: the schedule and the card-reader subsidy outline.

Kept as data, not prose, so that the pages say "予定" or "受付中" according to today's date, and so that a
change in the schedule is one line here. Sources are the tags of /work/shared/domain.md (§1, §6); "予定"
marks a date the public material itself calls planned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Milestone:
    """One line of the schedule. `month_only` dates are known to the month, not the day."""

    on: dt.date
    text: str
    month_only: bool = False
    planned: bool = False  # the source itself says 予定 (or the day is still to be announced)

    def is_past(self, today: dt.date) -> bool:
        return self.on <= today


SCHEDULE: tuple[Milestone, ...] = (
    Milestone(dt.date(2025, 8, 1), "介護情報基盤ポータルの公開（国民健康保険中央会）", month_only=True),
    Milestone(
        dt.date(2025, 10, 1),
        "電子請求を行っていない事業所向けのクライアント証明書（介護DX証明書）の発行開始",
        month_only=True,
    ),
    Milestone(
        dt.date(2026, 4, 1),
        "介護情報基盤の運用開始。準備のできた市町村から順に利用開始。マイナポータルで介護保険証の情報が見られるように",
    ),
    Milestone(dt.date(2026, 4, 1), "改正された主治医意見書の様式・記入の手引きの適用"),
    Milestone(
        dt.date(2027, 1, 1), "市町村の介護保険事務システムの標準化（介護情報基盤との連携を含む）の対応期限"
    ),
    Milestone(
        dt.date(2027, 1, 1),
        "ケアプランデータ連携システムが介護保険資格確認等WEBサービスの機能に統合（日は未定）",
        month_only=True,
        planned=True,
    ),
    Milestone(
        dt.date(2027, 4, 1),
        "LIFE情報の一部の閲覧開始（令和9年度上半期の予定）",
        month_only=True,
        planned=True,
    ),
    Milestone(
        dt.date(2028, 4, 1),
        "すべての市町村で介護情報基盤の利用を開始（既存データの移行を含む）",
        planned=True,
    ),
)

# The date by which every municipality is to be live [W-122-13][KP].
ALL_MUNICIPALITIES_BY = dt.date(2028, 4, 1)
# The conformance date for the standardised municipal systems [T1].
STANDARDISATION_DEADLINE = dt.date(2027, 1, 1)


@dataclass(frozen=True)
class SubsidyWindow:
    """A fiscal year's application window for the card-reader / connection-support subsidy (予定)."""

    fiscal_year_label: str
    opens: dt.date
    closes: dt.date

    def is_open(self, today: dt.date) -> bool:
        return self.opens <= today <= self.closes


SUBSIDY_WINDOWS: tuple[SubsidyWindow, ...] = (
    SubsidyWindow("令和7年度", dt.date(2025, 10, 17), dt.date(2026, 3, 13)),  # [JK-1020]
    SubsidyWindow("令和8年度", dt.date(2026, 5, 7), dt.date(2027, 3, 12)),  # [T1][NPO-S]
)


@dataclass(frozen=True)
class SubsidyLimit:
    category: str
    max_readers: int
    limit_yen: int  # tax included


# 介護関連データ利活用に係る基盤構築事業 助成金: limits per category, tax included [T1][JK-1020].
SUBSIDY_LIMITS: tuple[SubsidyLimit, ...] = (
    SubsidyLimit("訪問・通所・短期滞在系", 3, 64_000),
    SubsidyLimit("居住・入所系", 2, 55_000),
    SubsidyLimit("その他", 1, 42_000),
)


@dataclass(frozen=True)
class SubsidyStatus:
    """What the pages say about the subsidy window today: open now, the next one, or none announced."""

    current: SubsidyWindow | None
    upcoming: SubsidyWindow | None
    last: SubsidyWindow | None


def subsidy_status(today: dt.date) -> SubsidyStatus:
    current = next((w for w in SUBSIDY_WINDOWS if w.is_open(today)), None)
    upcoming = next((w for w in SUBSIDY_WINDOWS if w.opens > today), None)
    past = [w for w in SUBSIDY_WINDOWS if w.closes < today]
    return SubsidyStatus(current=current, upcoming=upcoming, last=past[-1] if past else None)
