"""Pre-aggregated appeal counts for the map, kept by the database itself, and data versions for tile caches.

webmap_appealcell holds, per stored grid level (webmap.clusters.STORED_LEVELS), grid cell, Kyiv day,
category and status: the number of appeals and the sums of their public positions (EPSG:3857),
so a cluster tile at a city zoom reads a few hundred rows instead of a million appeals.

The public position is the building's point; an appeal with no building is snapped to a 100 m grid
in the metric CRS (never the pin itself: building precision at most).

Statement-level triggers with transition tables keep the cells in step with appeals_appeal, whatever
writes it (bulk generators, the ORM, SQL): one grouped upsert per statement, not one per row.
Rows whose count falls to zero stay (queries sum them away); TRUNCATE of appeals empties the cells.

Two sequences are the data versions the tile caches key on (webmap.cache): every write statement to
appeals or to the registry layers takes a new value, so a cached tile of older data is never served again.
Changing a building's point does not move its old cells (the registry changes rarely; run
`manage.py rebuild_map_cells` after a re-import that moves buildings).
"""

from django.db import migrations

LEVELS = "ARRAY[10, 12, 14, 15, 16, 17]"  # webmap.clusters.STORED_LEVELS
WORLD = "40075016.685578488"  # EPSG:3857 world width, 2 * MERCATOR_HALF

# The rows of a transition table with their public position in EPSG:3857 and a sign (+1 new, -1 old).
_DELTA = """
    SELECT r.category_id, r.status, (r.created_at AT TIME ZONE 'Europe/Kyiv')::date AS day, r.sign,
           ST_X(p.pos) AS x, ST_Y(p.pos) AS y
    FROM ({rows}) AS r
    CROSS JOIN LATERAL (
        SELECT ST_Transform(coalesce(
            (SELECT b.point FROM layers_building AS b WHERE b.id = r.building_id),
            ST_Transform(ST_SnapToGrid(ST_Transform(r.point, 32637), 100), 4326)), 3857) AS pos
    ) AS p
"""

_UPSERT = """
    INSERT INTO webmap_appealcell AS c (level, ix, iy, day, category_id, status, n, sx, sy)
    SELECT g.level, floor(d.x / g.size)::int, floor(d.y / g.size)::int, d.day, d.category_id, d.status,
           sum(d.sign), sum(d.sign * d.x), sum(d.sign * d.y)
    FROM ({delta}) AS d
    CROSS JOIN LATERAL (SELECT lv AS level, {world} / 2 ^ lv AS size FROM unnest({levels}) AS lv) AS g
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(d.sign) <> 0 OR abs(sum(d.sign * d.x)) > 1e-6 OR abs(sum(d.sign * d.y)) > 1e-6
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (level, ix, iy, day, category_id, status)
    DO UPDATE SET n = c.n + EXCLUDED.n, sx = c.sx + EXCLUDED.sx, sy = c.sy + EXCLUDED.sy;
"""


def _upsert(rows: str) -> str:
    return _UPSERT.format(delta=_DELTA.format(rows=rows), world=WORLD, levels=LEVELS)


_COLS = "building_id, point, category_id, status, created_at"

SQL = f"""
CREATE TABLE webmap_appealcell (
    level smallint NOT NULL,
    ix integer NOT NULL,
    iy integer NOT NULL,
    day date NOT NULL,
    category_id bigint NOT NULL,
    status varchar(16) NOT NULL,
    n integer NOT NULL,
    sx double precision NOT NULL,
    sy double precision NOT NULL,
    PRIMARY KEY (level, ix, iy, day, category_id, status)
);
CREATE INDEX webmap_appealcell_level_day ON webmap_appealcell (level, day);

CREATE SEQUENCE webmap_appeals_version;
CREATE SEQUENCE webmap_registry_version;

CREATE FUNCTION webmap_appealcell_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_upsert(f"SELECT {_COLS}, 1 AS sign FROM new_rows")}
    PERFORM nextval('webmap_appeals_version');
    RETURN NULL;
END $$;

CREATE FUNCTION webmap_appealcell_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_upsert(f"SELECT {_COLS}, -1 AS sign FROM old_rows UNION ALL SELECT {_COLS}, 1 AS sign FROM new_rows")}
    PERFORM nextval('webmap_appeals_version');
    RETURN NULL;
END $$;

CREATE FUNCTION webmap_appealcell_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_upsert(f"SELECT {_COLS}, -1 AS sign FROM old_rows")}
    PERFORM nextval('webmap_appeals_version');
    RETURN NULL;
END $$;

CREATE FUNCTION webmap_appealcell_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE webmap_appealcell;
    PERFORM nextval('webmap_appeals_version');
    RETURN NULL;
END $$;

CREATE FUNCTION webmap_registry_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('webmap_registry_version');
    RETURN NULL;
END $$;

CREATE TRIGGER webmap_appealcell_insert AFTER INSERT ON appeals_appeal
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webmap_appealcell_insert();
CREATE TRIGGER webmap_appealcell_update AFTER UPDATE ON appeals_appeal
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webmap_appealcell_update();
CREATE TRIGGER webmap_appealcell_delete AFTER DELETE ON appeals_appeal
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION webmap_appealcell_delete();
CREATE TRIGGER webmap_appealcell_truncate AFTER TRUNCATE ON appeals_appeal
    FOR EACH STATEMENT EXECUTE FUNCTION webmap_appealcell_truncate();
"""

REGISTRY_TABLES = ("layers_boundary", "layers_neighbourhood", "layers_street", "layers_building", "layers_provider",
                   "layers_servicearea", "layers_servicearea_service_kinds", "layers_category")
SQL += "\n".join(
    f"CREATE TRIGGER webmap_registry_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION webmap_registry_bump();"
    for t in REGISTRY_TABLES
)

REVERSE = "\n".join(f"DROP TRIGGER IF EXISTS webmap_registry_bump ON {t};" for t in REGISTRY_TABLES) + """
DROP TRIGGER IF EXISTS webmap_appealcell_insert ON appeals_appeal;
DROP TRIGGER IF EXISTS webmap_appealcell_update ON appeals_appeal;
DROP TRIGGER IF EXISTS webmap_appealcell_delete ON appeals_appeal;
DROP TRIGGER IF EXISTS webmap_appealcell_truncate ON appeals_appeal;
DROP FUNCTION IF EXISTS webmap_appealcell_insert();
DROP FUNCTION IF EXISTS webmap_appealcell_update();
DROP FUNCTION IF EXISTS webmap_appealcell_delete();
DROP FUNCTION IF EXISTS webmap_appealcell_truncate();
DROP FUNCTION IF EXISTS webmap_registry_bump();
DROP SEQUENCE IF EXISTS webmap_appeals_version;
DROP SEQUENCE IF EXISTS webmap_registry_version;
DROP TABLE IF EXISTS webmap_appealcell;
"""


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial"), ("layers", "0004_categories")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
