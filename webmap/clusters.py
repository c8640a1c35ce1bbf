"""Server-side clustering of appeals: a grid per zoom, aligned with the map tiles.

The grid is the one the map draws with: at zoom ``z`` a cell is ``CELL_PX`` screen pixels wide,
so the cell of a point at zoom z is the cell of zoom ``z + 2`` tiles (256 / 64 = 4 = 2**2).
Cells are indexed in Web Mercator (EPSG:3857) metres, which is a *display* grid, never a
measure: nothing here is a distance (house rule 2).

The database keeps appeal counts per cell at a few stored grid levels (``STORED_LEVELS``, see
webmap/migrations) and the cluster query folds a finer stored level into the display grid;
this module holds the grid's arithmetic (levels, cell sizes, tile bounds). The fold itself is SQL only;
tests/integration/test_clusters.py checks it against an independent computation from the raw points.

    >>> grid_level_for_zoom(12)
    14
    >>> stored_level_for(14), stored_level_for(13), stored_level_for(3)
    (14, 13, 10)
"""

from __future__ import annotations

from functools import lru_cache

# Half the Web Mercator world, in EPSG:3857 metres (the x of the antimeridian).
MERCATOR_HALF = 20037508.342789244
# Width of a display cell in screen pixels (tiles are 256 px): 64 px ≈ a marker with room around it.
CELL_PX = 64
# log2(256 / CELL_PX): the display grid at zoom z is the tile grid of zoom z + 2.
_CELL_SHIFT = 2
# Zooms up to this are clustered on the server; above it appeals come one by one (street zooms).
CLUSTER_MAX_ZOOM = 16
# Grid levels stored in webmap_appealcell (cell side = world / 2**level): one per clustered zoom 8..16,
# so a tile reads at most 4 × 4 cells. Zooms below 8 fold level 10 by integer division.
STORED_LEVELS = (10, 11, 12, 13, 14, 15, 16, 17, 18)
# Never more than this many individual features in one response (tile, GeoJSON page).
MAX_FEATURES = 5000


def grid_level_for_zoom(zoom: int) -> int:
    """The grid level (cell side = world / 2**level) of the display cells at map zoom ``zoom``."""
    return zoom + _CELL_SHIFT


def stored_level_for(level: int) -> int:
    """The stored grid level that serves display grid ``level``: the coarsest one at least as fine."""
    for stored in STORED_LEVELS:
        if stored >= level:
            return stored
    return STORED_LEVELS[-1]


def cell_size(level: int) -> float:
    """Side of a grid cell at ``level`` in EPSG:3857 metres."""
    return 2 * MERCATOR_HALF / (2**level)


@lru_cache(maxsize=2)
def _transformer(source: int, target: int):
    from pyproj import Transformer

    return Transformer.from_crs(source, target, always_xy=True)


def lonlat_to_mercator(lon: float, lat: float) -> tuple[float, float]:
    """EPSG:4326 lon, lat → EPSG:3857 x, y (pyproj: the same spherical Mercator PostGIS uses).

    >>> [round(abs(v), 1) for v in lonlat_to_mercator(0.0, 0.0)]
    [0.0, 0.0]
    """
    return _transformer(4326, 3857).transform(lon, lat)


def mercator_to_lonlat(x: float, y: float) -> tuple[float, float]:
    """EPSG:3857 x, y → EPSG:4326 lon, lat."""
    return _transformer(3857, 4326).transform(x, y)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The EPSG:3857 (xmin, ymin, xmax, ymax) of XYZ tile z/x/y (y counted from the north, as Leaflet does).

    >>> tile_bounds(0, 0, 0) == (-MERCATOR_HALF, -MERCATOR_HALF, MERCATOR_HALF, MERCATOR_HALF)
    True
    """
    import mercantile  # here, not at the top: nothing on the request path needs it

    b = mercantile.xy_bounds(x, y, z)
    return b.left, b.bottom, b.right, b.top
