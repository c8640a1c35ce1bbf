"""The pre-aggregated appeal cells the map's clusters read (webmap_appealcell), and the SQL that keeps them.

One row per stored grid level (webmap.clusters.STORED_LEVELS: one per clustered zoom, so a tile
reads at most 4 × 4 cells), grid cell, Kyiv week (Monday) and category, with one count column per
status (STATUS_COLUMNS; a status not listed counts in ``n_other``) and the sums of the public positions
(EPSG:3857) for the cluster centre. A tile at a city zoom over a 13-week window so reads at most
16 cells × 13 weeks × categories rows, whatever the number of appeals.

The public position is appeals.precision's: the building's point, street level for private houses and
small buildings, a pin snapped to a 100 m grid in the metric CRS (never the pin itself).

Statement-level triggers with transition tables (migration 0003) keep the cells in step with
appeals_appeal, whatever writes it: one grouped upsert per statement. A bulk loader may skip them
(``SET LOCAL session_replication_role = replica``) and call rebuild_cells() once at the end.
The triggers follow appeals, not building points: after a re-import that moved buildings, run
``manage.py rebuild_map_cells``.
"""

from __future__ import annotations

from django.db import connection, transaction

from appeals import precision
from webmap.clusters import MERCATOR_HALF, STORED_LEVELS

# The statuses with a column of their own (appeals.models.Status when this was written).
STATUS_COLUMNS = ("registered", "sent", "accepted", "rejected", "in_progress", "resolved", "confirmed", "reopened",
                  "closed", "cancelled", "duplicate")
OTHER = "other"
ALL_COUNTS = STATUS_COLUMNS + (OTHER,)

_WORLD = repr(2 * MERCATOR_HALF)
_LEVELS = f"ARRAY{list(STORED_LEVELS)}"
_WEEK = "date_trunc('week', {t} AT TIME ZONE 'Europe/Kyiv')::date"
# The public position (appeals.precision decides) in EPSG:3857, of an appeal row with building b, street s.
def _pos(pin: str) -> str:
    return f"ST_Transform({precision.position_sql(b='b', street_geom='s.geom', pin=pin)}, 3857)"


_BUILDING_JOINS = ("LEFT JOIN layers_building AS b ON b.id = {row}.building_id "
                   "LEFT JOIN layers_street AS s ON s.id = b.street_id")


def _status_sums(weight: str) -> str:
    """sum(<weight>) per status column, unknown statuses into n_other (names from the constants above)."""
    parts = [f"coalesce(sum({weight}) FILTER (WHERE d.status = '{s}'), 0)" for s in STATUS_COLUMNS]
    known = ", ".join(f"'{s}'" for s in STATUS_COLUMNS)
    parts.append(f"coalesce(sum({weight}) FILTER (WHERE d.status NOT IN ({known})), 0)")
    return ", ".join(parts)


_COUNT_COLUMNS = ", ".join(f"n_{s}" for s in ALL_COUNTS)

TABLE_SQL = f"""
CREATE TABLE webmap_appealcell (
    level smallint NOT NULL,
    ix integer NOT NULL,
    iy integer NOT NULL,
    week date NOT NULL,
    category_id bigint NOT NULL,
    {", ".join(f"n_{s} integer NOT NULL DEFAULT 0" for s in ALL_COUNTS)},
    sx double precision NOT NULL,
    sy double precision NOT NULL,
    PRIMARY KEY (level, ix, iy, week, category_id)
);
"""

# d: one row per appeal (category_id, status, week, sign, x, y); g: the stored levels.
_AGGREGATE = f"""
    SELECT g.level, floor(d.x / g.size)::int, floor(d.y / g.size)::int, d.week, d.category_id,
           {_status_sums("d.sign")}, sum(d.sign * d.x), sum(d.sign * d.y)
    FROM ({{delta}}) AS d
    CROSS JOIN LATERAL (SELECT lv AS level, {_WORLD} / 2 ^ lv AS size FROM unnest({_LEVELS}) AS lv) AS g
    GROUP BY 1, 2, 3, 4, 5
"""


def _delta(rows: str) -> str:
    return f"""
        SELECT r.category_id, r.status, {_WEEK.format(t="r.created_at")} AS week, r.sign, ST_X(p.pos) AS x, ST_Y(p.pos) AS y
        FROM ({rows}) AS r {_BUILDING_JOINS.format(row="r")} CROSS JOIN LATERAL (SELECT {_pos("r.point")} AS pos) AS p
    """


def upsert_sql(rows: str) -> str:
    """Add the signed rows (building_id, point, category_id, status, created_at, sign) to the cells."""
    updates = ", ".join(f"n_{s} = c.n_{s} + EXCLUDED.n_{s}" for s in ALL_COUNTS)
    return f"""
    INSERT INTO webmap_appealcell AS c (level, ix, iy, week, category_id, {_COUNT_COLUMNS}, sx, sy)
    {_AGGREGATE.format(delta=_delta(rows))}
    HAVING sum(d.sign) <> 0 OR count(DISTINCT d.status) > 1
        OR abs(sum(d.sign * d.x)) > 1e-6 OR abs(sum(d.sign * d.y)) > 1e-6
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (level, ix, iy, week, category_id) DO UPDATE SET {updates}, sx = c.sx + EXCLUDED.sx, sy = c.sy + EXCLUDED.sy;
    """


def rebuild_sql() -> str:
    """SQL: empty the cells and fill them again from every appeal (positions by appeals.precision now)."""
    return f"""
SET LOCAL work_mem = '256MB';
TRUNCATE webmap_appealcell;
INSERT INTO webmap_appealcell (level, ix, iy, week, category_id, {_COUNT_COLUMNS}, sx, sy)
{_AGGREGATE.format(delta=f'''
    SELECT a.category_id, a.status, {_WEEK.format(t="a.created_at")} AS week, 1 AS sign, ST_X(p.pos) AS x, ST_Y(p.pos) AS y
    FROM appeals_appeal AS a {_BUILDING_JOINS.format(row="a")}
    CROSS JOIN LATERAL (SELECT {_pos("a.point")} AS pos) AS p
''')};
SELECT nextval('webmap_appeals_version');
"""


REBUILD_SQL = rebuild_sql()  # as the migrations that rebuilt the cells ran it

_COLS = "building_id, point, category_id, status, created_at"
_CHANGED = (
    "EXISTS (SELECT 1 FROM {other} AS x WHERE x.id = {me}.id AND "
    "(x.building_id, x.point, x.category_id, x.status, x.created_at) IS DISTINCT FROM "
    "({me}.building_id, {me}.point, {me}.category_id, {me}.status, {me}.created_at))"
)


def trigger_functions_sql() -> str:
    """SQL: (re)create the three cell trigger functions with the current public precision, and its marker."""
    update_rows = (f"SELECT {_COLS}, -1 AS sign FROM old_rows AS o WHERE {_CHANGED.format(other='new_rows', me='o')} "
                   f"UNION ALL SELECT {_COLS}, 1 AS sign FROM new_rows AS n WHERE {_CHANGED.format(other='old_rows', me='n')}")
    body = {"insert": f"SELECT {_COLS}, 1 AS sign FROM new_rows", "update": update_rows,
            "delete": f"SELECT {_COLS}, -1 AS sign FROM old_rows"}
    functions = "".join(f"""
CREATE OR REPLACE FUNCTION webmap_appealcell_{op}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {upsert_sql(rows)}
    PERFORM nextval('webmap_appeals_version');
    RETURN NULL;
END $$;
""" for op, rows in body.items())
    return functions + precision.marker_sql()


def installed_min_flats() -> int | None:
    """The PUBLIC_EXACT_MIN_FLATS the cell triggers were built with (None before migration 0006)."""
    with connection.cursor() as cur:
        cur.execute("SELECT to_regproc('webmap_public_exact_min_flats') IS NOT NULL")
        if not cur.fetchone()[0]:
            return None
        cur.execute("SELECT webmap_public_exact_min_flats()")
        return cur.fetchone()[0]


def install_public_precision() -> int:
    """Re-create the triggers' functions with the current settings and rebuild every cell (atomic)."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(trigger_functions_sql())
        return rebuild_cells()


def count_expr(prefix: str = "") -> str:
    """SQL: the count of the statuses selected by the boolean parameters %(sel_<status>)s."""
    return " + ".join(f"(CASE WHEN %(sel_{s})s THEN {prefix}n_{s} ELSE 0 END)" for s in ALL_COUNTS)


def status_json_expr(prefix: str = "") -> str:
    """SQL: a JSON object of the selected, non-zero status counts."""
    pairs = ", ".join(f"'{s}', nullif(CASE WHEN %(sel_{s})s THEN {prefix}n_{s} ELSE 0 END, 0)" for s in ALL_COUNTS)
    return f"json_strip_nulls(json_build_object({pairs}))"


def status_params(statuses: tuple[str, ...]) -> dict[str, bool]:
    """The %(sel_<status>)s parameters: every status when none are chosen."""
    chosen = set(statuses)
    return {f"sel_{s}": (not chosen) or s in chosen or (s == OTHER and bool(chosen - set(STATUS_COLUMNS)))
            for s in ALL_COUNTS}


def rebuild_cells() -> int:
    """Rebuild every cell from appeals_appeal (run inside a transaction); returns the number of cells."""
    with connection.cursor() as cur:
        cur.execute(rebuild_sql())
        cur.execute("SELECT count(*) FROM webmap_appealcell")
        return cur.fetchone()[0]
