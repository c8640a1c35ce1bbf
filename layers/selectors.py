"""Read-side queries over the registry (plain functions, keyword-only arguments)."""

from __future__ import annotations

import json

from django.db import connection

# The basemap is the registry drawn by itself: the map works with no internet.
_BASEMAP_SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(f), '[]'::json))
FROM (
    SELECT json_build_object('type', 'Feature', 'properties', json_build_object('layer', 'boundary', 'name', name_uk),
                             'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.0002), 6)::json) AS f
    FROM layers_boundary
    UNION ALL
    SELECT json_build_object('type', 'Feature', 'properties', json_build_object('layer', 'neighbourhood', 'name', name_uk),
                             'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.0001), 6)::json)
    FROM layers_neighbourhood WHERE geom IS NOT NULL
    UNION ALL
    SELECT json_build_object('type', 'Feature', 'properties', json_build_object('layer', 'street', 'name', name),
                             'geometry', ST_AsGeoJSON(geom, 6)::json)
    FROM layers_street WHERE geom IS NOT NULL
) AS q
"""


def basemap_geojson() -> str:
    """Boundary, neighbourhoods and streets as one GeoJSON FeatureCollection (a string, built in PostGIS)."""
    with connection.cursor() as cursor:
        cursor.execute(_BASEMAP_SQL)
        (collection,) = cursor.fetchone()
    return collection if isinstance(collection, str) else json.dumps(collection)


# House numbers for the basemap's street zooms: every address (a building's main one at its inside point,
# its other addresses and address points at theirs), only as written ("12А", "7/1"): nothing personal.
HOUSE_NUMBERS_MAX_ROWS = 2000
HOUSE_NUMBERS_MAX_SPAN_DEG = 0.05  # a bbox wider or taller than ~5 km is a city view: no numbers drawn there

_HOUSE_NUMBERS_SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(f), '[]'::json))
FROM (
    SELECT json_build_object('type', 'Feature', 'properties', json_build_object('n', a.housenumber),
                             'geometry', ST_AsGeoJSON(a.point, 6)::json) AS f
    FROM layers_address AS a
    WHERE a.housenumber <> '' AND a.point && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
    ORDER BY a.id
    LIMIT %s
) AS q
"""


def house_numbers_geojson(*, bbox: tuple[float, float, float, float]) -> str:
    """The house numbers inside bbox (west, south, east, north in degrees) as GeoJSON points {n}."""
    with connection.cursor() as cursor:
        cursor.execute(_HOUSE_NUMBERS_SQL, [*bbox, HOUSE_NUMBERS_MAX_ROWS])
        (collection,) = cursor.fetchone()
    return collection if isinstance(collection, str) else json.dumps(collection)
