"""Clusters up to zoom 16 (stored level 18 added to the cell triggers), and a partial GiST index for the
appeals with no building (street-level categories), which the street-zoom tiles look up by their pin.
"""

from django.db import migrations

from webmap import cells

_COLS = "building_id, point, category_id, status, created_at"

SQL = f"""
CREATE OR REPLACE FUNCTION webmap_appealcell_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {cells.upsert_sql(f"SELECT {_COLS}, 1 AS sign FROM new_rows")}
    PERFORM nextval('webmap_appeals_version');
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION webmap_appealcell_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {cells.upsert_sql(f"SELECT {_COLS}, -1 AS sign FROM old_rows UNION ALL SELECT {_COLS}, 1 AS sign FROM new_rows")}
    PERFORM nextval('webmap_appeals_version');
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION webmap_appealcell_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {cells.upsert_sql(f"SELECT {_COLS}, -1 AS sign FROM old_rows")}
    PERFORM nextval('webmap_appeals_version');
    RETURN NULL;
END $$;

CREATE INDEX IF NOT EXISTS webmap_appeal_pin_no_building ON appeals_appeal USING gist (point) WHERE building_id IS NULL;
{cells.REBUILD_SQL}
"""


class Migration(migrations.Migration):
    dependencies = [("webmap", "0003_weekly_cells_status_columns")]

    operations = [migrations.RunSQL(SQL, migrations.RunSQL.noop)]
