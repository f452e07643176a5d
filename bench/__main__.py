"""`python -m bench [audit_log|ingest|eligibility_api|card|careplan_units ...]`: runs the benchmarks (all by default) on a throw-away test database and prints the figures.

With DATABASE_URL set (PostgreSQL), it runs there, which is where the access-log chains matter.
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

    from bench import audit_log, card, careplan_units, eligibility_api, ingest

    modules = {
        "audit_log": audit_log,
        "ingest": ingest,
        "eligibility_api": eligibility_api,
        "card": card,
        "careplan_units": careplan_units,
    }
    chosen = [modules[name] for name in sys.argv[1:]] or list(modules.values())

    setup_test_environment(debug=False)  # production code paths: no debug cursor logging every query
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"database: {connection.vendor}")
        for module in chosen:
            for line in module.run():
                print(line, flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
