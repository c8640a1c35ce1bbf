"""HTML → PDF for the reports (WeasyPrint), from the same templates the staff pages show.

PDF-only styling lives in reports/static/reports/print.css, passed to WeasyPrint as a stylesheet file
(the templates served to browsers carry no inline styles: a Content-Security-Policy is coming).
Fonts: DejaVu (fonts-dejavu-core, scripts/deps.sh) has the Cyrillic glyphs.
"""

from __future__ import annotations

import base64
from pathlib import Path

PRINT_CSS = Path(__file__).resolve().parent / "static" / "reports" / "print.css"


def pdf_from_html(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF of an HTML document, styled by print.css. Images may be data: URIs (charts)."""
    from weasyprint import CSS, HTML  # heavy import (Pango), only where a PDF is made

    return HTML(string=html, base_url=base_url or str(PRINT_CSS.parent)).write_pdf(
        stylesheets=[CSS(filename=str(PRINT_CSS))])


def data_uri(png: bytes) -> str:
    """A PNG as a data: URI, for the PDF (WeasyPrint embeds it)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
