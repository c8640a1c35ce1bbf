"""The pre-aggregated appeal cells (webmap_appealcell, kept by the triggers of migration 0001): a full rebuild.

Needed after a re-import moved buildings (the triggers follow appeals, not building points) or to
repair the table; one set-based statement, run in the caller's transaction.
"""

from __future__ import annotations

from django.db import connection

from webmap.clusters import MERCATOR_HALF, STORED_LEVELS

REBUILD_SQL = f"""
TRUNCATE webmap_appealcell;
INSERT INTO webmap_appealcell (level, ix, iy, day, category_id, status, n, sx, sy)
SELECT g.level, floor(d.x / g.size)::int, floor(d.y / g.size)::int, d.day, d.category_id, d.status,
       count(*), sum(d.x), sum(d.y)
FROM (
    SELECT a.category_id, a.status, (a.created_at AT TIME ZONE 'Europe/Kyiv')::date AS day,
           ST_X(p.pos) AS x, ST_Y(p.pos) AS y
    FROM appeals_appeal AS a
    LEFT JOIN layers_building AS b ON b.id = a.building_id
    CROSS JOIN LATERAL (SELECT ST_Transform(coalesce(
        b.point, ST_Transform(ST_SnapToGrid(ST_Transform(a.point, 32637), 100), 4326)), 3857) AS pos) AS p
) AS d
CROSS JOIN LATERAL (SELECT lv AS level, {2 * MERCATOR_HALF!r} / 2 ^ lv AS size
                    FROM unnest(ARRAY{list(STORED_LEVELS)}) AS lv) AS g
GROUP BY 1, 2, 3, 4, 5, 6;
SELECT nextval('webmap_appeals_version');
"""


def rebuild_cells() -> int:
    """Rebuild every cell from appeals_appeal; returns the number of cells."""
    with connection.cursor() as cur:
        cur.execute(REBUILD_SQL)
        cur.execute("SELECT count(*) FROM webmap_appealcell")
        return cur.fetchone()[0]
