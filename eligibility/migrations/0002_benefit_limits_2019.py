"""区分支給限度基準額 in force since 2019-10-01 (domain.md §2.2), as master data."""

import datetime

from django.db import migrations

UNITS_2019_10 = {"12": 5032, "13": 10531, "21": 16765, "22": 19705, "23": 27048, "24": 30938, "25": 36217}


def load(apps, schema_editor):
    BenefitLimit = apps.get_model("eligibility", "BenefitLimit")
    for level, units in UNITS_2019_10.items():
        BenefitLimit.objects.update_or_create(
            care_level=level, effective_from=datetime.date(2019, 10, 1), defaults={"units": units}
        )


def unload(apps, schema_editor):
    apps.get_model("eligibility", "BenefitLimit").objects.filter(
        effective_from=datetime.date(2019, 10, 1)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("eligibility", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
