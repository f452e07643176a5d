"""One live run of a piece of work at a time, across processes and machines, that ends with its process.

`held(name, key)` takes a PostgreSQL session-level advisory lock on (name, key) for as long as the block
runs. A second process asking for the same lock waits until the first one's block ends, or until the first
one's process dies: PostgreSQL lets go of a session's locks when its connection closes, which a killed
process's does. So a task that is delivered again (its worker was killed, or the broker thought so) waits
for the run that may still be alive, and then sees for itself whether that run finished.

On SQLite (the demo, one worker) there is nothing to wait for, and the block runs at once.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def _class_id(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF  # advisory locks take two int4 keys


@contextmanager
def held(name: str, key: int) -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    ident = (_class_id(name), int(key) & 0x7FFFFFFF)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", ident)
    try:
        yield
    finally:
        if connection.connection is not None and connection.is_usable():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", ident)
