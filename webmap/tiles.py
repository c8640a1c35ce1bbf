"""Mapbox vector tiles straight from PostGIS (ST_AsMVT), cached per data version.

Layers (each tile holds one MVT layer named like the URL's layer):

- ``appeals``: the public appeals layer. Up to zoom clusters.CLUSTER_MAX_ZOOM a tile holds clusters
  from the pre-aggregated cells (count, open, resolved, statuses as JSON); above it appeals one by one
  (number, status, category, created, age) at building precision, at most clusters.MAX_FEATURES.
- ``buildings`` (from zoom 14; the basemap's footprints), ``streets``, ``neighbourhoods``, ``boundary``,
  ``service_areas`` (provider, colour, service kinds).

Registry geometries are selected with their own 4326 GiST index (``geom && envelope``), then projected.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache

from django.core.cache import cache

from appeals import precision
from gis.replica import read_connection
from webmap import cells, selectors
from webmap import clusters as cl
from webmap.selectors import AppealFilter

OPEN_COLUMNS = ("registered", "sent", "accepted", "rejected", "in_progress", "reopened")
RESOLVED_COLUMNS = ("resolved", "confirmed", "closed")
EXTENT = 4096
BUFFER = 64
BUILDINGS_MIN_ZOOM = 14
# How long a cached tile may live even with no data change (the version sequences are taken before
# a writing transaction commits, so a tile read in between could hold the old data for this long).
CACHE_SECONDS = 120

_ENVELOPE = "ST_TileEnvelope(%(z)s, %(x)s, %(y)s)"
_ENVELOPE_4326 = f"ST_Transform({_ENVELOPE}, 4326)"


def _mvt_geom(expr: str) -> str:
    return f"ST_AsMVTGeom(ST_Transform({expr}, 3857), {_ENVELOPE}, {EXTENT}, {BUFFER}, true)"


# Pixel tolerance of simplification at zoom z, in degrees (about a quarter of a tile pixel).
_SIMPLIFY = "(360.0 / (2 ^ %(z)s) / 4096)"

REGISTRY_SQL = {
    "boundary": f"""
        SELECT {_mvt_geom(f"ST_Simplify(geom, {_SIMPLIFY})")} AS geom, id, name_uk AS name
        FROM layers_boundary WHERE geom && {_ENVELOPE_4326}""",
    "neighbourhoods": f"""
        SELECT {_mvt_geom(f"ST_Simplify(geom, {_SIMPLIFY})")} AS geom, id, name_uk AS name, kind
        FROM layers_neighbourhood WHERE geom && {_ENVELOPE_4326}""",
    "streets": f"""
        SELECT {_mvt_geom(f"ST_Simplify(geom, {_SIMPLIFY})")} AS geom, id, name, street_type
        FROM layers_street WHERE geom && {_ENVELOPE_4326}""",
    "buildings": f"""
        SELECT {_mvt_geom("geom")} AS geom, b.id, b.housenumber, b.kind, b.floors
        FROM layers_building AS b WHERE %(z)s >= {BUILDINGS_MIN_ZOOM} AND b.geom && {_ENVELOPE_4326}
        LIMIT {cl.MAX_FEATURES}""",
    "service_areas": f"""
        SELECT {_mvt_geom(f"ST_Simplify(a.geom, {_SIMPLIFY})")} AS geom, a.id, a.name, p.id AS provider_id,
               coalesce(nullif(p.short_name, ''), p.name) AS provider, p.kind AS provider_kind,
               '#' || substr(md5(p.id::text), 1, 6) AS colour,
               (SELECT string_agg(k.servicekind_id, ',' ORDER BY k.servicekind_id)
                FROM layers_servicearea_service_kinds AS k WHERE k.servicearea_id = a.id) AS service_kinds
        FROM layers_servicearea AS a JOIN layers_provider AS p ON p.id = a.provider_id
        WHERE a.geom && {_ENVELOPE_4326} AND (a.valid_to IS NULL OR a.valid_to >= CURRENT_DATE)""",
}

REGISTRY_LAYERS = tuple(REGISTRY_SQL)
APPEAL_LAYERS = ("appeals",)
LAYERS = APPEAL_LAYERS + REGISTRY_LAYERS


def _wrap(layer: str, inner: str) -> str:
    return f"SELECT ST_AsMVT(q, %(layer)s, {EXTENT}, 'geom') FROM ({inner}) AS q WHERE q.geom IS NOT NULL"


_CLUSTER_TILE_SQL = f"""
SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(q.x, q.y), 3857), {_ENVELOPE}, {EXTENT}, {BUFFER}, true) AS geom,
       q.count, q.open, q.resolved, q.statuses, q.last_week::text AS last_week, 1 AS cluster
FROM (
    WITH cells AS (
        SELECT ix >> %(shift)s AS cx, iy >> %(shift)s AS cy,
               {", ".join(f"sum(n_{s}) AS n_{s}" for s in cells.ALL_COUNTS)},
               sum(sx) AS sx, sum(sy) AS sy, sum({" + ".join(f"n_{s}" for s in cells.ALL_COUNTS)}) AS n_all,
               max(week) AS last_week
        FROM webmap_appealcell
        WHERE level = %(level)s AND ix BETWEEN %(ix0)s AND %(ix1)s AND iy BETWEEN %(iy0)s AND %(iy1)s
          AND week BETWEEN %(since)s AND %(until)s AND category_id = ANY(%(cats)s)
        GROUP BY 1, 2
    )
    SELECT ({cells.count_expr()})::int AS count, sx / n_all AS x, sy / n_all AS y,
           ({" + ".join(f"(CASE WHEN %(sel_{s})s THEN n_{s} ELSE 0 END)" for s in OPEN_COLUMNS)})::int AS open,
           ({" + ".join(f"(CASE WHEN %(sel_{s})s THEN n_{s} ELSE 0 END)" for s in RESOLVED_COLUMNS)})::int AS resolved,
           {cells.status_json_expr()}::text AS statuses, last_week
    FROM cells WHERE n_all > 0
) AS q
WHERE q.count > 0
"""

@lru_cache(maxsize=8)
def _point_tile_sql(*, public: bool, min_flats: int) -> str:
    """Appeals one by one at street zooms; public positions by appeals.precision, staff at the building."""
    return f"""
SELECT {_mvt_geom("a.pos")} AS geom, a.number, a.status, c.code AS category,
       to_char(a.created_at AT TIME ZONE 'Europe/Kyiv', 'YYYY-MM-DD') AS created,
       round(least(greatest(extract(epoch FROM now() - a.created_at) / 86400.0 / %(window)s, 0), 1)::numeric, 3)::float AS age
FROM ({selectors.candidates_sql(_ENVELOPE_4326, public=public)}) AS a
JOIN layers_category AS c ON c.id = a.category_id
WHERE {selectors.CANDIDATE_FILTER} AND a.pos && {_ENVELOPE_4326}
ORDER BY a.created_at DESC
LIMIT {cl.MAX_FEATURES}
"""


def render_registry_tile(*, layer: str, z: int, x: int, y: int) -> bytes:
    with read_connection().cursor() as cur:
        cur.execute(_wrap(layer, REGISTRY_SQL[layer]), {"layer": layer, "z": z, "x": x, "y": y})
        return bytes(cur.fetchone()[0] or b"")


def render_appeals_tile(f: AppealFilter, *, z: int, x: int, y: int, layer: str = "appeals") -> bytes:
    params = {"layer": layer, "z": z, "x": x, "y": y, "cats": list(f.category_ids), "any_status": not f.statuses,
              "statuses": list(f.statuses)}
    if z <= cl.CLUSTER_MAX_ZOOM and not f.scoped:
        xmin, ymin, xmax, ymax = cl.tile_bounds(z, x, y)
        params.update(selectors._cluster_params(f, zoom=z, xmin=xmin, ymin=ymin, xmax=xmax, ymax=ymax))
        sql = _wrap(layer, _CLUSTER_TILE_SQL)
    else:
        params.update(selectors.candidate_params(f))
        sql = _wrap(layer, _point_tile_sql(public=f.public, min_flats=precision.min_flats()))
    return bytes(selectors.fetch_one_serial(sql, params)[0] or b"")


def tile(*, layer: str, z: int, x: int, y: int, f: AppealFilter | None = None,
         filter_key: str | None = None, make_filter: Callable[[], AppealFilter] | None = None) -> bytes:
    """The tile bytes, from the cache when the data has not changed since it was made.

    For the appeals layer give either the filter ``f``, or a ``filter_key`` that determines it (the raw
    request parameters and the day) and ``make_filter`` to build it on a miss: a cached tile then costs
    one tiny query (the data versions) and a cache read.
    """
    appeals_version, registry_version = selectors.data_versions()
    if layer in APPEAL_LAYERS:
        if f is None and (filter_key is None or make_filter is None):
            raise ValueError("the appeals layer needs a filter")
        key_src = (f"{layer}:{z}:{x}:{y}:{filter_key or f.cache_key()}:{appeals_version}:{registry_version}:"
                   f"{precision.min_flats()}")
    else:
        key_src = f"{layer}:{z}:{x}:{y}:{registry_version}"
    key = "tile:" + hashlib.blake2b(key_src.encode(), digest_size=16).hexdigest()
    data = cache.get(key)
    if data is None:
        if layer in APPEAL_LAYERS:
            data = render_appeals_tile(f or make_filter(), z=z, x=x, y=y, layer=layer)
        else:
            data = render_registry_tile(layer=layer, z=z, x=x, y=y)
        cache.set(key, data, CACHE_SECONDS)
    return data
