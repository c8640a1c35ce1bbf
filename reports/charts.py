"""Charts of the period report, drawn offline with matplotlib (Agg) on our own geometry (no basemap tiles).

monthly_png: calls and appeals per month against the same months a year earlier.
choropleth_png: appeals per neighbourhood, in the metric CRS (EPSG:32637) so shapes are true.
"""

from __future__ import annotations

import io

from gis.srid import METRIC_SRID, STORAGE_SRID

LABELLED_MAX = 40


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display, thread-safe enough for a page view or a worker
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = "DejaVu Sans"
    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def monthly_png(rows) -> bytes:
    """rows: (month, calls, appeals, calls a year earlier, appeals a year earlier), as PeriodReport.monthly."""
    plt = _pyplot()
    months = [m for m, *_rest in rows]
    labels = [f"{m:%m.%Y}" for m in months]
    x = range(len(months))
    fig, ax = plt.subplots(figsize=(9, 3.6))
    try:
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
    finally:
        plt.close(fig)


def choropleth_png(counts: dict) -> bytes:
    """Appeals per neighbourhood (id → count) on the neighbourhoods' own outlines."""
    import geopandas as gpd
    from shapely import wkb

    from layers.models import Neighbourhood

    plt = _pyplot()
    rows = list(Neighbourhood.objects.filter(geom__isnull=False).values_list("pk", "name_uk", "geom"))
    fig, ax = plt.subplots(figsize=(7, 6))
    try:
        ax.set_axis_off()
        ax.set_title("Звернення за мікрорайонами", fontsize=10)
        if not rows:
            ax.text(0.5, 0.5, "немає меж мікрорайонів", ha="center", va="center", transform=ax.transAxes)
            return _png(fig)
        gdf = gpd.GeoDataFrame(
            {"id": [r[0] for r in rows], "name": [r[1] for r in rows], "n": [counts.get(r[0], 0) for r in rows]},
            geometry=[wkb.loads(bytes(r[2].wkb)) for r in rows], crs=f"EPSG:{STORAGE_SRID}",
        ).to_crs(epsg=METRIC_SRID)
        gdf.plot(column="n", ax=ax, cmap="OrRd", legend=True, edgecolor="#555", linewidth=0.4,
                 legend_kwds={"shrink": 0.6, "label": "звернень"})
        if len(gdf) <= LABELLED_MAX:  # names and counts where they fit; a crowded map keeps only its colours
            for _i, row in gdf.iterrows():
                pt = row.geometry.representative_point()
                ax.annotate(f"{row['name']}\n{row['n']}", (pt.x, pt.y), ha="center", va="center", fontsize=6,
                            color="#111")
        return _png(fig)
    finally:
        plt.close(fig)
