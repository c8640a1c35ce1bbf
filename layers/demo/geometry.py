"""Synthetic geometry for the demo city: neighbourhood polygons, street axes and buildings, from a seed.

Everything is laid out in metres (EPSG:32637, gis.srid.METRIC_SRID) and only converted to EPSG:4326 at
the end (to_storage). No database, no Django models: plain dataclasses and shapely.

The layout, per neighbourhood, in a local frame (x east along the streets, y north):

- every street of the register is one straight axis; the streets are packed end to end into parallel
  rows ``row_spacing`` metres apart;
- buildings stand on both sides, odd numbers north of the axis, even south, ``setback`` metres from
  it, with gaps between them, so no footprint touches another or an axis;
- the neighbourhood polygon is the rectangle around its rows plus a margin;

then the rectangle is rotated a little and placed inside the real hromada boundary: the urban districts
as close as they fit around the real city centre, the settlements and villages further out, never
overlapping each other. Every random choice comes from ``random.Random`` seeded with the seed and the
street's (or neighbourhood's) stable id, so one seed always gives the same city.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from gis.srid import METRIC_SRID, STORAGE_SRID
from layers.demo.register import CleanRegister, NeighbourhoodSpec, StreetSpec
from layers.housenumbers import parse_housenumber

CITY_CENTRE_LON_LAT = (37.556, 48.738)  # lon, lat: Соцмісто, the real centre of Kramatorsk


@dataclass(frozen=True)
class Style:
    """How streets of one kind of neighbourhood look, in metres."""

    setback: float  # axis to the facade
    max_depth: float  # deepest footprint across the street
    row_spacing: float  # axis to axis between parallel streets
    street_gap: float  # between two streets end to end in one row
    margin: float  # rows to the neighbourhood's edge
    max_tilt_deg: float  # how far the neighbourhood's grid may turn from east-west


URBAN = Style(setback=15.0, max_depth=20.0, row_spacing=90.0, street_gap=40.0, margin=60.0, max_tilt_deg=15.0)
RURAL = Style(setback=6.0, max_depth=12.0, row_spacing=45.0, street_gap=30.0, margin=40.0, max_tilt_deg=35.0)


@dataclass
class BuildingPlan:
    street: StreetSpec
    housenumber: str
    number: int
    letter: str
    fraction: str
    block: str
    key: str
    kind: str  # layers.models.BuildingKind value
    floors: int
    flats: int | None
    residents: int | None
    side: int  # +1 north of the axis (odd numbers), -1 south (even)
    width: float  # along the street
    depth: float  # across it
    gap: float  # free space after it along the street
    # filled by the layout
    x: float = 0.0  # local frame, west edge
    y: float = 0.0  # local frame, south edge
    footprint: Polygon | None = None  # metric
    point: Point | None = None  # metric
    px: float = 0.0  # the point's metric x, y, and the footprint's metric bounds (fast to read)
    py: float = 0.0
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    @property
    def source_id(self) -> str:
        return f"building:{self.street.neighbourhood.code}:{self.street.street_type}:{self.street.name}:{self.key}"


@dataclass
class StreetLayout:
    spec: StreetSpec
    buildings: list[BuildingPlan]
    length: float = 0.0
    row: int = 0
    x0: float = 0.0
    axis: LineString | None = None  # metric


@dataclass
class NeighbourhoodLayout:
    spec: NeighbourhoodSpec
    style: Style
    streets: list[StreetLayout]
    width: float = 0.0  # local rectangle
    height: float = 0.0
    rows: int = 0
    angle_deg: float = 0.0
    centre: tuple[float, float] = (0.0, 0.0)  # metric x, y of the rectangle's centre
    polygon: Polygon | None = None  # metric

    def to_metric(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Local (x, y) → metric, rotating about the rectangle's centre."""
        a = math.radians(self.angle_deg)
        lx, ly = xs - self.width / 2, ys - self.height / 2
        return (self.centre[0] + lx * math.cos(a) - ly * math.sin(a),
                self.centre[1] + lx * math.sin(a) + ly * math.cos(a))

    def local_box(self, x0: float, y0: float, x1: float, y1: float) -> Polygon:
        a = math.radians(self.angle_deg)
        cos, sin, cx, cy = math.cos(a), math.sin(a), self.centre[0], self.centre[1]
        corners = []
        for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
            lx, ly = x - self.width / 2, y - self.height / 2
            corners.append((cx + lx * cos - ly * sin, cy + lx * sin + ly * cos))
        return Polygon(corners)

    def row_band(self, first_row: int, last_row: int) -> Polygon:
        """The part of the polygon holding rows first_row..last_row, cut halfway between rows."""
        s = self.style
        y0 = 0.0 if first_row == 0 else s.margin + (first_row - 0.5) * s.row_spacing
        y1 = self.height if last_row >= self.rows - 1 else s.margin + (last_row + 0.5) * s.row_spacing
        return self.local_box(0.0, y0, self.width, y1)


@dataclass
class DemoLayout:
    seed: int
    boundary_metric: MultiPolygon
    neighbourhoods: list[NeighbourhoodLayout] = field(default_factory=list)

    @property
    def streets(self) -> list[StreetLayout]:
        return [s for n in self.neighbourhoods for s in n.streets]

    @property
    def buildings(self) -> list[BuildingPlan]:
        return [b for n in self.neighbourhoods for s in n.streets for b in s.buildings]


# --- buildings of one street -------------------------------------------------------------------

def _apartment(rng: random.Random) -> tuple[int, int, float, float]:
    """floors, flats, width, depth of an apartment block."""
    floors = rng.choices((5, 9, 12, 16), weights=(50, 30, 10, 10))[0]
    entrances = {5: rng.randint(2, 6), 9: rng.randint(1, 4), 12: rng.randint(1, 3), 16: rng.randint(1, 2)}[floors]
    width = entrances * (15.0 if floors < 16 else 22.0)
    depth = 12.0 if floors < 12 else 16.0
    return floors, floors * entrances * 4, width, depth


def plan_street(street: StreetSpec, *, seed: int) -> list[BuildingPlan]:
    """The buildings of one street: numbers 1..N (N ≥ 10), some with letters (5А, 5Б), корпуси, corner fractions.

    Numbers 1 to 9 always exist as plain numbers; the variants are extra buildings next to them, and
    a corner fraction (17/1) replaces only a last number ≥ 10 on a side.
    """
    rng = random.Random(f"{seed}:{street.source_id}")
    urban = street.neighbourhood.urban
    top = rng.randint(10, 18) if urban else rng.randint(12, 44)
    sides: dict[int, list[str]] = {1: [], -1: []}
    for n in range(1, top + 1):
        side = sides[1 if n % 2 else -1]
        side.append(str(n))
        if rng.random() < (0.07 if urban else 0.05):
            side.append(f"{n}А")
            if rng.random() < 0.35:
                side.append(f"{n}Б")
        if urban and n >= 10 and rng.random() < 0.15:
            side.append(f"{n} корп. 2")
            if rng.random() < 0.3:
                side.append(f"{n} корп. 3")
    for side in sides.values():  # the corner building at the end of a side carries the cross street's number
        last = side[-1]
        if last.isdigit() and int(last) >= 10 and rng.random() < 0.4:
            side[-1] = f"{last}/{rng.randint(1, 3)}"

    plans = []
    for side_sign, numbers in sides.items():
        for text in numbers:
            hn = parse_housenumber(text)
            if urban:
                if not hn.block and rng.random() < 0.05:
                    kind, floors, flats, residents = "public", rng.randint(2, 4), None, None
                    width, depth = rng.uniform(30.0, 60.0), 20.0
                else:
                    floors, flats, width, depth = _apartment(rng)
                    kind, residents = "apartment", round(flats * 2.3)
                gap = rng.uniform(18.0, 30.0)
            else:
                if rng.random() < 0.02:
                    kind, floors, flats, residents = "public", rng.randint(1, 2), None, None
                    width, depth = rng.uniform(15.0, 25.0), 12.0
                else:
                    kind, floors, flats = "house", (1 if rng.random() < 0.85 else 2), 1
                    residents = rng.randint(2, 4)
                    width, depth = rng.uniform(8.0, 12.0), rng.uniform(8.0, 11.0)
                gap = rng.uniform(8.0, 14.0)
            plans.append(BuildingPlan(
                street=street, housenumber=text, number=hn.number, letter=hn.letter, fraction=hn.fraction,
                block=hn.block, key=hn.key, kind=kind, floors=floors, flats=flats, residents=residents,
                side=side_sign, width=round(width, 1), depth=round(depth, 1), gap=round(gap, 1),
            ))
    return plans


# --- one neighbourhood in its local frame ------------------------------------------------------

def _lay_out_neighbourhood(spec: NeighbourhoodSpec, streets: list[StreetSpec], *, seed: int) -> NeighbourhoodLayout:
    style = URBAN if spec.urban else RURAL
    layouts = []
    for street in streets:
        plans = plan_street(street, seed=seed)
        cursor = {1: 10.0, -1: 10.0}  # 10 m of axis before the first building
        for b in plans:
            b.x = cursor[b.side]
            b.y = style.setback if b.side > 0 else -style.setback - b.depth
            cursor[b.side] += b.width + b.gap
        layouts.append(StreetLayout(spec=street, buildings=plans, length=max(cursor.values())))

    rng = random.Random(f"{seed}:{spec.code}")
    order = sorted(layouts, key=lambda s: s.spec.source_id)
    rng.shuffle(order)
    total = sum(s.length + style.street_gap for s in order)
    row_width = max(max(s.length for s in order), math.sqrt(total * style.row_spacing * 1.4))
    row, x = 0, 0.0
    for s in order:
        if x > 0 and x + s.length > row_width:
            row, x = row + 1, 0.0
        s.row, s.x0 = row, x
        x += s.length + style.street_gap
    n = NeighbourhoodLayout(spec=spec, style=style, streets=layouts)
    n.rows = row + 1
    n.width = max(s.x0 + s.length for s in layouts) + 2 * style.margin
    n.height = row * style.row_spacing + 2 * style.margin
    n.angle_deg = rng.uniform(-style.max_tilt_deg, style.max_tilt_deg)
    return n


# --- placing neighbourhoods inside the boundary -------------------------------------------------

_TO_METRIC = Transformer.from_crs(STORAGE_SRID, METRIC_SRID, always_xy=True)
_TO_STORAGE = Transformer.from_crs(METRIC_SRID, STORAGE_SRID, always_xy=True)


def to_metric(geom):
    """shapely geometry (or array of them) lon/lat → EPSG:32637 metres."""
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_METRIC.transform(xy[:, 0], xy[:, 1])))


def to_storage(geom):
    """shapely geometry (or array of them) EPSG:32637 metres → lon/lat."""
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_STORAGE.transform(xy[:, 0], xy[:, 1])))


def _place(layouts: list[NeighbourhoodLayout], boundary_metric: MultiPolygon, *, seed: int) -> None:
    main = max(boundary_metric.geoms, key=lambda p: p.area)
    inside = main.buffer(-300.0)
    shapely.prepare(inside)
    cx, cy = to_metric(Point(*CITY_CENTRE_LON_LAT)).coords[0]
    placed: list[Polygon] = []
    golden = math.pi * (3 - math.sqrt(5))
    for n in layouts:
        rng = random.Random(f"{seed}:place:{n.spec.code}")
        if n.spec.urban:
            tx, ty, step, gap = cx, cy, 60.0, 120.0
        else:  # settlements and villages 5-11 km out, in a direction of their own
            r, a = rng.uniform(5000.0, 11000.0), rng.uniform(0, 2 * math.pi)
            tx, ty, step, gap = cx + r * math.cos(a), cy + r * math.sin(a), 120.0, 400.0
        others = shapely.union_all(placed).buffer(gap) if placed else None
        if others is not None:
            shapely.prepare(others)
        n.centre = (0.0, 0.0)
        corners = np.asarray(n.local_box(0.0, 0.0, n.width, n.height).exterior.coords)  # about the origin
        for first in range(0, 20000, 256):  # candidates on a sunflower spiral, nearest first, in batches
            k = np.arange(first, first + 256)
            d = step * np.sqrt(k)
            centres = np.column_stack([tx + d * np.cos(k * golden), ty + d * np.sin(k * golden)])
            rects = shapely.polygons(corners[None, :, :] + centres[:, None, :])
            ok = shapely.contains(inside, rects)
            if others is not None:
                ok &= ~shapely.intersects(others, rects)
            hits = np.flatnonzero(ok)
            if hits.size:
                n.centre = (float(centres[hits[0], 0]), float(centres[hits[0], 1]))
                n.polygon = n.local_box(0.0, 0.0, n.width, n.height)
                placed.append(n.polygon)
                break
        else:
            raise RuntimeError(f"no room for {n.spec.name_uk} inside the boundary")


def _materialise(n: NeighbourhoodLayout) -> None:
    """Street axes and building footprints of a placed neighbourhood, in metres (one numpy pass)."""
    s = n.style
    for st in n.streets:
        row_y = s.margin + st.row * s.row_spacing
        xs, ys = n.to_metric(np.array([s.margin + st.x0, s.margin + st.x0 + st.length]), np.array([row_y, row_y]))
        st.axis = LineString(np.column_stack([xs, ys]))
    plans = [(st, b) for st in n.streets for b in st.buildings]
    if not plans:
        return
    bx = np.array([s.margin + st.x0 + b.x for st, b in plans])
    by = np.array([s.margin + st.row * s.row_spacing + b.y for st, b in plans])
    bw = np.array([b.width for _, b in plans])
    bd = np.array([b.depth for _, b in plans])
    mx, my = n.to_metric(np.stack([bx, bx + bw, bx + bw, bx, bx], axis=1), np.stack([by, by, by + bd, by + bd, by], axis=1))
    footprints = shapely.polygons(np.stack([mx, my], axis=2))
    px, py = n.to_metric(bx + bw / 2, by + bd / 2)
    points = shapely.points(px, py)
    bounds = np.stack([mx.min(axis=1), my.min(axis=1), mx.max(axis=1), my.max(axis=1)], axis=1).tolist()
    for (_, b), f, p, x, y, bb in zip(plans, footprints, points, px.tolist(), py.tolist(), bounds, strict=True):
        b.footprint, b.point, b.px, b.py, b.bounds = f, p, x, y, tuple(bb)


def generate_layout(register: CleanRegister, boundary_lonlat: MultiPolygon, *, seed: int) -> DemoLayout:
    """Lay out the whole demo city in metres. Same register, boundary and seed → the same city."""
    boundary_metric = to_metric(boundary_lonlat)
    by_nb: dict[str, list[StreetSpec]] = {}
    for street in register.streets:
        by_nb.setdefault(street.neighbourhood.code, []).append(street)
    layouts = [_lay_out_neighbourhood(spec, by_nb[spec.code], seed=seed) for spec in register.neighbourhoods]
    # Соцмісто first, at the centre; then the other urban districts, largest first; then the rest.
    order = sorted(layouts, key=lambda n: (n.spec.code != "sotsmisto", not n.spec.urban, -n.width * n.height,
                                           n.spec.code))
    _place(order, boundary_metric, seed=seed)
    for n in layouts:
        _materialise(n)
    return DemoLayout(seed=seed, boundary_metric=boundary_metric, neighbourhoods=layouts)
