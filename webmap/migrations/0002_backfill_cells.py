"""Fill webmap_appealcell from the appeals already there when 0001 was applied (the triggers see only new writes).

The same SQL is webmap.cells.REBUILD_SQL (`manage.py rebuild_map_cells`).
"""

from django.db import migrations

from webmap.cells import REBUILD_SQL


class Migration(migrations.Migration):
    dependencies = [("webmap", "0001_appeal_cells")]

    operations = [migrations.RunSQL(REBUILD_SQL, migrations.RunSQL.noop)]
