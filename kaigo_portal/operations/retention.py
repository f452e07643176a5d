"""How long personal data is kept, one rule per kind of data, each enforced by the same nightly task.

Apps register their rules from AppConfig.ready (the kernel imports no app). Each rule says what it
deletes, how long it is kept, on what basis (a source, or marked as a decision), and purges what is past
that. `manage.py retention` lists the rules and what is due; `--apply` purges, as the beat task does.
docs/operations.md ("Retention") is the table people read.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    name: str
    what: str  # 「取込ファイル（元のファイルとエラー一覧）」
    keep: str  # 「取込の完了から90日」
    basis: str  # the source, or "[decision] …"
    # purge(now, apply): the number of items past their time; deletes them only when `apply`.
    purge: Callable[[dt.datetime, bool], int]


_RULES: dict[str, Rule] = {}


def register(rule: Rule) -> None:
    if rule.name in _RULES and _RULES[rule.name] != rule:
        raise ValueError(f"retention rule {rule.name!r} is registered twice")
    _RULES[rule.name] = rule


def rules() -> list[Rule]:
    return sorted(_RULES.values(), key=lambda rule: rule.name)


def run(*, apply: bool, now: dt.datetime | None = None, names: Iterable[str] | None = None) -> dict[str, int]:
    """Each rule's count of items past their time (purged when `apply`); every rule, or the `names`."""
    now = now or timezone.now()
    counts = {}
    chosen = set(names) if names is not None else None
    for rule in rules():
        if chosen is not None and rule.name not in chosen:
            continue
        counts[rule.name] = rule.purge(now, apply)
        if apply and counts[rule.name]:
            logger.info("retention %s: %d purged", rule.name, counts[rule.name])
    return counts
