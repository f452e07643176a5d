"""`python -m bench [audit_log|ingest|eligibility_api|person_search|card|careplan_units|office_master|access_history|load ...]`: runs the benchmarks (all by default) on a throw-away test database and prints the figures.

With DATABASE_URL set (PostgreSQL), it runs there, which is where the access-log chains matter. Each
benchmark starts from the freshly migrated database: afterwards every table is emptied and the migrations'
data (the master tables) loaded again, so that no benchmark meets the persons, offices or keys another left.
"""

from __future__ import annotations

import os
import sys

import django


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo_portal.settings")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from bench import (
        access_history,
        audit_log,
        card,
        careplan_units,
        eligibility_api,
        ingest,
        load,
        office_master,
        person_search,
    )

    modules = {
        "audit_log": audit_log,
        "ingest": ingest,
        "eligibility_api": eligibility_api,
        "person_search": person_search,
        "card": card,
        "careplan_units": careplan_units,
        "office_master": office_master,
        "access_history": access_history,
        "load": load,
    }
    chosen = [modules[name] for name in sys.argv[1:]] or list(modules.values())

    setup_test_environment(debug=False)  # production code paths: no debug cursor logging every query
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    migrated = connection.creation.serialize_db_to_string()
    try:
        print(f"database: {connection.vendor}")
        for index, module in enumerate(chosen):
            if index:
                _as_migrated(migrated)
            for line in module.run():
                print(line, flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


def _as_migrated(migrated: str) -> None:
    """Empties every table (TRUNCATE on PostgreSQL: the access log's append-only trigger is for rows, and a
    throw-away database's log is no record) and loads the migrations' data again."""
    from django.core.management import call_command
    from django.db import connection

    connection.close()  # a benchmark may leave its connection mid-way (a forked child, a server's)
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    connection.creation.deserialize_db_from_string(migrated)


if __name__ == "__main__":
    sys.exit(main())
