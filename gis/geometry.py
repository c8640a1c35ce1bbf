"""Pure geometry helpers: repair at the import boundary, coercion, lon/lat parsing.

Shapely only: no Django, no database.
"""

from __future__ import annotations

import math

from shapely import make_valid
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

# Kramatorsk hromada lies around lon 37.3-37.9, lat 48.6-48.9; Ukraine's envelope is a sanity check.
UKRAINE_BBOX = (22.0, 44.0, 40.5, 52.5)


class GeometryError(ValueError):
    """A geometry that cannot be used, with a message a person can act on."""


def parse_lon_lat(lon: object, lat: object) -> tuple[float, float]:
    """Parse and check a longitude/latitude pair (in that order).

    >>> parse_lon_lat("37.56", "48.73")
    (37.56, 48.73)
    >>> parse_lon_lat("48.73", "237")
    Traceback (most recent call last):
    ...
    gis.geometry.GeometryError: latitude 237.0 is outside -90..90
    """
    try:
        x, y = float(lon), float(lat)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise GeometryError("lon and lat must be numbers") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise GeometryError("lon and lat must be finite numbers")
    if not -180 <= x <= 180:
        raise GeometryError(f"longitude {x} is outside -180..180")
    if not -90 <= y <= 90:
        raise GeometryError(f"latitude {y} is outside -90..90")
    return x, y


def polygonal_part(geom: BaseGeometry) -> MultiPolygon | None:
    """The polygonal part of any geometry as a MultiPolygon, or None if it has none.

    >>> polygonal_part(Polygon([(0, 0), (1, 0), (1, 1)])).geom_type
    'MultiPolygon'
    """
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, GeometryCollection) or hasattr(geom, "geoms"):
        polys: list[Polygon] = []
        for part in geom.geoms:
            sub = polygonal_part(part)
            if sub is not None:
                polys.extend(sub.geoms)
        return MultiPolygon(polys) if polys else None
    return None


def repair_polygonal(geom: BaseGeometry) -> tuple[MultiPolygon, bool]:
    """Make a polygonal geometry valid, keeping only polygonal parts.

    Returns (multipolygon, repaired). Raises GeometryError when nothing polygonal
    is left (a point where a polygon is expected, or a fully degenerate ring).

    >>> bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    >>> fixed, repaired = repair_polygonal(bowtie)
    >>> repaired, fixed.is_valid, len(fixed.geoms)
    (True, True, 2)
    """
    if geom is None or geom.is_empty:
        raise GeometryError("empty geometry")
    repaired = False
    if not geom.is_valid:
        geom = make_valid(geom)
        repaired = True
    poly = polygonal_part(geom)
    if poly is None or poly.is_empty or poly.area == 0:
        raise GeometryError(f"expected a polygon, got {geom.geom_type}")
    if not poly.is_valid:  # parts of a collection may touch along edges
        poly = polygonal_part(make_valid(poly))
        repaired = True
        if poly is None:
            raise GeometryError("polygon could not be repaired")
    return poly, repaired
