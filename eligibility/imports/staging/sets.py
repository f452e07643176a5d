"""The rules across rows and against the database, and the apply, as set-based SQL over the staging tables."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection

from ...models import InsuredPerson
from ..registry import Issue, ParsedRow, RecordType, all_types, get
from .layout import columns, has_own_sequence_rules, q, table_of

MESSAGES = {
    "record.duplicate_in_file": ("", "同じレコード・同じ異動日の行がファイル内で重複しています。"),
    "person.unknown": ("insured_number", "この被保険者はファイルにもデータベースにも登録されていません。"),
    "record.exists": ("action", "既に登録されています。変更は change で送ってください。"),
    "record.not_found": ("action", "変更・削除する登録がありません。"),
}


# --- the checks across rows and against the database -------------------------------------------------------


def _key_columns(record_type: RecordType) -> list[str]:
    return [record_type.model._meta.get_field(name).column for name in record_type.key_fields]


def _live_sql(record_type: RecordType) -> str:
    """1 if the staged row's record (its key) is live in the database, else 0; `p` is its person or NULL."""
    matches = "".join(f" AND v.{q(c)} = s.{q(c)}" for c in _key_columns(record_type))
    version = q(record_type.model._meta.db_table)
    return (
        f"CASE WHEN p.id IS NULL THEN 0 ELSE COALESCE((SELECT CASE WHEN v.deleted THEN 0 ELSE 1 END "  # noqa: S608
        f"FROM {version} v WHERE v.person_id = p.id{matches} ORDER BY v.effective_date DESC, v.id DESC LIMIT 1), 0) END"
    )


def _person_live_sql() -> str:
    person = get("person")
    version = q(person.model._meta.db_table)
    return (
        f"CASE WHEN p.id IS NULL THEN 0 ELSE COALESCE((SELECT CASE WHEN v.deleted THEN 0 ELSE 1 END "  # noqa: S608
        f"FROM {version} v WHERE v.person_id = p.id ORDER BY v.effective_date DESC, v.id DESC LIMIT 1), 0) END"
    )


def _persons_added_sql() -> str:
    """The numbers that a person row of the file adds or changes."""
    return " UNION ALL ".join(
        f"SELECT insured_number FROM {table_of(t)} WHERE action <> 'delete'"  # noqa: S608
        for t in all_types()
        if t.creates_person
    )


def find_complex(names: list[str]) -> int:
    """The persons checked in Python: a key that repeats, a deletion of the person, sequence rules."""
    parts = []
    for name in names:
        record_type = get(name)
        table = table_of(record_type)
        keys = "".join(f", {q(c)}" for c in _key_columns(record_type))
        parts.append(f"SELECT insured_number FROM {table} GROUP BY insured_number{keys} HAVING COUNT(*) > 1")  # noqa: S608
        if record_type.creates_person:
            parts.append(f"SELECT insured_number FROM {table} WHERE action = 'delete'")  # noqa: S608
        if has_own_sequence_rules(record_type):
            parts.append(f"SELECT insured_number FROM {table}")  # noqa: S608
    if not parts:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO imp_complex (insured_number) {' UNION '.join(parts)}")
        cursor.execute("SELECT COUNT(*) FROM imp_complex")
        count = cursor.fetchone()[0]
        if count and connection.vendor == "postgresql":
            for name in names:
                cursor.execute(f"CREATE INDEX ON {table_of(get(name))} (insured_number)")
            cursor.execute("ANALYZE imp_complex")
    return count


def check_simple(record_type: RecordType, *, insurer_id: int) -> Iterator[tuple]:
    """Set issues of the record type's rows of simple persons: (line, seq, field, value, code)."""
    table = table_of(record_type)
    person = q(InsuredPerson._meta.db_table)
    if record_type.creates_person:
        known, in_file = "1", ""
    else:  # a join, not IN (…): a hashed IN must fit in work_mem, or PostgreSQL rescans it for every row
        known = f"CASE WHEN k.insured_number IS NOT NULL THEN 1 ELSE {_person_live_sql()} END"
        added = _persons_added_sql()
        in_file = f"LEFT JOIN (SELECT DISTINCT insured_number FROM ({added}) a) k ON k.insured_number = s.insured_number "  # noqa: S608
    sql = (
        f"SELECT line, action, insured_number, known, live FROM (SELECT s.line, s.action, s.insured_number, "  # noqa: S608
        f"{known} AS known, {_live_sql(record_type)} AS live FROM {table} s "
        f"LEFT JOIN {person} p ON p.insurer_id = %s AND p.insured_number = s.insured_number {in_file}"
        f"WHERE NOT EXISTS (SELECT 1 FROM imp_complex c WHERE c.insured_number = s.insured_number)) r "
        f"WHERE known = 0 OR (action = 'add' AND live = 1) OR (action <> 'add' AND live = 0)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [insurer_id])
        while batch := cursor.fetchmany(2000):
            for line, action, number, known_, live in batch:
                seq = 0
                if not known_:
                    yield (line, seq, "insured_number", number, "person.unknown")
                    seq += 1
                if action == "add" and live:
                    yield (line, seq, "action", action, "record.exists")
                elif action != "add" and not live:
                    yield (line, seq, "action", action, "record.not_found")


def save_issues(issues: list[tuple]) -> None:
    """(line, seq, field, value, code, message, severity) rows into imp_issues."""
    if issues:
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO imp_issues VALUES (%s, %s, %s, %s, %s, %s, %s)", issues)


def complex_rows(low: str, high: str, *, insurer_number: str) -> list[ParsedRow]:
    """Every staged row of the complex persons with low < number <= high, in file order, as ParsedRows."""
    rows: list[ParsedRow] = []
    with connection.cursor() as cursor:
        for record_type in all_types():
            cols = columns(record_type.model)
            names = ", ".join(f"s.{q(c)}" for c, *_ in cols)
            cursor.execute(
                f"SELECT s.line, s.action, s.insured_number, s.effective_date{', ' if names else ''}{names} "  # noqa: S608
                f"FROM {table_of(record_type)} s WHERE s.insured_number IN (SELECT insured_number FROM imp_complex "
                f"WHERE insured_number > %s AND insured_number <= %s)",
                [low, high],
            )
            date_field = InsuredPerson._meta.get_field("birth_date")
            for line, action, number, effective, *values in cursor.fetchall():
                parsed = {
                    f.name: f.to_python(value) for (_, _, _, f), value in zip(cols, values, strict=True)
                }
                if action == "delete":  # the deletion's placeholders are not values of the file
                    parsed = {name: parsed[name] for name in record_type.key_fields}
                rows.append(
                    ParsedRow(
                        line,
                        record_type,
                        action,
                        date_field.to_python(effective),
                        insurer_number,
                        number,
                        parsed,
                    )
                )
    rows.sort(key=lambda row: row.line)
    return rows


def complex_batches(size: int = 2000) -> Iterator[tuple[str, str]]:
    """(low, high] ranges of the complex persons' numbers, `size` numbers each."""
    low = ""
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT insured_number FROM imp_complex WHERE insured_number > %s ORDER BY insured_number LIMIT %s",
                [low, size],
            )
            numbers = [number for (number,) in cursor.fetchall()]
            if not numbers:
                return
            yield low, numbers[-1]
            low = numbers[-1]


def read_issues() -> Iterator[Issue]:
    """The issues of the set checks in line order."""
    cursor = connection.chunked_cursor() if connection.vendor == "postgresql" else connection.cursor()
    with cursor:
        cursor.execute(
            "SELECT line, field, value, code, message, severity FROM imp_issues ORDER BY line, seq"
        )
        while batch := cursor.fetchmany(2000):
            for line, field, value, code, message, severity in batch:
                yield Issue(line, field, value, code, message, severity)


# --- the apply ---------------------------------------------------------------------------------------------


def create_persons(names: list[str], *, insurer_id: int, now) -> None:
    """New persons, in one INSERT … SELECT; their search fields from their person row when it is their only
    one and adds them (the others are refreshed from their versions at the end, see `mark_stale`).

    Only record types that create persons bring new numbers: the set checks have already refused a row of
    any other type whose person is neither in the database nor added by the file. With the person rows
    the only such type, one pass of GROUP BY over them gives both the numbers and the search fields."""
    person = q(InsuredPerson._meta.db_table)
    creating = [name for name in names if get(name).creates_person]
    if not creating:
        return
    stage = table_of(get("person"))
    by_number = (
        f"SELECT insured_number, COUNT(*) AS row_count, MIN(action) AS action, MIN(name) AS name, "  # noqa: S608
        f"MIN(name_kana) AS name_kana, MIN(birth_date) AS birth_date, MIN(line) AS line "
        f"FROM {stage} GROUP BY insured_number"
    )
    # In file order: the persons' ids then follow the order in which the versions are inserted, so their
    # key indexes (person first) and the foreign-key look-ups go through pages in order, not at random
    # (measured at 1M persons: hash order made the version inserts a third slower).
    if creating == ["person"]:
        source, number, order = f"({by_number}) u", "u.insured_number", "u.line"
    else:  # another type that creates persons: the union of the numbers, the person rows' fields beside
        numbers = " UNION ".join(f"SELECT insured_number FROM {table_of(get(name))}" for name in creating)  # noqa: S608
        source = f"({numbers}) n LEFT JOIN ({by_number}) u ON u.insured_number = n.insured_number"
        number, order = "n.insured_number", "u.line, n.insured_number"
    only_add = "u.row_count = 1 AND u.action = 'add'"
    created_at = InsuredPerson._meta.get_field("created_at").get_db_prep_save(now, connection)
    sql = (
        f"INSERT INTO {person} (insurer_id, insured_number, name, name_kana, birth_date, created_at) "  # noqa: S608
        f"SELECT %s, {number}, CASE WHEN {only_add} THEN u.name ELSE '' END, "
        f"CASE WHEN {only_add} THEN u.name_kana ELSE '' END, CASE WHEN {only_add} THEN u.birth_date END, %s "
        f"FROM {source} WHERE NOT EXISTS "
        f"(SELECT 1 FROM {person} e WHERE e.insurer_id = %s AND e.insured_number = {number}) ORDER BY {order}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [insurer_id, created_at, insurer_id])


def mark_stale(*, insurer_id: int) -> None:
    """Before the new persons exist: the numbers whose search fields must come from their versions at the
    end — persons already in the database that the file changes, and persons with several person rows."""
    person = q(InsuredPerson._meta.db_table)
    stage = table_of(get("person"))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE imp_stale (insured_number text PRIMARY KEY)")
        cursor.execute(
            f"INSERT INTO imp_stale (insured_number) SELECT insured_number FROM {stage} GROUP BY insured_number "  # noqa: S608
            f"HAVING COUNT(*) > 1 OR MIN(action) <> 'add' OR MAX(action) <> 'add' UNION "
            f"SELECT s.insured_number FROM {stage} s JOIN {person} e ON e.insurer_id = %s "
            f"AND e.insured_number = s.insured_number",
            [insurer_id],
        )


def insert_versions(record_type: RecordType, *, job_id: int, insurer_id: int, now) -> None:
    """The record type's staged rows as versions. Not sorted by line: a key has one version per effective
    date in a file (a second is record.duplicate_in_file), so no reader depends on the order of ids within
    one job, and the sort of a million rows is saved."""
    model = record_type.model
    cols = [c for c, *_ in columns(model)]
    target = ", ".join(
        q(c) for c in ["person_id", "effective_date", "deleted", "job_id", "line", "recorded_at", *cols]
    )
    values = ", ".join(f"s.{q(c)}" for c in cols)
    recorded_at = model._meta.get_field("recorded_at").get_db_prep_save(now, connection)
    person = q(InsuredPerson._meta.db_table)
    sql = (
        f"INSERT INTO {q(model._meta.db_table)} ({target}) "  # noqa: S608
        f"SELECT p.id, s.effective_date, CASE WHEN s.action = 'delete' THEN %s ELSE %s END, %s, s.line, %s"
        f"{', ' if values else ''}{values} FROM {table_of(record_type)} s "
        f"JOIN {person} p ON p.insurer_id = %s AND p.insured_number = s.insured_number"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [True, False, job_id, recorded_at, insurer_id])


def stale_person_ids_sql() -> str:
    person = q(InsuredPerson._meta.db_table)
    return f"SELECT p.id FROM {person} p JOIN imp_stale t ON t.insured_number = p.insured_number AND p.insurer_id = %s"  # noqa: S608
