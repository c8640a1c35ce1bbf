"""Public precision: THE one place that decides where, and under which address, the public sees an appeal.

Every public output uses these SQL expressions: the card (webmap.selectors.public_card), the viewport
GeoJSON and the point tiles (webmap.selectors.candidates_sql), the cluster cells the city zooms read
(webmap.cells, kept by triggers) and Open311's requests (citizens.open311.selectors). It lives in
appeals/ so that both top-row apps (webmap, citizens) can use it. Staff layers keep the building's point.

* an appeal at a building the public may point at (a public building, or one that is not a private
  house and has at least ``PUBLIC_EXACT_MIN_FLATS`` flats): the building's point and full address;
* any other building (a private house, a small or unknown block): street level. The building's point
  is snapped to a STREET_GRID_M metric grid and then put on its street's axis (the point of the axis
  nearest to that grid point); the address is the street alone. Every house of one grid cell on one
  street lands on the same spot, so neither the spot nor the address names a household;
* no building (a pin on a road): the pin snapped to a PIN_GRID_M grid, no address.

Distances are taken in the metric CRS (EPSG:32637), never in degrees.

The threshold is read from the settings when the SQL is built. The cells' triggers keep the SQL they
were created with: after changing PUBLIC_EXACT_MIN_FLATS run ``manage.py migrate`` (a post-migrate hook
re-installs them) or ``manage.py rebuild_map_cells``.

>>> "coalesce(b.flats, 0) >= " in exact_sql("b")
True
"""

from __future__ import annotations

from django.conf import settings

from gis.srid import METRIC_SRID, STORAGE_SRID

DEFAULT_EXACT_MIN_FLATS = 20
STREET_GRID_M = 250
PIN_GRID_M = 100
# For index boxes only: how far (degrees) a street-level position may lie from its building's point
# (≤ half the grid's diagonal, 177 m, plus the way to the street's axis; 0.007° ≥ 510 m here).
STREET_LEVEL_MARGIN_DEG = 0.007


def min_flats() -> int:
    """Buildings with fewer flats than this are shown at street level (settings.PUBLIC_EXACT_MIN_FLATS)."""
    return max(0, int(getattr(settings, "PUBLIC_EXACT_MIN_FLATS", DEFAULT_EXACT_MIN_FLATS)))


def exact_sql(b: str) -> str:
    """SQL: whether the public may see the building ``b`` (an alias of layers_building) as itself."""
    return f"({b}.kind = 'public' OR ({b}.kind <> 'house' AND coalesce({b}.flats, 0) >= {min_flats():d}))"


def is_exact(*, kind: str, flats: int | None) -> bool:
    """The same rule as exact_sql, for rows already in Python (tests check that the two agree).

    >>> is_exact(kind="apartment", flats=60), is_exact(kind="house", flats=1), is_exact(kind="apartment", flats=None)
    (True, False, False)
    """
    return kind == "public" or (kind != "house" and (flats or 0) >= min_flats())


def public_address(building) -> str:
    """A building's public address: with the house number when exact, else the street alone ('' with none)."""
    if building is None:
        return ""
    if is_exact(kind=building.kind, flats=building.flats):
        return building.address
    return building.street.full_name if building.street_id else ""


def pin_position_sql(pin: str) -> str:
    """SQL: a pin (4326) snapped to the PIN_GRID_M metric grid."""
    return (f"ST_Transform(ST_SnapToGrid(ST_Transform({pin}, {METRIC_SRID}), {PIN_GRID_M}), {STORAGE_SRID})")


def street_position_sql(*, point: str, street_geom: str) -> str:
    """SQL: street level for a building's ``point``: snapped to the grid, then onto the street's axis."""
    grid = f"ST_SnapToGrid(ST_Transform({point}, {METRIC_SRID}), {STREET_GRID_M})"
    return (f"ST_Transform(coalesce(ST_ClosestPoint(ST_Transform({street_geom}, {METRIC_SRID}), {grid}), {grid}), "
            f"{STORAGE_SRID})")


def position_sql(*, b: str, street_geom: str, pin: str) -> str:
    """SQL: the public position of an appeal at building ``b`` (all NULL when it has none) or at ``pin``."""
    return (f"(CASE WHEN {b}.id IS NULL THEN {pin_position_sql(pin)} WHEN {exact_sql(b)} THEN {b}.point "
            f"ELSE {street_position_sql(point=f'{b}.point', street_geom=street_geom)} END)")


def address_sql(*, b: str, s: str) -> str:
    """SQL: the public address: street and house when exact, the street alone when not, '' with no building."""
    street = f"{s}.street_type || ' ' || {s}.name"
    return (f"coalesce(CASE WHEN {b}.id IS NULL THEN '' WHEN {exact_sql(b)} THEN {street} || ', ' || {b}.housenumber "
            f"ELSE {street} END, '')")


def marker_sql() -> str:
    """SQL: record in the database which threshold the cell triggers were built with."""
    return (f"CREATE OR REPLACE FUNCTION webmap_public_exact_min_flats() RETURNS integer LANGUAGE sql IMMUTABLE "
            f"AS $$ SELECT {min_flats():d} $$;")
