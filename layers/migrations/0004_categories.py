"""The standard appeal categories (layers/categories.py), each with its service kinds and deadline."""

from django.db import migrations

from layers.categories import ensure_categories


def forward(apps, schema_editor):
    ensure_categories(apps.get_model("layers", "Category"), apps.get_model("layers", "ServiceKind"))


class Migration(migrations.Migration):
    dependencies = [("layers", "0003_service_kinds")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
