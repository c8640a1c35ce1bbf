"""HTML → PDF for the reports (WeasyPrint), from the same templates the staff pages show.

PDF-only styling lives in reports/static/reports/print.css, passed to WeasyPrint as a stylesheet file
(the templates served to browsers carry no inline styles: a Content-Security-Policy is coming).
Fonts: DejaVu (fonts-dejavu-core, scripts/deps.sh) has the Cyrillic glyphs.
"""

from __future__ import annotations

import base64
from pathlib import Path

PRINT_CSS = Path(__file__).resolve().parent / "static" / "reports" / "print.css"


def load_engine() -> None:
    """Import WeasyPrint (and with it Pango and the fonts) now, e.g. in a thread while the figures are read."""
    import weasyprint  # noqa: F401


def pdf_from_html(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF of an HTML document, styled by print.css. Images may be data: URIs (charts)."""
    from weasyprint import CSS, HTML  # heavy import (Pango), only where a PDF is made

    return HTML(string=html, base_url=base_url or str(PRINT_CSS.parent)).write_pdf(
        stylesheets=[CSS(filename=str(PRINT_CSS))])


def data_uri(png: bytes) -> str:
    """A PNG as a data: URI, for the PDF (WeasyPrint embeds it)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# The PDF is read on paper: a breakdown longer than this shows its largest rows and one line for the rest, and the
# provider performance its providers with the most appeals; every row is in the XLSX (and on the pages).
PDF_ROWS_MAX = 25


def _pdf_breakdown(b):
    from dataclasses import replace

    from django.utils.translation import gettext as _

    from reports.period import Row

    if len(b.rows) <= PDF_ROWS_MAX + 1:
        return b
    shown, rest = b.rows[:PDF_ROWS_MAX], b.rows[PDF_ROWS_MAX:]
    other = Row("other", _("інші (%(n)s) — у XLSX") % {"n": len(rest)}, sum(r.current for r in rest),
                sum(r.previous for r in rest))
    return replace(b, rows=[*shown, other])


def period_context(report, *, charts: dict, pdf: bool = False) -> dict:
    from reports.period import ACCEPT_HOURS

    breakdowns, performance = report.breakdowns, report.performance
    if pdf:
        breakdowns, performance = [_pdf_breakdown(b) for b in breakdowns], performance[:PDF_ROWS_MAX]
    return {"report": report, "headline": [report.calls, report.appeals], "quality_rows": report.quality_rows(),
            "charts": charts, "accept_hours": ACCEPT_HOURS, "breakdowns": breakdowns, "performance": performance,
            "performance_more": len(report.performance) - len(performance)}


def prepare_period_pdf() -> dict:
    """What a period PDF needs besides the figures, made ahead (e.g. in a thread while the figures are counted):
    WeasyPrint and matplotlib imported, the neighbourhoods' outlines read. Pass the result to period_pdf."""
    from reports import charts

    load_engine()
    charts.load_engine()
    return {"outlines": charts.neighbourhood_outlines()}


def period_pdf(report, *, prepared: dict | None = None) -> bytes:
    """The period report as PDF: the same body as the page (long tables cut to their largest rows, all of them
    in the XLSX), with the two charts embedded."""
    from django.template.loader import render_to_string

    from reports import charts

    prepared = prepared or {}
    images = {"monthly": data_uri(charts.monthly_png(report.monthly)),
              "choropleth": data_uri(charts.choropleth_png(report.neighbourhood_counts,
                                                           outlines=prepared.get("outlines")))}
    html = render_to_string("reports/period_document.html", period_context(report, charts=images, pdf=True))
    return pdf_from_html(html)
