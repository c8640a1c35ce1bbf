"""Read-side queries of the maps (plain functions, keyword-only arguments, parameterised SQL).

Public output carries no personal data (appeals.models.PERSONAL_FIELDS, nor address_text or
description, which may hold them): only number, category, status, dates and the building's
address and point. Appeals with no building are placed on a 100 m grid, never on their pin.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from appeals import precision
from appeals.models import OPEN_STATUSES, Status
from gis.replica import read_connection
from webmap import cells
from webmap import clusters as cl

# Appeals older than this many days fade out of the public map (settings.PUBLIC_MAP_WINDOW_DAYS).
DEFAULT_PUBLIC_WINDOW_DAYS = 90
RESOLVED_STATUSES = (Status.RESOLVED, Status.CONFIRMED, Status.CLOSED)


def public_window_days() -> int:
    return int(getattr(settings, "PUBLIC_MAP_WINDOW_DAYS", DEFAULT_PUBLIC_WINDOW_DAYS))


@dataclass(frozen=True)
class AppealFilter:
    """What the map asks for: a period in Kyiv days and optional category codes / statuses.

    ``category_ids`` is already restricted to what the caller may see (public categories for the public).
    ``provider_id`` / ``provider_kinds`` limit to appeals routed to that provider / to providers of those
    kinds (the internal layer applies appeals.roles.AppealScope, the one scoping rule, through them).
    """

    since: dt.date
    until: dt.date
    category_ids: tuple[int, ...]
    statuses: tuple[str, ...] = ()
    provider_id: int | None = None
    public: bool = True
    provider_kinds: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, compare=False)

    def cache_key(self) -> str:
        return (f"{self.since:%Y%m%d}-{self.until:%Y%m%d}-{','.join(map(str, self.category_ids))}-"
                f"{','.join(self.statuses)}-{self.provider_id or ''}-{','.join(self.provider_kinds)}-{int(self.public)}")

    @property
    def scoped(self) -> bool:
        """Limited to some providers' appeals: the cells (which hold no routes) cannot answer it."""
        return self.provider_id is not None or bool(self.provider_kinds)


def today() -> dt.date:
    return timezone.localdate()


def public_categories() -> list[dict]:
    """Categories shown on the public map: id, code, name."""
    with read_connection().cursor() as cur:
        cur.execute("SELECT id, code, name_uk FROM layers_category WHERE is_public ORDER BY sort_order, name_uk")
        return [{"id": i, "code": c, "name": n} for i, c, n in cur.fetchall()]


def category_ids(*, codes: list[str] | None, public_only: bool) -> tuple[int, ...]:
    """Ids of the categories with these codes (all when none given) that the caller may see."""
    sql = "SELECT id FROM layers_category WHERE (%s OR is_public) AND (%s OR code = ANY(%s)) ORDER BY id"
    with read_connection().cursor() as cur:
        cur.execute(sql, [not public_only, not codes, list(codes or [])])
        return tuple(r[0] for r in cur.fetchall())


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week (the cells count appeals by Kyiv week)."""
    return day - dt.timedelta(days=day.weekday())


def public_filter(*, days: int | None = None, category_codes: list[str] | None = None,
                  statuses: list[str] | None = None) -> AppealFilter:
    """The public layer's filter: public categories only, at most the public window back from today.

    The period starts on the Monday of the week ``days`` days ago (at least the last ``days`` days,
    at most six more), because the map counts appeals by week.
    """
    window = public_window_days()
    days = window if days is None else max(1, min(int(days), window))
    until = today()
    valid = {s.value for s in Status}
    return AppealFilter(
        since=week_start(until - dt.timedelta(days=days - 1)), until=until,
        category_ids=category_ids(codes=category_codes, public_only=True),
        statuses=tuple(sorted(s for s in (statuses or []) if s in valid)),
    )


# --- clusters (city zooms) ---------------------------------------------------------------------

# Sums the cells of the stored level inside the box, folded into the display grid; counts only the
# selected statuses (cells.count_expr) and keeps the cluster centre of every appeal in the cell.
_CLUSTER_SQL = f"""
WITH cells AS (
    SELECT c.ix >> %(shift)s AS cx, c.iy >> %(shift)s AS cy,
           {", ".join(f"sum(n_{s}) AS n_{s}" for s in cells.ALL_COUNTS)},
           sum(sx) AS sx, sum(sy) AS sy, sum({" + ".join(f"n_{s}" for s in cells.ALL_COUNTS)}) AS n_all,
           max(week) AS last_week
    -- one index range per grid column: the b-tree on (level, ix, iy, ...) would otherwise read whole columns
    FROM generate_series(%(ix0)s::int, %(ix1)s::int) AS gx(ix)
    CROSS JOIN LATERAL (
        SELECT * FROM webmap_appealcell AS c0
        WHERE c0.level = %(level)s AND c0.ix = gx.ix AND c0.iy BETWEEN %(iy0)s AND %(iy1)s
          AND c0.week BETWEEN %(since)s AND %(until)s AND c0.category_id = ANY(%(cats)s)
    ) AS c
    GROUP BY 1, 2
)
SELECT cx, cy, ({cells.count_expr()})::int AS count, sx / n_all AS x, sy / n_all AS y,
       {cells.status_json_expr()}::text AS statuses, last_week
FROM cells
WHERE n_all > 0 AND ({cells.count_expr()}) > 0
ORDER BY cx, cy
"""


def _cluster_params(f: AppealFilter, *, zoom: int, xmin: float, ymin: float, xmax: float, ymax: float) -> dict:
    display = cl.grid_level_for_zoom(zoom)
    stored = cl.stored_level_for(display)
    size = cl.cell_size(stored)
    return {
        "shift": stored - display, "level": stored,
        "ix0": int(xmin // size), "ix1": int(-(-xmax // size)) - 1, "iy0": int(ymin // size), "iy1": int(-(-ymax // size)) - 1,
        "since": f.since, "until": f.until, "cats": list(f.category_ids),
        **cells.status_params(f.statuses),
    }


def clusters(f: AppealFilter, *, zoom: int, xmin: float, ymin: float, xmax: float, ymax: float) -> list[dict]:
    """Clusters of the display grid of ``zoom`` in an EPSG:3857 box: x, y (3857), count, by_status, last_week.

    Internal filters by provider cannot use the cells (they hold no routes), so they are not allowed here.
    """
    if f.scoped:
        raise ValueError("clusters by provider are computed from appeals, not cells")
    rows = _fetch_serial(_CLUSTER_SQL, _cluster_params(f, zoom=zoom, xmin=xmin, ymin=ymin, xmax=xmax, ymax=ymax),
                         many=True)
    return [{"cell": (cx, cy), "x": x, "y": y, "count": n, "by_status": json.loads(bs), "last_week": last}
            for cx, cy, n, x, y, bs, last in rows]


# --- individual appeals (street zooms) ---------------------------------------------------------

def candidates_sql(envelope: str, *, public: bool = True) -> str:
    """Appeals of the period near ``envelope`` (an SQL expression of a 4326 box, made of parameters) with
    their position ``pos``: at buildings inside it (buildings' GiST index, then appeals by building and
    date), and with no building whose pin lies near it (a partial GiST index).

    ``public``: positions by appeals.precision (street level for private houses and small buildings,
    looked up in a box widened by the largest shift that can bring them inside); else the building's
    point. Pins are always on the 100 m grid. Columns: id, number, status, category_id, created_at,
    deadline, resolved_at, pos. Callers keep the rows whose ``pos`` falls in their box.
    """
    cols = "a2.id, a2.number, a2.status, a2.category_id, a2.created_at, a2.deadline, a2.resolved_at"
    period = "a2.created_at >= %(t0)s AND a2.created_at < %(t1)s"
    exact = f" AND {precision.exact_sql('b2')}" if public else ""
    branches = [f"""
        SELECT {cols}, b2.point AS pos
        FROM layers_building AS b2 JOIN appeals_appeal AS a2 ON a2.building_id = b2.id
        WHERE b2.point && {envelope}{exact} AND {period}"""]
    if public:
        branches.append(f"""
        SELECT {cols}, {precision.street_position_sql(point="b2.point", street_geom="s2.geom")} AS pos
        FROM layers_building AS b2 JOIN appeals_appeal AS a2 ON a2.building_id = b2.id
        LEFT JOIN layers_street AS s2 ON s2.id = b2.street_id
        WHERE b2.point && ST_Expand({envelope}, {precision.STREET_LEVEL_MARGIN_DEG}) AND NOT {precision.exact_sql('b2')}
          AND {period}""")
    branches.append(f"""
        SELECT {cols.replace('a2.', 'a3.')}, {precision.pin_position_sql("a3.point")} AS pos
        FROM appeals_appeal AS a3
        WHERE a3.building_id IS NULL AND a3.point && ST_Expand({envelope}, 0.002)
          AND a3.created_at >= %(t0)s AND a3.created_at < %(t1)s""")
    return "\n        UNION ALL".join(branches)


# Filters every candidate the same way for tiles and GeoJSON (public: categories already restricted).
CANDIDATE_FILTER = """
    a.category_id = ANY(%(cats)s) AND (%(any_status)s OR a.status = ANY(%(statuses)s))
    AND (%(no_provider)s OR EXISTS (SELECT 1 FROM appeals_appealroute AS r
                                    WHERE r.appeal_id = a.id AND r.provider_id = %(provider)s))
    AND (%(no_kinds)s OR EXISTS (SELECT 1 FROM appeals_appealroute AS r JOIN layers_provider AS p ON p.id = r.provider_id
                                 WHERE r.appeal_id = a.id AND p.kind = ANY(%(kinds)s)))
"""

_BOX = "ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)"
# Compact on purpose (thousands of features per viewport): the card (/api/v1/public/appeals/<number>)
# carries the rest. Coordinates are built directly, not through ST_AsGeoJSON, which costs more per row.
@lru_cache(maxsize=4)
def _appeals_geojson_sql(min_flats: int) -> str:  # built per threshold (appeals.precision reads the setting)
    return f"""
SELECT count(*), coalesce(json_agg(json_build_object(
    'type', 'Feature',
    'geometry', json_build_object('type', 'Point', 'coordinates',
                                  json_build_array(round(ST_X(q.pos)::numeric, 6), round(ST_Y(q.pos)::numeric, 6))),
    'properties', json_build_object(
        'cluster', false, 'number', q.number, 'status', q.status, 'category', c.code,
        'created', to_char(q.created_at AT TIME ZONE 'Europe/Kyiv', 'YYYY-MM-DD'),
        'age', round(least(greatest(extract(epoch FROM now() - q.created_at) / 86400.0 / %(window)s, 0), 1)::numeric, 2),
        'open', q.status = ANY(%(open)s)))
    ORDER BY q.created_at DESC), '[]'::json)::text
FROM (
    SELECT a.* FROM ({candidates_sql(_BOX)}) AS a
    WHERE {CANDIDATE_FILTER} AND a.pos && {_BOX}
    ORDER BY a.created_at DESC
    LIMIT %(limit)s
) AS q
JOIN layers_category AS c ON c.id = q.category_id
"""


_SERIAL = "SET LOCAL max_parallel_workers_per_gather = 0;\n"


def _fetch_serial(sql: str, params: dict, *, many: bool):
    """Run a small indexed query without parallel workers: starting them costs more than these queries take.

    One round trip: the SET LOCAL and the query go in one message (client-side binding), which PostgreSQL
    runs as one implicit transaction, so the setting ends with it. BEGIN, SET and COMMIT as statements of
    their own were four round trips, more than the query itself on a busy machine. Inside a transaction
    block (atomic) the setting lasts until that block ends, as SET LOCAL did before.
    """
    with read_connection().cursor() as cur:
        cur.execute(_SERIAL + sql, params)
        cur.nextset()  # past the SET
        return cur.fetchall() if many else cur.fetchone()


def fetch_one_serial(sql: str, params: dict) -> tuple:
    return _fetch_serial(sql, params, many=False)


def _day_bounds(f: AppealFilter) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    t0 = dt.datetime.combine(f.since, dt.time.min, tzinfo=tz)
    t1 = dt.datetime.combine(f.until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return t0, t1


def candidate_params(f: AppealFilter) -> dict:
    t0, t1 = _day_bounds(f)
    return {"t0": t0, "t1": t1, "cats": list(f.category_ids), "any_status": not f.statuses,
            "statuses": list(f.statuses), "no_provider": f.provider_id is None, "provider": f.provider_id,
            "no_kinds": not f.provider_kinds, "kinds": list(f.provider_kinds),
            "window": public_window_days()}


def appeals_geojson(f: AppealFilter, *, west: float, south: float, east: float, north: float,
                    limit: int = cl.MAX_FEATURES) -> tuple[int, str]:
    """Appeals one by one in a lon/lat box, newest first, at most ``limit``: (count, JSON array of Features).

    Public fields only: number, status, category, the day filed, the position at building precision,
    and ``age`` in [0, 1] (0 = today, 1 = the edge of the public window) for fading.
    Built in PostGIS as text: thousands of features without a Python object each.
    """
    params = {**candidate_params(f), "w": west, "s": south, "e": east, "n": north,
              "limit": min(limit, cl.MAX_FEATURES), "open": [s.value for s in OPEN_STATUSES]}
    count, features = fetch_one_serial(_appeals_geojson_sql(precision.min_flats()), params)
    return count, features


@lru_cache(maxsize=4)
def _card_sql(min_flats: int) -> str:
    return f"""
SELECT a.number, a.status, c.code, c.name_uk, a.created_at, a.deadline, a.resolved_at,
       {precision.address_sql(b="b", s="s")} AS address
FROM appeals_appeal AS a
JOIN layers_category AS c ON c.id = a.category_id AND c.is_public
LEFT JOIN layers_building AS b ON b.id = a.building_id
LEFT JOIN layers_street AS s ON s.id = b.street_id
WHERE a.number = %(number)s AND a.created_at >= %(t0)s AND a.created_at < %(t1)s
"""


def public_card(*, number: str) -> dict | None:
    """The public card of an appeal the public map shows (a public category, filed within the public
    window): what a resident may see, at appeals.precision's precision; else None. Older numbers are not
    answered, so sequential numbers cannot walk the archive."""
    t0, t1 = _day_bounds(public_filter())
    with read_connection().cursor() as cur:
        cur.execute(_card_sql(precision.min_flats()), {"number": number, "t0": t0, "t1": t1})
        row = cur.fetchone()
    if row is None:
        return None
    number, status, code, cat_name, created, deadline, resolved, address = row
    return {
        "number": number, "status": status, "status_label": str(Status(status).label),
        "category": code, "category_name": cat_name,
        "created": timezone.localtime(created).date().isoformat(),
        "deadline": timezone.localtime(deadline).date().isoformat() if deadline else None,
        "resolved": timezone.localtime(resolved).date().isoformat() if resolved else None,
        "address": address,
    }


# --- data versions (cache keys) ----------------------------------------------------------------

def data_versions() -> tuple[str, str]:
    """(appeals, registry) data versions for cache keys, read from the server the data is read from.

    On the primary: sequences every write statement advances (migration 0001). A standby sees a sequence
    move only every 32 values (PostgreSQL logs them ahead), so there the version is the WAL position it has
    replayed: exact, though any write moves it, not only these.
    """
    with read_connection().cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0')::bigint, "
                    "(SELECT last_value FROM webmap_appeals_version), (SELECT last_value FROM webmap_registry_version)")
        standby, lsn, appeals, registry = cur.fetchone()
    if standby:
        return f"w{lsn}", f"w{lsn}"
    return f"s{appeals}", f"s{registry}"
