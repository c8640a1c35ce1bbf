"""Incidents: appeals of one category close in space *and* time, found with DBSCAN.

Two appeals are neighbours when they lie within ``eps_m`` metres of each other in the metric
CRS (EPSG:32637) *and* were filed within ``window_hours`` of each other. DBSCAN runs per
category on a precomputed sparse neighbour graph, so a burst main on Monday and another
one a street away on Friday stay two incidents, and no water never merges with no power.
(One run over the whole city and period would chain everything into one blob.)

    >>> pts = [AppealPoint(1, "water", 0, 0, 0.0), AppealPoint(2, "water", 50, 0, 1.0),
    ...        AppealPoint(3, "water", 100, 0, 2.0), AppealPoint(4, "water", 5000, 0, 2.0)]
    >>> [(i.category, i.count, i.appeal_ids) for i in find_incidents(pts, eps_m=120, window_hours=24, min_appeals=3)]
    [('water', 3, [1, 2, 3])]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from shapely.geometry import MultiPoint
from sklearn.cluster import DBSCAN
from sklearn.neighbors import KDTree

# Defaults for the analysts' page; every one can be changed per request.
DEFAULT_EPS_M = 250.0  # a block or two: one burst main, one transformer
DEFAULT_WINDOW_HOURS = 24.0  # calls about one outage come within a day
DEFAULT_MIN_APPEALS = 3  # fewer is a coincidence, not an incident
# The drawn extent: the convex hull of the members, widened by this many metres (a lone line of
# buildings has a hull of zero area).
EXTENT_BUFFER_M = 30.0


@dataclass(frozen=True)
class AppealPoint:
    """One appeal as DBSCAN sees it: x, y in EPSG:32637 metres, t in hours since any fixed origin."""

    id: int
    category: str
    x: float
    y: float
    t: float


@dataclass
class Incident:
    category: str
    count: int
    appeal_ids: list[int]
    start_t: float
    end_t: float
    extent_wkt: str  # polygon in EPSG:32637 (metres)
    centre: tuple[float, float]  # x, y in EPSG:32637


def _labels(points: list[AppealPoint], *, eps_m: float, window_hours: float, min_appeals: int) -> np.ndarray:
    xy = np.array([(p.x, p.y) for p in points], dtype=float)
    t = np.array([p.t for p in points], dtype=float)
    tree = KDTree(xy)
    neighbours, distances = tree.query_radius(xy, r=eps_m, return_distance=True)
    rows, cols, data = [], [], []
    for i, (idx, dist) in enumerate(zip(neighbours, distances, strict=True)):
        keep = np.abs(t[idx] - t[i]) <= window_hours
        rows.extend([i] * int(keep.sum()))
        cols.extend(idx[keep].tolist())
        data.extend(dist[keep].tolist())
    # Only stored entries are neighbours; a stored 0.0 (same building) still counts as one.
    graph = csr_matrix((data, (rows, cols)), shape=(len(points), len(points)))
    return DBSCAN(eps=eps_m, min_samples=min_appeals, metric="precomputed").fit(graph).labels_


def find_incidents(points: Iterable[AppealPoint], *, eps_m: float = DEFAULT_EPS_M,
                   window_hours: float = DEFAULT_WINDOW_HOURS, min_appeals: int = DEFAULT_MIN_APPEALS) -> list[Incident]:
    """Incidents among ``points``, per category; sorted by size (largest first), then category and start."""
    by_category: dict[str, list[AppealPoint]] = {}
    for p in points:
        by_category.setdefault(p.category, []).append(p)
    incidents: list[Incident] = []
    for category, members in sorted(by_category.items()):
        if len(members) < min_appeals:
            continue
        labels = _labels(members, eps_m=eps_m, window_hours=window_hours, min_appeals=min_appeals)
        for label in sorted(set(labels.tolist()) - {-1}):
            group = [p for p, lab in zip(members, labels, strict=True) if lab == label]
            hull = MultiPoint([(p.x, p.y) for p in group]).convex_hull.buffer(EXTENT_BUFFER_M, quad_segs=4)
            incidents.append(Incident(
                category=category, count=len(group), appeal_ids=sorted(p.id for p in group),
                start_t=min(p.t for p in group), end_t=max(p.t for p in group), extent_wkt=hull.wkt,
                centre=(sum(p.x for p in group) / len(group), sum(p.y for p in group) / len(group)),
            ))
    incidents.sort(key=lambda i: (-i.count, i.category, i.start_t))
    return incidents
