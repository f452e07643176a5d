"""On PostgreSQL, the access log becomes a table partitioned by month (kaigo_portal/audit/partitions.py).

The rows are copied in this migration's transaction. The model's state does not change: Django reads and
writes the parent table as before. SQLite keeps one table. Going back leaves the partitioned table as it
is: it holds the same rows under the same names.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from kaigo_portal.audit.partitions import convert

        convert(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_alter_accesslogentry_channel")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
