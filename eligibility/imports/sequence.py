"""The checks in file order, for the persons whose rows depend on each other.

A person with a key that appears twice in the file, a deletion of the person, or rows of a record type
with its own rules in sequence (`RecordType.check_in_sequence`) is checked here, row by row in file
order, against the state the earlier rows left; every other person is checked by set-based SQL (see
`staging`). The persons come a batch at a time from the staging tables, so memory does not grow with
their number either.
"""

from __future__ import annotations

from ..models import InsuredPerson
from . import staging
from .registry import Issue, ParsedRow, get


def check_complex(job) -> None:
    """The persons whose rows depend on each other (a key that repeats, a deletion of the person, a type's
    own rules in sequence), in file order, a batch of persons at a time."""
    contexts: dict[str, dict] = {}  # each record type's own, for its rules across the file's rows
    insurer_number = job.insurer.insurer_number
    for low, high in staging.complex_batches():
        rows = staging.complex_rows(low, high, insurer_number=insurer_number)
        numbers = {row.insured_number for row in rows}
        existing = set(_person_ids(job, numbers))
        states = KeyStates()
        if existing:
            for name in {row.record_type.name for row in rows} | {"person"}:  # persons: for the references
                for key, live in _latest_states(job, get(name), existing).items():
                    states.seed(key, live)
        persons_in_file = {
            row.insured_number for row in rows if row.record_type.creates_person and row.action != "delete"
        }
        found: list[tuple] = []
        for row in rows:
            row_issues = _set_issues(row, states, persons_in_file)
            if not row_issues:
                row_issues = row.record_type.check_in_sequence(
                    row, contexts.setdefault(row.record_type.name, {})
                )
            for seq, issue in enumerate(row_issues):
                found.append(
                    (issue.line, seq, issue.field, issue.value, issue.code, issue.message, issue.severity)
                )
        staging.save_issues(found)


class KeyStates:
    """Per record key the file touches: whether it is live, and the effective dates the file gave it.

    Keys are kept as 64-bit hashes and the state packed in one int (date ordinal × 2 + live), so that a
    file of a million persons fits in memory; a collision (odds about 1 in 10^7 at that size) could only
    cause a false error report, never a silent change."""

    def __init__(self) -> None:
        self.packed: dict[int, int] = {}  # hash(key) -> last effective date's ordinal * 2 + live
        self.more_dates: dict[int, set[int]] = {}  # for the rare key the file gives several dates

    def seed(self, key: tuple, live: bool) -> None:
        self.packed.setdefault(hash(key), int(live))  # from the database: no file date yet (ordinal 0)

    def is_live(self, key: tuple) -> bool:
        return bool(self.packed.get(hash(key), 0) & 1)

    def seen(self, key: tuple, day) -> bool:
        """Whether the file already had this key with this effective date."""
        packed = self.packed.get(hash(key))
        if packed is None or packed >> 1 == 0:
            return False
        ordinal = day.toordinal()
        return packed >> 1 == ordinal or ordinal in self.more_dates.get(hash(key), ())

    def record(self, key: tuple, day, live: bool) -> None:
        h, ordinal = hash(key), day.toordinal()
        previous = self.packed.get(h, 0) >> 1
        if previous and previous != ordinal:
            self.more_dates.setdefault(h, set()).add(previous)
        self.packed[h] = ordinal * 2 + int(live)


def _latest_states(job, record_type, numbers: set[str]) -> dict[tuple, bool]:
    """For the records of these persons in the database: key -> live (True) or deleted (False)."""
    key_fields = record_type.key_fields
    rows = (
        record_type.model.objects.filter(person__insurer=job.insurer, person__insured_number__in=numbers)
        .order_by("effective_date", "id")
        .values_list("person__insured_number", "deleted", *key_fields)
    )
    states: dict[tuple, bool] = {}
    for number, deleted, *key in rows:
        states[(record_type.name, number, *key)] = not deleted
    return states


def _person_ids(job, numbers: set[str]) -> dict[str, int]:
    return dict(
        InsuredPerson.objects.filter(insurer=job.insurer, insured_number__in=numbers).values_list(
            "insured_number", "id"
        )
    )


def _set_issues(row: ParsedRow, states: KeyStates, persons_in_file: set[str]) -> list[Issue]:
    key = row.key
    if states.seen(key, row.effective_date):
        message = "同じレコード・同じ異動日の行がファイル内で重複しています。"
        return [Issue.make(row.line, "", "", "record.duplicate_in_file", message)]
    found: list[Issue] = []
    person_known = row.insured_number in persons_in_file or states.is_live(("person", row.insured_number))
    if not row.record_type.creates_person and not person_known:
        message = "この被保険者はファイルにもデータベースにも登録されていません。"
        found.append(Issue.make(row.line, "insured_number", row.insured_number, "person.unknown", message))
    live = states.is_live(key)
    if row.action == "add" and live:
        message = "既に登録されています。変更は change で送ってください。"
        found.append(Issue.make(row.line, "action", row.action, "record.exists", message))
    elif row.action in ("change", "delete") and not live:
        found.append(
            Issue.make(row.line, "action", row.action, "record.not_found", "変更・削除する登録がありません。")
        )
    if not found:
        states.record(key, row.effective_date, row.action != "delete")
    return found
