"""Registry layers as GeoJSON, bbox-limited and capped (also the items of the OGC API – Features).

Every query returns at most clusters.MAX_FEATURES features; ``limit``/``offset`` page through the rest.
"""

from __future__ import annotations

import json

from django.db import connection

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
LAYERS = tuple(_LAYER_SQL)


def layer_title(layer: str) -> str:
    return _LAYER_SQL[layer][0]


def layer_geojson(*, layer: str, bbox: tuple[float, float, float, float] | None = None, service_kind: str | None = None,
                  limit: int = MAX_FEATURES, offset: int = 0, feature_id: int | None = None) -> dict:
    """A FeatureCollection of ``layer`` within ``bbox`` (lon/lat), ordered by id, at most MAX_FEATURES.

    ``numberMatched`` counts every feature in the box; ``numberReturned`` those in this page.
    """
    limit = max(0, min(int(limit), MAX_FEATURES))
    inner = _LAYER_SQL[layer][1]
    west, south, east, north = bbox or (-180.0, -90.0, 180.0, 90.0)
    sql = f"""
        WITH rows AS (
            SELECT * FROM ({inner}) AS r
            WHERE r.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326) AND (%(fid)s::bigint IS NULL OR r.id = %(fid)s)
        ), page AS (SELECT * FROM rows ORDER BY id LIMIT %(limit)s OFFSET %(offset)s)
        SELECT (SELECT count(*) FROM rows),
               (SELECT coalesce(json_agg(json_build_object('type', 'Feature', 'id', id, 'properties', props,
                                                           'geometry', ST_AsGeoJSON(geom, 6)::json) ORDER BY id),
                                '[]'::json)::text FROM page)
    """
    params = {"w": west, "s": south, "e": east, "n": north, "limit": limit, "offset": max(0, int(offset)),
              "kind": service_kind, "fid": feature_id}
    with connection.cursor() as cur:
        cur.execute(sql, params)
        matched, features = cur.fetchone()
    features = json.loads(features)
    return {"type": "FeatureCollection", "numberMatched": matched, "numberReturned": len(features),
            "features": features}
