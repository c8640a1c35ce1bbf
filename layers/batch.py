"""Batch routing of many points at once (manage.py route_points, the benchmark), in memory with shapely 2.

Same rules as layers.routing (assignment > covering area > priority; gap/overlap explicit; `covers`
semantics: a point on an edge belongs to the area), computed without a query per point:

1. A grid (cells of about `cell_m` metres) is laid over the service areas. For every area the cells
   it covers entirely and the cells its boundary crosses are found once. A cell crossed by no boundary
   has the same set of covering areas for every point in it; those sets are resolved per service kind
   once ("signatures"), and points in such cells are routed by two array look-ups, no polygon test.
2. Points in boundary cells are tested only against the areas whose boundary crosses their cell
   (prepared geometries, vectorised `intersects_xy`, which for a point is `covers`).
3. Points inside the footprint of a building with an assignment take the assignment (tested only in
   the cells those footprints touch).

4. For gaps, `nearest_within` suggests the nearest area of the kind within 100 m, measured in
   EPSG:32637 (as route_point does for a single point), for a human to confirm.

>>> import numpy as np, shapely
>>> a = BatchArea(id=1, provider_id=7, priority=0, kinds=("water",), geom=shapely.box(0, 0, 2, 2))
>>> b = BatchArea(id=2, provider_id=8, priority=0, kinds=("water",), geom=shapely.box(2, 0, 4, 2))
>>> router = BatchRouter(areas=[a, b], assignments=[], kinds=["water"], cell_deg=(0.5, 0.5))
>>> r = router.route(np.array([1.0, 2.0, 9.0]), np.array([1.0, 1.0, 9.0]))
>>> r.provider("water").tolist(), [OUTCOMES[o] for o in r.outcome("water")]
([7, 0, 0], ['assigned', 'overlap', 'gap'])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import shapely

ASSIGNED, GAP, OVERLAP = 0, 1, 2
OUTCOMES = ("assigned", "gap", "overlap")
RULE_NONE, RULE_AREA, RULE_PRIORITY, RULE_ASSIGNMENT = 0, 1, 2, 3
RULES = ("none", "area", "priority", "assignment")


@dataclass(frozen=True)
class BatchArea:
    id: int
    provider_id: int
    priority: int
    kinds: tuple[str, ...]
    geom: shapely.Geometry  # lon/lat


@dataclass(frozen=True)
class BatchAssignment:
    id: int
    provider_id: int
    kinds: tuple[str, ...]
    footprint: shapely.Geometry  # the building's footprint, lon/lat


@dataclass
class BatchResult:
    """The routing of n points, compactly: each point's covering-set signature and the resolved table.

    table[signature, kind] = (provider id (0 = none), outcome, area id (0 = none), rule); assignments
    override single (point, kind) entries. column(kind) gives arrays aligned with the input points.
    """

    kinds: list[str]
    signature: np.ndarray  # (n,) int64
    table: np.ndarray  # (signatures, kinds, 4) int64
    overrides: dict[tuple[int, int], tuple[int, int, int, int]]  # (point, kind index) → row

    def column(self, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(provider, outcome, area, rule) arrays for one service kind."""
        k = self.kinds.index(kind)
        # One small contiguous table column gathered per point: cheaper than gathering whole (n, 4) rows.
        cols = [np.take(np.ascontiguousarray(self.table[:, k, c]), self.signature) for c in range(4)]
        for (p, kk), values in self.overrides.items():
            if kk == k:
                for c in range(4):
                    cols[c][p] = values[c]
        return cols[0], cols[1], cols[2], cols[3]

    def provider(self, kind: str) -> np.ndarray:
        return self.column(kind)[0]

    def outcome(self, kind: str) -> np.ndarray:
        return self.column(kind)[1]


class BatchRouter:
    def __init__(self, *, areas: Sequence[BatchArea], assignments: Sequence[BatchAssignment], kinds: Sequence[str],
                 cell_deg: tuple[float, float]):
        self.kinds = list(kinds)
        self.kind_index = {k: i for i, k in enumerate(self.kinds)}
        self.areas = sorted(areas, key=lambda a: a.id)
        self.assignments = sorted(assignments, key=lambda a: a.id)
        n_areas = len(self.areas)
        self.area_provider = np.array([a.provider_id for a in self.areas], dtype=np.int64)
        self.area_priority = np.array([a.priority for a in self.areas], dtype=np.int64)
        self.area_ids = np.array([a.id for a in self.areas], dtype=np.int64)
        # Boolean matrix area × kind.
        self.area_kind = np.zeros((n_areas, len(self.kinds)), dtype=bool)
        for i, a in enumerate(self.areas):
            for k in a.kinds:
                if k in self.kind_index:
                    self.area_kind[i, self.kind_index[k]] = True
        self.geoms = [a.geom for a in self.areas]
        for g in self.geoms:
            shapely.prepare(g)
        self._build_grid(cell_deg)

    # -- precomputation -------------------------------------------------------------------------
    def _build_grid(self, cell_deg: tuple[float, float]) -> None:
        self.dx, self.dy = cell_deg
        bounds = [a.geom.bounds for a in self.areas] + [s.footprint.bounds for s in self.assignments]
        if not bounds:
            bounds = [(0.0, 0.0, 0.0, 0.0)]
        arr = np.array(bounds)
        self.x0, self.y0 = arr[:, 0].min(), arr[:, 1].min()
        self.nx = max(1, math.ceil((arr[:, 2].max() - self.x0) / self.dx) + 1)
        self.ny = max(1, math.ceil((arr[:, 3].max() - self.y0) / self.dy) + 1)
        n_cells = self.nx * self.ny
        full_cells: list[np.ndarray] = []
        full_areas: list[np.ndarray] = []
        # partial[cell] = areas whose boundary crosses the cell (sparse, as sorted pairs)
        partial_cells: list[np.ndarray] = []
        partial_areas: list[np.ndarray] = []
        for i, g in enumerate(self.geoms):
            full, partial = self._classify(g)
            full_cells.append(full)
            full_areas.append(np.full(len(full), i, dtype=np.int64))
            partial_cells.append(partial)
            partial_areas.append(np.full(len(partial), i, dtype=np.int64))
        self.cell_undecided = np.zeros(n_cells, dtype=bool)
        pc = np.concatenate(partial_cells) if partial_cells else np.zeros(0, dtype=np.int64)
        pa = np.concatenate(partial_areas) if partial_areas else np.zeros(0, dtype=np.int64)
        self.cell_undecided[pc] = True
        # Per area, the cells where its boundary passes (for testing only the right points).
        self.partial_by_area = np.zeros((len(self.areas), n_cells), dtype=bool) if len(self.areas) * n_cells < 2e8 \
            else None
        if self.partial_by_area is not None:
            self.partial_by_area[pa, pc] = True
        self._partial_pairs = (pc, pa)
        # Signatures of decided cells: the sorted tuple of areas covering the whole cell.
        fc = np.concatenate(full_cells) if full_cells else np.zeros(0, dtype=np.int64)
        fa = np.concatenate(full_areas) if full_areas else np.zeros(0, dtype=np.int64)
        order = np.lexsort((fa, fc))
        fc, fa = fc[order], fa[order]
        # Dense area × cell matrices while they stay small (< 200 MB); sorted pairs beyond that.
        self._full_pairs = (fc, fa)
        self.full_by_area = None
        if self.partial_by_area is not None:
            self.full_by_area = np.zeros((len(self.areas), n_cells), dtype=bool)
            self.full_by_area[fa, fc] = True
        if self.full_by_area is not None:
            self.cell_sig, self.sig_sets = self._signatures_dense(self.full_by_area)
        else:
            self.cell_sig, self.sig_sets = self._signatures_sparse(fc, fa, n_cells)
        self.sig_table = self._resolve_sets(self.sig_sets)
        # Cells touched by an assigned building's footprint.
        self.cell_assigned = np.zeros(n_cells, dtype=bool)
        for s in self.assignments:
            cells, boxes = self._cells_in_bounds(s.footprint.bounds)
            self.cell_assigned[cells[shapely.intersects(s.footprint, boxes)]] = True
        self.assign_tree = shapely.STRtree([s.footprint for s in self.assignments]) if self.assignments else None

    @staticmethod
    def _signatures_dense(full_by_area: np.ndarray) -> tuple[np.ndarray, list[tuple[int, ...]]]:
        """Per cell, the index of its set of fully covering areas, and the sets (the empty set first, index 0):
        the area × cell matrix packed to bytes per cell and made unique, no Python loop per cell."""
        n_areas, n_cells = full_by_area.shape
        packed = np.ascontiguousarray(np.packbits(full_by_area, axis=0).T) if n_areas else np.zeros((n_cells, 1), np.uint8)
        width = packed.shape[1]
        keys = np.concatenate([np.zeros((1, width), np.uint8), packed]).view(np.dtype((np.void, width))).ravel()
        uniq, inverse = np.unique(keys, return_inverse=True)  # all-zero bytes sort first: the empty set is 0
        rows = np.unpackbits(uniq.view(np.uint8).reshape(len(uniq), width), axis=1)[:, :n_areas]
        return inverse.ravel()[1:].astype(np.int64), [tuple(np.flatnonzero(r).tolist()) for r in rows]

    @staticmethod
    def _signatures_sparse(fc: np.ndarray, fa: np.ndarray, n_cells: int) -> tuple[np.ndarray, list[tuple[int, ...]]]:
        """The same from sorted (cell, area) pairs, for grids too big for the dense matrices."""
        cell_sets: dict[int, tuple[int, ...]] = {}
        if len(fc):
            starts = np.flatnonzero(np.r_[True, fc[1:] != fc[:-1]])
            ends = np.r_[starts[1:], len(fc)]
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                cell_sets[int(fc[s])] = tuple(fa[s:e].tolist())
        signatures: dict[tuple[int, ...], int] = {(): 0}
        cell_sig = np.zeros(n_cells, dtype=np.int64)
        for cell, areas in cell_sets.items():
            cell_sig[cell] = signatures.setdefault(areas, len(signatures))
        return cell_sig, sorted(signatures, key=signatures.get)

    def _classify(self, g: shapely.Geometry) -> tuple[np.ndarray, np.ndarray]:
        """(cells g covers entirely, cells its boundary may cross), as global cell ids.

        The boundary is sampled every half cell and the touched cells widened by one cell, so no
        crossed cell is missed (a wider band only means a few more exact tests). Every other cell lies
        wholly inside or wholly outside, as does a run of such cells along a row: one centre per run decides it.
        """
        minx, miny, maxx, maxy = g.bounds
        i0, i1 = max(int((minx - self.x0) // self.dx) - 1, 0), min(int((maxx - self.x0) // self.dx) + 1, self.nx - 1)
        j0, j1 = max(int((miny - self.y0) // self.dy) - 1, 0), min(int((maxy - self.y0) // self.dy) + 1, self.ny - 1)
        w, h = i1 - i0 + 1, j1 - j0 + 1
        band = np.zeros((h, w), dtype=bool)
        coords = shapely.get_coordinates(shapely.segmentize(shapely.boundary(g), min(self.dx, self.dy) / 2))
        ci = np.clip(np.floor((coords[:, 0] - self.x0) / self.dx).astype(np.int64) - i0, 0, w - 1)
        cj = np.clip(np.floor((coords[:, 1] - self.y0) / self.dy).astype(np.int64) - j0, 0, h - 1)
        band[cj, ci] = True
        # Widen the band by one cell each way (a 3 × 3 dilation, by shifted ORs: no scipy to import).
        wide = band.copy()
        wide[1:, :] |= band[:-1, :]
        wide[:-1, :] |= band[1:, :]
        band = wide.copy()
        band[:, 1:] |= wide[:, :-1]
        band[:, :-1] |= wide[:, 1:]
        # Every other cell lies wholly inside or wholly outside, and so does each run of such cells along a
        # row (no boundary between neighbours outside the band): the centre of a run's first cell decides it.
        starts = ~band
        starts[:, 1:] &= band[:, :-1]
        flat_starts = starts.ravel()
        run_of = np.cumsum(flat_starts) - 1
        first = np.flatnonzero(flat_starts)
        jj, ii = np.divmod(first, w)
        run_inside = shapely.intersects_xy(g, self.x0 + (ii + i0 + 0.5) * self.dx, self.y0 + (jj + j0 + 0.5) * self.dy)
        rest = np.flatnonzero(~band.ravel())
        full_local = rest[run_inside[run_of[rest]]]
        band_local = np.flatnonzero(band.ravel())
        to_global = lambda local: (local // w + j0) * self.nx + (local % w + i0)  # noqa: E731
        return to_global(full_local), to_global(band_local)

    def _cells_in_bounds(self, bounds: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
        minx, miny, maxx, maxy = bounds
        i0, i1 = int((minx - self.x0) // self.dx), int((maxx - self.x0) // self.dx)
        j0, j1 = int((miny - self.y0) // self.dy), int((maxy - self.y0) // self.dy)
        ii, jj = np.meshgrid(np.arange(max(i0, 0), min(i1, self.nx - 1) + 1),
                             np.arange(max(j0, 0), min(j1, self.ny - 1) + 1), indexing="xy")
        ii, jj = ii.ravel(), jj.ravel()
        boxes = shapely.box(self.x0 + ii * self.dx, self.y0 + jj * self.dy,
                            self.x0 + (ii + 1) * self.dx, self.y0 + (jj + 1) * self.dy)
        return jj * self.nx + ii, boxes

    def _resolve_sets(self, sets: Sequence[tuple[int, ...]]) -> np.ndarray:
        """For each set of covering areas and each kind: (provider, outcome, area id, rule) as an int64 array."""
        table = np.zeros((len(sets), len(self.kinds), 4), dtype=np.int64)
        table[:, :, 1] = GAP
        for s, areas in enumerate(sets):
            if not areas:
                continue
            idx = np.array(areas, dtype=np.int64)
            for k in range(len(self.kinds)):
                of_kind = idx[self.area_kind[idx, k]]
                if len(of_kind) == 0:
                    continue
                # Highest priority first, then lowest id (areas are sorted by id).
                order = np.lexsort((self.area_ids[of_kind], -self.area_priority[of_kind]))
                of_kind = of_kind[order]
                top = of_kind[0]
                if len(of_kind) == 1:
                    table[s, k] = (self.area_provider[top], ASSIGNED, self.area_ids[top], RULE_AREA)
                elif self.area_priority[of_kind[1]] < self.area_priority[top]:
                    table[s, k] = (self.area_provider[top], ASSIGNED, self.area_ids[top], RULE_PRIORITY)
                else:
                    table[s, k] = (0, OVERLAP, 0, RULE_NONE)
        return table

    # -- routing ------------------------------------------------------------------------------------
    def route(self, lon: np.ndarray, lat: np.ndarray) -> BatchResult:
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        ci = np.floor((lon - self.x0) / self.dx).astype(np.int64)
        cj = np.floor((lat - self.y0) / self.dy).astype(np.int64)
        inside = (ci >= 0) & (ci < self.nx) & (cj >= 0) & (cj < self.ny)
        cell = np.where(inside, cj * self.nx + ci, 0)
        sig = np.where(inside, self.cell_sig[cell], 0)
        table = self.sig_table
        u = np.flatnonzero(inside & self.cell_undecided[cell])
        if len(u):
            extra, inverse = self._route_undecided(u, lon, lat, cell)
            sig[u] = len(table) + inverse
            table = np.concatenate([table, extra])
        overrides: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        assigned = np.flatnonzero(inside & self.cell_assigned[cell])
        if len(assigned) and self.assign_tree is not None:
            overrides = self._assignments(assigned, lon, lat)
        return BatchResult(kinds=self.kinds, signature=sig, table=table, overrides=overrides)

    def _route_undecided(self, u: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                         cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Points in boundary cells: the cell's fully covering areas plus the crossing areas that cover the point."""
        ucell = cell[u]
        n_areas = len(self.areas)
        hits = np.zeros((len(u), n_areas), dtype=bool)
        for i in range(n_areas):
            if self.partial_by_area is not None:
                mask = self.partial_by_area[i, ucell]
            else:
                pc, pa = self._partial_pairs
                mask = np.isin(ucell, pc[pa == i])
            if mask.any():
                sel = np.flatnonzero(mask)
                hits[sel, i] = shapely.intersects_xy(self.geoms[i], lon[u[sel]], lat[u[sel]])
            if self.full_by_area is not None:
                hits[:, i] |= self.full_by_area[i, ucell]
            else:
                fc, fa = self._full_pairs
                hits[:, i] |= np.isin(ucell, fc[fa == i])
        # Resolve each distinct covering set once.
        packed = np.packbits(hits, axis=1) if n_areas else np.zeros((len(u), 1), dtype=np.uint8)
        uniq, inverse = np.unique(packed, axis=0, return_inverse=True)
        sets = [tuple(np.flatnonzero(np.unpackbits(row)[:n_areas]).tolist()) for row in uniq]
        return self._resolve_sets(sets), inverse.ravel()

    def _assignments(self, idx: np.ndarray, lon: np.ndarray,
                     lat: np.ndarray) -> dict[tuple[int, int], tuple[int, int, int, int]]:
        pts = shapely.points(lon[idx], lat[idx])
        p_i, s_i = self.assign_tree.query(pts, predicate="intersects")
        # Several assignments of one kind at one point: an overlap for a human.
        per: dict[tuple[int, int], list[int]] = {}
        for p, s in zip(p_i.tolist(), s_i.tolist(), strict=True):
            for kind in self.assignments[s].kinds:
                if kind in self.kind_index:
                    per.setdefault((int(idx[p]), self.kind_index[kind]), []).append(s)
        out: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for key, ss in per.items():
            if len(ss) == 1:
                out[key] = (self.assignments[ss[0]].provider_id, ASSIGNED, 0, RULE_ASSIGNMENT)
            else:
                out[key] = (0, OVERLAP, 0, RULE_ASSIGNMENT)
        return out


    def geometry_key(self, kind: str) -> tuple[bytes, ...]:
        """The shapes of a service kind's areas, in order (their WKB): kinds whose areas have the same
        shapes (one city-wide area per utility, each its own row) have the same near pairs (near_pairs)."""
        cache = self.__dict__.setdefault("_geometry_keys", {})
        if kind not in cache:
            k = self.kind_index.get(kind)
            members = () if k is None else np.flatnonzero(self.area_kind[:, k])
            cache[kind] = tuple(shapely.to_wkb(self.geoms[i]) for i in members)
        return cache[kind]

    def to_metric(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """lon/lat → METRIC_SRID x, y (once per chunk of points, for every kind's nearest_within)."""
        if "_to_metric" not in self.__dict__:
            from pyproj import Transformer

            from gis.srid import METRIC_SRID, STORAGE_SRID

            self._to_metric = Transformer.from_crs(STORAGE_SRID, METRIC_SRID, always_xy=True)
        return self._to_metric.transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))

    def near_pairs(self, kind: str, x: np.ndarray, y: np.ndarray, *, max_m: float = 100.0):
        """Every (point, area) within max_m metres of each other: point indexes, the areas' positions among the
        kind's areas, metres. x, y in METRIC_SRID (to_metric); distances are never measured in degrees."""
        empty = np.zeros(0, dtype=np.int64)
        k = self.kind_index.get(kind)
        if k is None or len(x) == 0:
            return empty, empty, np.zeros(0)
        tree, _members = self._metric_tree(k)
        if tree is None:
            return empty, empty, np.zeros(0)
        # Candidates: points inside the union of the kind's areas grown by a little more than max_m (one
        # prepared polygon, tested on raw coordinates: most points are far from every area), then inside
        # each grown area; the exact distance decides, for those candidates only.
        grown, grown_union = self._grown(k, max_m)
        near_any = np.flatnonzero(shapely.contains_xy(grown_union, x, y))
        found_p, found_t = [empty], [empty]
        for t, g in enumerate(grown):
            inside = near_any[shapely.contains_xy(g, x[near_any], y[near_any])]
            found_p.append(inside)
            found_t.append(np.full(len(inside), t, dtype=np.int64))
        p_i, t_i = np.concatenate(found_p), np.concatenate(found_t)
        if len(p_i) == 0:
            return empty, empty, np.zeros(0)
        d = shapely.distance(tree.geometries[t_i], shapely.points(x[p_i], y[p_i]))
        near = d <= max_m
        return p_i[near], t_i[near], d[near]

    def nearest_within(self, kind: str, lon: np.ndarray, lat: np.ndarray, *, max_m: float = 100.0,
                       xy: tuple[np.ndarray, np.ndarray] | None = None,
                       pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each point, the nearest area of `kind` within max_m metres: (area id, provider id, metres).

        0, 0, nan where there is none. Distances are measured in METRIC_SRID, never in degrees; ties go
        to the lower area id, as in layers.routing. ``xy``: the points already in METRIC_SRID (to_metric);
        ``pairs``: their near_pairs for a kind of the same geometry_key, already measured.
        """
        n = len(lon)
        area_out = np.zeros(n, dtype=np.int64)
        provider_out = np.zeros(n, dtype=np.int64)
        dist_out = np.full(n, np.nan)
        k = self.kind_index.get(kind)
        if k is None or n == 0:
            return area_out, provider_out, dist_out
        tree, members = self._metric_tree(k)
        if tree is None:
            return area_out, provider_out, dist_out
        if pairs is None:
            x, y = xy if xy is not None else self.to_metric(lon, lat)
            pairs = self.near_pairs(kind, x, y, max_m=max_m)
        p_i, t_i, d = pairs
        if len(p_i) == 0:
            return area_out, provider_out, dist_out
        a_i = members[t_i]
        # Sort by point, then distance, then area id; the first row of each point wins.
        order = np.lexsort((self.area_ids[a_i], d, p_i))
        p_sorted = p_i[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = p_sorted[1:] != p_sorted[:-1]
        win = order[first]
        area_out[p_i[win]] = self.area_ids[a_i[win]]
        provider_out[p_i[win]] = self.area_provider[a_i[win]]
        dist_out[p_i[win]] = d[win]
        return area_out, provider_out, dist_out

    def _grown(self, k: int, max_m: float) -> tuple[list, shapely.Geometry]:
        """The areas of kind k (metric) grown by max_m plus 1%, prepared, and their union (prepared);
        cached per (kind, distance)."""
        cache = self.__dict__.setdefault("_grown_areas", {})
        if (k, max_m) not in cache:
            tree, _members = self._metric_tree(k)
            grown = [shapely.buffer(g, max_m * 1.01, quad_segs=8) for g in tree.geometries]
            union = shapely.union_all(grown)
            for g in (*grown, union):
                shapely.prepare(g)
            cache[(k, max_m)] = (grown, union)
        return cache[(k, max_m)]

    def _metric_tree(self, k: int):
        """An STRtree of the areas of one kind in METRIC_SRID (built on first use), and their area indexes."""
        cache = self.__dict__.setdefault("_metric_trees", {})
        if k not in cache:
            self.to_metric(np.zeros(1), np.zeros(1))  # builds the transformer
            members = np.flatnonzero(self.area_kind[:, k])
            if len(members) == 0:
                cache[k] = (None, members)
            else:
                geoms = shapely.transform(
                    np.array([self.geoms[i] for i in members], dtype=object),
                    lambda xy: np.column_stack(self._to_metric.transform(xy[:, 0], xy[:, 1])))
                cache[k] = (shapely.STRtree(geoms), members)
        return cache[k]


def cell_degrees(*, cell_m: float, lat: float) -> tuple[float, float]:
    """Cell size in degrees for about cell_m metres at a latitude (the grid is an index, never a measure)."""
    return cell_m / (111_320.0 * math.cos(math.radians(lat))), cell_m / 110_574.0


def load_router(*, at: date | None = None, cell_m: float = 50.0) -> BatchRouter:
    """A BatchRouter over the registry's areas and assignments valid at a date (today in Kyiv by default)."""
    from django.db.models import Q
    from django.utils import timezone

    from layers.models import BuildingAssignment, ServiceArea, ServiceKind

    at = at or timezone.localdate()
    valid = (Q(valid_from__isnull=True) | Q(valid_from__lte=at)) & (Q(valid_to__isnull=True) | Q(valid_to__gte=at))
    areas = [
        BatchArea(id=a.id, provider_id=a.provider_id, priority=a.priority,
                  kinds=tuple(sorted(k.code for k in a.service_kinds.all())), geom=shapely.from_wkb(bytes(a.geom.wkb)))
        for a in ServiceArea.objects.filter(valid).prefetch_related("service_kinds").order_by("id")
    ]
    assignments = [
        BatchAssignment(id=s.id, provider_id=s.provider_id, kinds=tuple(sorted(k.code for k in s.service_kinds.all())),
                        footprint=shapely.from_wkb(bytes(s.building.geom.wkb)))
        for s in BuildingAssignment.objects.filter(valid).select_related("building")
        .prefetch_related("service_kinds").order_by("id")
    ]
    kinds = list(ServiceKind.objects.order_by("code").values_list("code", flat=True))
    lats = [a.geom.bounds[1] for a in areas] + [a.geom.bounds[3] for a in areas]
    mid_lat = (min(lats) + max(lats)) / 2 if lats else 48.7
    return BatchRouter(areas=areas, assignments=assignments, kinds=kinds, cell_deg=cell_degrees(cell_m=cell_m, lat=mid_lat))
