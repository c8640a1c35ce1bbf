"""Registry layers as GeoJSON, bbox-limited and capped (also the items of the OGC API – Features).

Every query returns at most clusters.MAX_FEATURES features; ``limit``/``offset`` page through the rest.
"""

from __future__ import annotations

import json

from gis.replica import read_connection
from webmap.clusters import MAX_FEATURES

# name → (title, SQL of the rows: id, properties json, geometry) ; %(bbox_*)s restrict by the 4326 index.
_LAYER_SQL = {
    "boundary": ("Межа громади", """
        SELECT t.id, json_build_object('name', t.name_uk, 'admin_level', t.admin_level) AS props, t.geom
        FROM layers_boundary AS t"""),
    "neighbourhoods": ("Мікрорайони та селища", """
        SELECT t.id, json_build_object('name', t.name_uk, 'name_ru', t.name_ru, 'kind', t.kind) AS props, t.geom
        FROM layers_neighbourhood AS t WHERE t.geom IS NOT NULL"""),
    "streets": ("Вулиці", """
        SELECT t.id, json_build_object('name', t.name, 'street_type', t.street_type) AS props, t.geom
        FROM layers_street AS t WHERE t.geom IS NOT NULL"""),
    "buildings": ("Будинки", """
        SELECT t.id, json_build_object('housenumber', t.housenumber, 'kind', t.kind, 'floors', t.floors,
               'street', s.street_type || ' ' || s.name) AS props, t.geom
        FROM layers_building AS t LEFT JOIN layers_street AS s ON s.id = t.street_id"""),
    "service_areas": ("Зони обслуговування", """
        SELECT t.id, json_build_object('name', t.name, 'provider', coalesce(nullif(p.short_name, ''), p.name),
               'provider_id', p.id, 'provider_kind', p.kind, 'colour', '#' || substr(md5(p.id::text), 1, 6),
               'service_kinds', (SELECT json_agg(k.servicekind_id ORDER BY k.servicekind_id)
                                 FROM layers_servicearea_service_kinds AS k WHERE k.servicearea_id = t.id),
               'valid_from', t.valid_from, 'valid_to', t.valid_to) AS props, t.geom
        FROM layers_servicearea AS t JOIN layers_provider AS p ON p.id = t.provider_id
        WHERE (t.valid_to IS NULL OR t.valid_to >= CURRENT_DATE)
          AND (%(kind)s::text IS NULL OR EXISTS (SELECT 1 FROM layers_servicearea_service_kinds AS k
                                                WHERE k.servicearea_id = t.id AND k.servicekind_id = %(kind)s))"""),
}
LAYERS = tuple(_LAYER_SQL)  # public: the public API and the OGC API show them to anyone

# Staff only (webmap/ogc.py checks the role): appeals at building precision (or their point snapped to a 100 m
# grid, in metres), with no name, phone, e-mail, flat, address text, description or resolution; %(scope_*)s
# apply appeals.roles.scope_of in the query.
_STAFF_SQL = {
    "appeals": ("Звернення (без персональних даних)", """
        SELECT a.id, json_build_object('number', a.number, 'category', c.code, 'category_name', c.name_uk,
               'status', a.status, 'channel', a.channel, 'control_level', a.control_level,
               'created_at', a.created_at, 'deadline', a.deadline, 'resolved_at', a.resolved_at,
               'building_id', a.building_id) AS props,
               coalesce(b.point, ST_Transform(ST_SnapToGrid(ST_Transform(a.point, 32637), 100), 4326)) AS geom
        FROM appeals_appeal AS a JOIN layers_category AS c ON c.id = a.category_id
        LEFT JOIN layers_building AS b ON b.id = a.building_id
        WHERE (%(scope_provider)s::bigint IS NULL OR EXISTS (
                   SELECT 1 FROM appeals_appealroute AS r WHERE r.appeal_id = a.id AND r.provider_id = %(scope_provider)s))
          AND (%(scope_kinds)s::text[] IS NULL OR EXISTS (
                   SELECT 1 FROM appeals_appealroute AS r JOIN layers_provider AS p ON p.id = r.provider_id
                   WHERE r.appeal_id = a.id AND p.kind = ANY(%(scope_kinds)s)))"""),
}
STAFF_LAYERS = tuple(_STAFF_SQL)


def layer_title(layer: str) -> str:
    return {**_LAYER_SQL, **_STAFF_SQL}[layer][0]


# What each layer's items may be filtered on (OGC API – Features queryables): property → JSON Schema type.
QUERYABLES: dict[str, dict[str, str]] = {
    "boundary": {"name": "string", "admin_level": "integer"},
    "neighbourhoods": {"name": "string", "name_ru": "string", "kind": "string"},
    "streets": {"name": "string", "street_type": "string"},
    "buildings": {"housenumber": "string", "kind": "string", "floors": "integer", "street": "string"},
    "service_areas": {"name": "string", "provider": "string", "provider_id": "integer", "provider_kind": "string"},
    "appeals": {"number": "string", "category": "string", "status": "string", "channel": "string",
                "control_level": "integer", "building_id": "integer"},
}
# Layers with a time: (start property, end property) of each feature's validity, dates.
TEMPORAL: dict[str, tuple[str, str]] = {"service_areas": ("valid_from", "valid_to"),
                                        "appeals": ("created_at", "created_at")}
# Output CRS (EPSG code; 4326 in CRS84 order lon, lat) → decimals kept.
OUTPUT_DIGITS = {4326: 6, 32637: 2, 3857: 2}


def layer_geojson(*, layer: str, bbox: tuple[float, float, float, float] | None = None, service_kind: str | None = None,
                  limit: int = MAX_FEATURES, offset: int = 0, feature_id: int | None = None,
                  bbox_srid: int = 4326, srid: int = 4326, lat_lon: bool = False,
                  equals: dict[str, str] | None = None, period: tuple[str | None, str | None] | None = None,
                  max_limit: int = MAX_FEATURES, after: int | None = None, count: bool = True,
                  raw: bool = False, scope_provider: int | None = None,
                  scope_kinds: tuple[str, ...] | None = None) -> dict:
    """A FeatureCollection of ``layer`` within ``bbox``, ordered by id, at most ``max_limit`` features.

    ``bbox`` is in ``bbox_srid`` (4326: lon, lat); geometries come out in ``srid`` (``lat_lon``: EPSG:4326's
    own axis order, latitude first). ``equals`` keeps features whose property (one of QUERYABLES) has that
    value; ``period`` (start, end; ISO dates, None open) keeps features valid at some time within it.
    ``numberMatched`` counts every feature that fits (left out with ``count=False``); ``numberReturned``
    those in this page. ``after`` pages by key (ids above it), which costs the same on the last page as on
    the first, unlike ``offset``. ``raw`` leaves ``features`` as the JSON text PostgreSQL built (a page of
    10,000 buildings is then not decoded and encoded again).
    """
    limit = max(0, min(int(limit), max_limit))
    inner = {**_LAYER_SQL, **_STAFF_SQL}[layer][1]
    west, south, east, north = bbox or (-180.0, -90.0, 180.0, 90.0)
    if bbox is None:
        bbox_srid = 4326
    params = {"w": west, "s": south, "e": east, "n": north, "limit": limit, "offset": max(0, int(offset)),
              "kind": service_kind, "fid": feature_id, "bbox_srid": int(bbox_srid), "srid": int(srid),
              "digits": OUTPUT_DIGITS.get(int(srid), 6), "after": after, "scope_provider": scope_provider,
              "scope_kinds": list(scope_kinds) if scope_kinds else None}
    # Filters: the property names come from QUERYABLES (never from the request); the values are parameters.
    where = ""
    for i, (name, value) in enumerate(sorted((equals or {}).items())):
        if name not in QUERYABLES[layer]:
            raise KeyError(name)
        where += f" AND (r.props->>%(p{i})s) = %(v{i})s"
        params[f"p{i}"], params[f"v{i}"] = name, str(value)
    if period is not None and layer in TEMPORAL:
        start_prop, end_prop = TEMPORAL[layer]
        params.update({"t0": period[0], "t1": period[1], "sp": start_prop, "ep": end_prop})
        where += (" AND (%(t1)s::date IS NULL OR (r.props->>%(sp)s)::date IS NULL OR (r.props->>%(sp)s)::date <= %(t1)s::date)"
                  " AND (%(t0)s::date IS NULL OR (r.props->>%(ep)s)::date IS NULL OR (r.props->>%(ep)s)::date >= %(t0)s::date)")
    geometry = "ST_Transform(geom, %(srid)s)" if int(srid) != 4326 else "geom"
    if lat_lon:
        geometry = f"ST_FlipCoordinates({geometry})"
    envelope = ("ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326)" if int(bbox_srid) == 4326 else
                "ST_Transform(ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, %(bbox_srid)s), 4326)")
    sql = f"""
        WITH rows AS (
            SELECT * FROM ({inner}) AS r
            WHERE r.geom && {envelope} AND (%(fid)s::bigint IS NULL OR r.id = %(fid)s)
              AND (%(after)s::bigint IS NULL OR r.id > %(after)s){where}
        ), page AS (SELECT * FROM rows ORDER BY id LIMIT %(limit)s OFFSET %(offset)s)
        SELECT {"(SELECT count(*) FROM rows)" if count else "NULL"}, (SELECT count(*) FROM page), (SELECT max(id) FROM page),
               (SELECT coalesce(json_agg(json_build_object('type', 'Feature', 'id', id, 'properties', props,
                                                           'geometry', ST_AsGeoJSON({geometry}, %(digits)s, 0)::json)
                                         ORDER BY id),
                                '[]'::json)::text FROM page)
    """
    with read_connection().cursor() as cur:
        cur.execute(sql, params)
        matched, returned, last_id, features = cur.fetchone()
    out = {"type": "FeatureCollection", "numberMatched": matched, "numberReturned": returned,
           "features": features if raw else json.loads(features)}
    if raw:
        out["last_id"] = last_id  # for a next link by key; the caller removes it
    if not count:
        del out["numberMatched"]
    return out
