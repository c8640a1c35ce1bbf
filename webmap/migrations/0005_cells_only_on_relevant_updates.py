"""The cell trigger on UPDATE counts only rows whose map-relevant columns changed.

The escalation sweep and the workflow update appeals' version, control level and dates many
thousands at a time; re-adding every such row to the cells cost most of a backlog sweep.
The data version is still bumped (cards show dates and deadlines).
"""

from django.db import migrations

from webmap import cells

_COLS = "building_id, point, category_id, status, created_at"
_CHANGED = (
    "EXISTS (SELECT 1 FROM {other} AS x WHERE x.id = {me}.id AND "
    "(x.building_id, x.point, x.category_id, x.status, x.created_at) IS DISTINCT FROM "
    "({me}.building_id, {me}.point, {me}.category_id, {me}.status, {me}.created_at))"
)

SQL = f"""
CREATE OR REPLACE FUNCTION webmap_appealcell_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {cells.upsert_sql(
        f"SELECT {_COLS}, -1 AS sign FROM old_rows AS o WHERE {_CHANGED.format(other='new_rows', me='o')} "
        f"UNION ALL SELECT {_COLS}, 1 AS sign FROM new_rows AS n WHERE {_CHANGED.format(other='old_rows', me='n')}"
    )}
    PERFORM nextval('webmap_appeals_version');
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("webmap", "0004_level_18_and_pin_index")]

    operations = [migrations.RunSQL(SQL, migrations.RunSQL.noop)]
