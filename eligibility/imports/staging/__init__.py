"""Staging: valid rows as COPY text, loaded into temporary tables, checked and applied with set-based SQL.

The validators (pipeline) turn each valid row into one line of PostgreSQL COPY text, spooled per record
type: the row's version values (placeholders for a deletion) after its line, action, insured number and
effective date. The spools are loaded into one temporary table per record type (COPY on PostgreSQL,
executemany elsewhere), then:

- the rules across rows and against the database are SQL over those tables, for every person whose
  keys each appear once in the file (nearly all): unknown person, add of a live record, change/delete
  of a missing one. A person with a key that repeats, a deletion of the person, or rows of a type with
  its own rules in sequence is checked in Python in file order, as before (`check_complex`);
- the apply is one INSERT … SELECT per table: new persons, then each record type's versions, then the
  search fields of persons whose name may have changed.

Memory does not grow with the file: rows live in files and tables, never in Python dicts.

The codec is copytext.py, the tables tables.py, the rules across rows and the apply sets.py; layout.py
has the columns all three share.
"""

from .copytext import Spool, _from_copy_text, copy_text, placeholders
from .layout import FIXED, HEAD, columns, has_own_sequence_rules, q, table_of
from .sets import (
    MESSAGES,
    check_simple,
    complex_batches,
    complex_rows,
    create_persons,
    find_complex,
    insert_versions,
    mark_stale,
    read_issues,
    save_issues,
    stale_person_ids_sql,
)
from .tables import analyze, create_tables, drop_tables, load

__all__ = [
    "FIXED",
    "HEAD",
    "MESSAGES",
    "Spool",
    "_from_copy_text",
    "analyze",
    "check_simple",
    "columns",
    "complex_batches",
    "complex_rows",
    "copy_text",
    "create_persons",
    "create_tables",
    "drop_tables",
    "find_complex",
    "has_own_sequence_rules",
    "insert_versions",
    "load",
    "mark_stale",
    "placeholders",
    "q",
    "read_issues",
    "save_issues",
    "stale_person_ids_sql",
    "table_of",
]
