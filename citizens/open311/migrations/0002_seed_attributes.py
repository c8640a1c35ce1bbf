"""The extra questions of the standard categories (citizens/open311/attributes.py); editable in the admin."""

from django.db import migrations


def seed(apps, schema_editor):
    from citizens.open311.attributes import ensure_attributes

    ensure_attributes(apps.get_model("open311", "ServiceAttribute"), apps.get_model("layers", "Category"))


class Migration(migrations.Migration):
    dependencies = [
        ("open311", "0001_initial"),
        ("layers", "0004_categories"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
