"""Charts of the period report, drawn offline with matplotlib (Agg) on our own geometry (no basemap tiles).

monthly_png: calls and appeals per month against the same months a year earlier.
choropleth_png: appeals per neighbourhood on their outlines, projected by PostGIS into the metric CRS
(EPSG:32637) so shapes are true.

matplotlib's Figure is used without pyplot (no global state, no GUI backend: safe in a page view or a worker,
and a good part of a second less to import); the outlines are read as plain coordinates, so no GeoDataFrame
(and no pandas) is needed. `load_engine` imports matplotlib and `neighbourhood_outlines` reads the outlines
ahead, e.g. while the report's figures are being counted.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from gis.srid import METRIC_SRID

LABELLED_MAX = 40


@dataclass(frozen=True)
class Outline:
    """A neighbourhood's boundary in metres (rings: exterior and holes of every part) and a point inside it."""

    pk: int
    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]
    label_at: tuple[float, float]


def load_engine() -> None:
    """Import matplotlib's figure and Agg canvas now (a few hundred milliseconds)."""
    _figure_class()


def _figure_class():
    import matplotlib

    matplotlib.rcParams["font.family"] = "DejaVu Sans"
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401 (the PNG writer)
    from matplotlib.figure import Figure

    return Figure


def _figure(size: tuple[float, float]):
    return _figure_class()(figsize=size)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def monthly_png(rows) -> bytes:
    """rows: (month, calls, appeals, calls a year earlier, appeals a year earlier), as PeriodReport.monthly."""
    months = [m for m, *_rest in rows]
    labels = [f"{m:%m.%Y}" for m in months]
    x = range(len(months))
    fig = _figure((9, 3.6))
    ax = fig.subplots()
    ax.plot(x, [r[1] for r in rows], marker="o", color="#1f4e99", label="дзвінки")
    ax.plot(x, [r[3] for r in rows], linestyle="--", color="#1f4e99", alpha=0.5, label="дзвінки, рік тому")
    ax.plot(x, [r[2] for r in rows], marker="s", color="#c0392b", label="звернення")
    ax.plot(x, [r[4] for r in rows], linestyle="--", color="#c0392b", alpha=0.5, label="звернення, рік тому")
    ax.set_xticks(list(x), labels, rotation=45 if len(months) > 8 else 0, fontsize=8)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncols=2)
    ax.set_title("Дзвінки та звернення за місяцями", fontsize=10)
    return _png(fig)


def neighbourhood_outlines() -> list[Outline]:
    """Every neighbourhood with a boundary, transformed to metres by PostGIS."""
    from django.contrib.gis.db.models.functions import PointOnSurface, Transform

    from layers.models import Neighbourhood

    out = []
    for pk, name, geom, inside in (Neighbourhood.objects.filter(geom__isnull=False)
                                   .annotate(m=Transform("geom", METRIC_SRID))
                                   .annotate(p=PointOnSurface("m")).order_by("pk")
                                   .values_list("pk", "name_uk", "m", "p")):
        parts = geom if geom.geom_type == "MultiPolygon" else [geom]
        rings = tuple(tuple(ring.coords) for polygon in parts for ring in polygon)
        out.append(Outline(pk=pk, name=name, rings=rings, label_at=(inside.x, inside.y)))
    return out


def choropleth_png(counts: dict, *, outlines: list[Outline] | None = None) -> bytes:
    """Appeals per neighbourhood (id → count) on the neighbourhoods' own outlines (read now unless given)."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import PatchCollection
    from matplotlib.colors import Normalize
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    outlines = neighbourhood_outlines() if outlines is None else outlines
    fig = _figure((7, 6))
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_title("Звернення за мікрорайонами", fontsize=10)
    if not outlines:
        ax.text(0.5, 0.5, "немає меж мікрорайонів", ha="center", va="center", transform=ax.transAxes)
        return _png(fig)
    values = [counts.get(o.pk, 0) for o in outlines]
    norm, cmap = Normalize(vmin=min(values), vmax=max(values) or 1), colormaps["OrRd"]
    patches = []
    for o in outlines:
        vertices, codes = [], []
        for ring in o.rings:
            vertices += ring
            codes += [Path.MOVETO] + [Path.LINETO] * (len(ring) - 2) + [Path.CLOSEPOLY]
        patches.append(PathPatch(Path(vertices, codes)))
    shapes = PatchCollection(patches, cmap=cmap, norm=norm, edgecolor="#555", linewidth=0.4)
    shapes.set_array(values)
    ax.add_collection(shapes)
    ax.autoscale_view()
    ax.set_aspect("equal")
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6, label="звернень")
    if len(outlines) <= LABELLED_MAX:  # names and counts where they fit; a crowded map keeps only its colours
        for o, n in zip(outlines, values, strict=True):
            ax.annotate(f"{o.name}\n{n}", o.label_at, ha="center", va="center", fontsize=6, color="#111")
    return _png(fig)
