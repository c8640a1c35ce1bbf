"""Public precision (appeals.precision) in the cells: private houses and small buildings at street level.

Re-creates the cell trigger functions with the positions of appeals.precision (and the threshold marker
webmap_public_exact_min_flats()), then rebuilds every cell so no cluster centre keeps a house's point.
"""

from django.db import migrations

from webmap import cells


def forward(apps, schema_editor):
    with schema_editor.connection.cursor() as cur:
        cur.execute(cells.trigger_functions_sql())
        cur.execute(cells.rebuild_sql())


class Migration(migrations.Migration):
    dependencies = [("webmap", "0005_cells_only_on_relevant_updates"), ("layers", "0006_building_fewer_indexes")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
