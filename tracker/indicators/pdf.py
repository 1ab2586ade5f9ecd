"""HTML to PDF for the evaluation report, with WeasyPrint: the page's own markup and a print stylesheet, the
charts being inline SVG. Nothing is fetched while rendering: the stylesheet is read from the static folder and
any other URL is refused."""
from pathlib import Path

from flask import current_app

STYLESHEET = "css/report-pdf.css"


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"The PDF renderer fetches nothing ({url}).")


def render_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML  # imported on use: it loads the Pango libraries

    stylesheet = CSS(filename=str(Path(current_app.static_folder) / STYLESHEET), url_fetcher=_no_fetching)
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf(stylesheets=[stylesheet])
