"""One rule for "many calls, one failure", used live at intake and by the analytics page.

Appeals of one category are neighbours when they lie within ``eps_m`` metres of each other in the
metric CRS (EPSG:32637) *and* were filed within ``window_hours`` of each other. An appeal is a *core*
when its neighbourhood (itself included) holds appeals from at least ``min_buildings`` distinct
buildings (an appeal with no building, a map pin, is a place of its own). Cores that are neighbours
form one incident, together with the neighbours of its cores (DBSCAN, with distinct buildings in
place of a point count: ten calls from one block are a repeat address, not an outage). An incident
is kept when it spans at least ``min_buildings`` buildings. The rule runs per category, so no water
never merges with no power, and the time window cuts a chain across the city over a month.

The analytics page (webmap.analytics.find_incidents) runs it over a period; intake runs it over the
recent appeals of the new appeal's category (appeals.outage_services.detect_outage), with the
per-category settings of ``settings.OUTAGE_DETECTION`` (``rule_for``).

    >>> pts = [AppealPoint(1, "water", 0, 0, 0.0, 10), AppealPoint(2, "water", 50, 0, 1.0, 11),
    ...        AppealPoint(3, "water", 100, 0, 2.0, 12), AppealPoint(4, "water", 5000, 0, 2.0, 13)]
    >>> [(i.category, i.count, i.buildings, i.appeal_ids) for i in find_incidents(pts, eps_m=120, window_hours=24,
    ...                                                                          min_buildings=3)]
    [('water', 3, 3, [1, 2, 3])]
    >>> same_block = [AppealPoint(i, "water", 0, 0, 0.0, 10) for i in range(5)]
    >>> find_incidents(same_block, eps_m=120, window_hours=24, min_buildings=3)
    []
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from shapely.geometry import MultiPoint

# Defaults for the analysts' page; every one can be changed per request.
DEFAULT_EPS_M = 250.0  # a block or two: one burst main, one transformer
DEFAULT_WINDOW_HOURS = 24.0  # calls about one outage come within a day
DEFAULT_MIN_BUILDINGS = 3  # fewer is a coincidence, not an incident
# The drawn extent: the convex hull of the members, widened by this many metres (a lone line of
# buildings has a hull of zero area).
EXTENT_BUFFER_M = 30.0

# Live detection when settings.OUTAGE_DETECTION names no rule for a category it lists as {}.
LIVE_DEFAULTS = {"min_buildings": 3, "radius_m": 300.0, "window_minutes": 60.0}


@dataclass(frozen=True)
class AppealPoint:
    """One appeal as the rule sees it: x, y in EPSG:32637 metres, t in hours since any fixed origin."""

    id: int
    category: str
    x: float
    y: float
    t: float
    building_id: int | None = None  # None: a place of its own (a pin with no building)


@dataclass
class Incident:
    category: str
    count: int  # appeals
    buildings: int  # distinct buildings (pins count one each)
    appeal_ids: list[int]
    start_t: float
    end_t: float
    extent_wkt: str  # polygon in EPSG:32637 (metres)
    centre: tuple[float, float]  # x, y in EPSG:32637


@dataclass(frozen=True)
class Rule:
    """A live-detection rule of one category: min_buildings within radius_m metres and window_minutes."""

    min_buildings: int
    radius_m: float
    window_minutes: float

    @property
    def window_hours(self) -> float:
        return self.window_minutes / 60.0


def rule_for(category_code: str, settings_rules: dict | None = None) -> Rule | None:
    """The category's live rule from settings.OUTAGE_DETECTION (None: the category is not watched).

    >>> rule_for("no_power", {"no_power": {"min_buildings": 4}})
    Rule(min_buildings=4, radius_m=300.0, window_minutes=60.0)
    >>> rule_for("garbage", {"no_power": {}}) is None
    True
    """
    if settings_rules is None:
        from django.conf import settings

        settings_rules = getattr(settings, "OUTAGE_DETECTION", {})
    if category_code not in settings_rules:
        return None
    merged = {**LIVE_DEFAULTS, **(settings_rules[category_code] or {})}
    return Rule(min_buildings=int(merged["min_buildings"]), radius_m=float(merged["radius_m"]),
                window_minutes=float(merged["window_minutes"]))


def _places(points: list[AppealPoint]) -> np.ndarray:
    """A place id per point: its building, or a negative id of its own."""
    return np.array([p.building_id if p.building_id is not None else -(p.id + 1) for p in points], dtype=np.int64)


# Candidate pairs are expanded this many at a time (memory stays bounded on a long analytics period).
_PAIR_BLOCK = 1_000_000


def _neighbour_pairs(xy: np.ndarray, t: np.ndarray, *, eps_m: float, window_hours: float) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i, j), each point with itself included, within eps_m metres and window_hours hours.

    A sweep along one axis (x, y or time, whichever leaves the fewest candidates): sorted along it, the
    points within reach of each one are a run of the sorted array (two binary searches for all of them),
    and only those are measured. Plain numpy: no index to build, and no import (scikit-learn, scipy)
    paid at the first appeal a worker sees.
    """
    n = len(t)
    best = None
    # A hair wider than the reach along the axis; the exact tests below decide (floating-point rounding).
    for values, reach in ((xy[:, 0], eps_m), (xy[:, 1], eps_m), (t, window_hours)):
        order = np.argsort(values, kind="stable")
        v = values[order]
        slack = reach + 1e-6 * (1.0 + abs(reach))
        lo = np.searchsorted(v, v - slack, side="left")
        counts = np.searchsorted(v, v + slack, side="right") - lo
        total = int(counts.sum())
        if best is None or total < best[0]:
            best = (total, order, lo, counts)
    _, order, lo, counts = best
    ends = np.cumsum(counts)
    out_i, out_j = [], []
    start = 0
    while start < n:
        # As many points as keep this block's candidate pairs near _PAIR_BLOCK (at least one point).
        base = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, base + _PAIR_BLOCK, side="right")))
        c = counts[start:stop]
        pos = np.repeat(np.arange(start, stop), c)
        offset = np.arange(len(pos)) - np.repeat(np.cumsum(c) - c, c)
        i, j = order[pos], order[np.repeat(lo[start:stop], c) + offset]
        dx, dy = xy[i, 0] - xy[j, 0], xy[i, 1] - xy[j, 1]
        keep = (dx * dx + dy * dy <= eps_m * eps_m) & (np.abs(t[j] - t[i]) <= window_hours)
        out_i.append(i[keep])
        out_j.append(j[keep])
        start = stop
    return np.concatenate(out_i), np.concatenate(out_j)


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each node, the smallest node of its connected component (edges a[k]-b[k]).

    Min-label propagation with pointer jumping: every label is a node of the same component, each round
    takes the smaller label across every edge and then the label's own label; at the fixed point every
    edge joins equal labels, which is the component's smallest node.
    """
    label = np.arange(n)
    while len(a):
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]
        if np.array_equal(new, label):
            break
        label = new
    return label


def _clusters(points: list[AppealPoint], *, eps_m: float, window_hours: float, min_buildings: int) -> np.ndarray:
    """A label per point (-1 = noise), DBSCAN with the distinct-building core condition."""
    n = len(points)
    xy = np.array([(p.x, p.y) for p in points], dtype=float).reshape(n, 2)
    t = np.array([p.t for p in points], dtype=float)
    _, place = np.unique(_places(points), return_inverse=True)
    i, j = _neighbour_pairs(xy, t, eps_m=eps_m, window_hours=window_hours)
    # Distinct places in each point's neighbourhood (itself included).
    seen = np.unique(i * (int(place.max()) + 1) + place[j])
    core = np.bincount(seen // (int(place.max()) + 1), minlength=n) >= min_buildings
    labels = np.full(n, -1, dtype=np.int64)
    if not core.any():
        return labels
    both = core[i] & core[j] & (i != j)
    root = _components(n, i[both], j[both])
    # Components numbered in order of their first point (deterministic labels): a component's root is its
    # first point.
    cores = np.flatnonzero(core)
    _, labels[cores] = np.unique(root[cores], return_inverse=True)
    # A border point joins the cluster of its first core neighbour.
    border = ~core[i] & core[j]
    first_core = np.full(n, n)
    np.minimum.at(first_core, i[border], j[border])
    joined = np.flatnonzero(first_core < n)
    labels[joined] = labels[first_core[joined]]
    return labels


def find_incidents(points: Iterable[AppealPoint], *, eps_m: float = DEFAULT_EPS_M,
                   window_hours: float = DEFAULT_WINDOW_HOURS, min_buildings: int = DEFAULT_MIN_BUILDINGS,
                   containing: int | None = None) -> list[Incident]:
    """Incidents among ``points``, per category; sorted by size (largest first), then category and start.

    ``containing``: only the incident holding the appeal with this id (live detection asks about the new
    appeal; the others around it are not drawn).
    """
    by_category: dict[str, list[AppealPoint]] = {}
    for p in points:
        by_category.setdefault(p.category, []).append(p)
    incidents: list[Incident] = []
    for category, members in sorted(by_category.items()):
        if len(members) < min_buildings:
            continue
        labels = _clusters(members, eps_m=eps_m, window_hours=window_hours, min_buildings=min_buildings).tolist()
        groups: dict[int, list[AppealPoint]] = {}
        for p, lab in zip(members, labels, strict=True):
            if lab != -1:
                groups.setdefault(lab, []).append(p)
        if containing is not None:
            groups = {lab: g for lab, g in groups.items() if any(p.id == containing for p in g)}
        for _label, group in sorted(groups.items()):
            buildings = len(set(_places(group).tolist()))
            if buildings < min_buildings:
                continue
            hull = MultiPoint([(p.x, p.y) for p in group]).convex_hull.buffer(EXTENT_BUFFER_M, quad_segs=4)
            incidents.append(Incident(
                category=category, count=len(group), buildings=buildings, appeal_ids=sorted(p.id for p in group),
                start_t=min(p.t for p in group), end_t=max(p.t for p in group), extent_wkt=hull.wkt,
                centre=(sum(p.x for p in group) / len(group), sum(p.y for p in group) / len(group)),
            ))
    incidents.sort(key=lambda i: (-i.count, i.category, i.start_t))
    return incidents
