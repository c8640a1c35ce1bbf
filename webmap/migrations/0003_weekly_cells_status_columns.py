"""Cells by week with one count column per status, one stored level per clustered zoom (see webmap.cells).

The daily cells of 0001 made a city tile read up to ~100,000 rows at a million appeals; these read at
most 16 cells × weeks × categories. Also an index for the street-zoom tiles: appeals of a building in
a period.
"""

from django.db import migrations

from webmap import cells

_COLS = "building_id, point, category_id, status, created_at"

SQL = f"""
DROP TRIGGER IF EXISTS webmap_appealcell_insert ON appeals_appeal;
DROP TRIGGER IF EXISTS webmap_appealcell_update ON appeals_appeal;
DROP TRIGGER IF EXISTS webmap_appealcell_delete ON appeals_appeal;
DROP TABLE webmap_appealcell;
{cells.TABLE_SQL}

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

CREATE TRIGGER webmap_appealcell_insert AFTER INSERT ON appeals_appeal
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webmap_appealcell_insert();
CREATE TRIGGER webmap_appealcell_update AFTER UPDATE ON appeals_appeal
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webmap_appealcell_update();
CREATE TRIGGER webmap_appealcell_delete AFTER DELETE ON appeals_appeal
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION webmap_appealcell_delete();

CREATE INDEX IF NOT EXISTS webmap_appeal_building_created ON appeals_appeal (building_id, created_at);
{cells.REBUILD_SQL}
"""


class Migration(migrations.Migration):
    dependencies = [("webmap", "0002_backfill_cells")]

    operations = [migrations.RunSQL(SQL, migrations.RunSQL.noop)]
