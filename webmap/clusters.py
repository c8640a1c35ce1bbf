"""Server-side clustering of appeals: a grid per zoom, aligned with the map tiles.

The grid is the one the map draws with: at zoom ``z`` a cell is ``CELL_PX`` screen pixels wide,
so the cell of a point at zoom z is the cell of zoom ``z + 2`` tiles (256 / 64 = 4 = 2**2).
Cells are indexed in Web Mercator (EPSG:3857) metres, which is a *display* grid, never a
measure: nothing here is a distance (house rule 2).

The database keeps appeal counts per cell at a few stored grid levels (``STORED_LEVELS``, see
webmap/migrations) and the cluster query folds a finer stored level into the display grid;
this module holds the same arithmetic in pure Python so it can be tested on small inputs.

    >>> grid_level_for_zoom(12)
    14
    >>> stored_level_for(14), stored_level_for(13), stored_level_for(3)
    (14, 13, 10)
    >>> [c.count for c in cluster_points([(37.556, 48.738, "new"), (37.5561, 48.7381, "done")], zoom=12)]
    [2]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
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


def cell_of(x: float, y: float, *, level: int) -> tuple[int, int]:
    """The (ix, iy) of the grid cell holding mercator x, y; iy grows northwards like y."""
    size = cell_size(level)
    return math.floor(x / size), math.floor(y / size)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The EPSG:3857 (xmin, ymin, xmax, ymax) of XYZ tile z/x/y (y counted from the north, as Leaflet does).

    >>> tile_bounds(0, 0, 0) == (-MERCATOR_HALF, -MERCATOR_HALF, MERCATOR_HALF, MERCATOR_HALF)
    True
    """
    import mercantile  # here, not at the top: nothing on the request path needs it

    b = mercantile.xy_bounds(x, y, z)
    return b.left, b.bottom, b.right, b.top


@dataclass
class Cluster:
    """A display cell's appeals: count, counts by status, the mean position of its members."""

    lon: float
    lat: float
    count: int
    by_status: dict[str, int] = field(default_factory=dict)
    cell: tuple[int, int] = (0, 0)


def cluster_points(points: Iterable[tuple[float, float, str]], *, zoom: int) -> list[Cluster]:
    """Group (lon, lat, status) points into the display cells of ``zoom``; sorted by cell (west→east, south→north).

    A cluster's position is the mean of its members in mercator (what the map shows), so a
    cluster of one sits exactly on its point.
    """
    level = grid_level_for_zoom(zoom)
    acc: dict[tuple[int, int], list] = {}
    for lon, lat, status in points:
        x, y = lonlat_to_mercator(lon, lat)
        key = cell_of(x, y, level=level)
        entry = acc.setdefault(key, [0.0, 0.0, 0, {}])
        entry[0] += x
        entry[1] += y
        entry[2] += 1
        entry[3][status] = entry[3].get(status, 0) + 1
    out = []
    for key in sorted(acc):
        sx, sy, n, by_status = acc[key]
        lon, lat = mercator_to_lonlat(sx / n, sy / n)
        out.append(Cluster(lon=lon, lat=lat, count=n, by_status=dict(sorted(by_status.items())), cell=key))
    return out


def fold_cells(cells: Iterable[tuple[int, int, int, float, float, str]], *, from_level: int, to_level: int) -> list[Cluster]:
    """Fold stored cells (ix, iy, n, sum_x, sum_y, status) of a fine level into the cells of a coarser one.

    This is what the SQL in webmap/selectors does; it must give the same clusters as
    cluster_points() on the raw points (tests/unit/test_clusters.py checks it).
    """
    if to_level > from_level:
        raise ValueError("can only fold a finer level into a coarser one")
    shift = from_level - to_level
    acc: dict[tuple[int, int], list] = {}
    for ix, iy, n, sx, sy, status in cells:
        key = (ix >> shift, iy >> shift)  # floor division by 2**shift, also for negative indexes
        entry = acc.setdefault(key, [0.0, 0.0, 0, {}])
        entry[0] += sx
        entry[1] += sy
        entry[2] += n
        entry[3][status] = entry[3].get(status, 0) + n
    out = []
    for key in sorted(acc):
        sx, sy, n, by_status = acc[key]
        lon, lat = mercator_to_lonlat(sx / n, sy / n)
        out.append(Cluster(lon=lon, lat=lat, count=n, by_status=dict(sorted(by_status.items())), cell=key))
    return out
