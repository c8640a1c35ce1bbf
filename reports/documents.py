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


def period_context(report, *, charts: dict) -> dict:
    from reports.period import ACCEPT_HOURS

    return {"report": report, "headline": [report.calls, report.appeals], "quality_rows": report.quality_rows(),
            "charts": charts, "accept_hours": ACCEPT_HOURS}


def period_pdf(report) -> bytes:
    """The period report as PDF: the same body as the page, with the two charts embedded."""
    from django.template.loader import render_to_string

    from reports import charts

    images = {"monthly": data_uri(charts.monthly_png(report.monthly)),
              "choropleth": data_uri(charts.choropleth_png(report.neighbourhood_counts))}
    html = render_to_string("reports/period_document.html", period_context(report, charts=images))
    return pdf_from_html(html)
