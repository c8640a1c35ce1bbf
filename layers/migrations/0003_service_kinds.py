"""The service kinds every provider, area and category refers to (stable codes used in APIs)."""

from django.db import migrations

from layers.reference import ensure_reference_data


def forward(apps, schema_editor):
    ensure_reference_data(apps.get_model("layers", "ServiceKind"))


class Migration(migrations.Migration):
    dependencies = [("layers", "0002_servicearea_subdivide_trigger")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
