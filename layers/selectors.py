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
