"""The session report as JSON, or as CSV that opens cleanly in a spreadsheet.

The CSV is UTF-8 with a BOM (so Excel keeps accents intact) and holds one section per part
of the report (questions, polls, breakout reports), each with its own header row. Cells
that a spreadsheet would run as a formula are prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from starlette.responses import JSONResponse, Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render_report(report: dict[str, Any], sections: dict[str, list[dict[str, Any]]], fmt: str,
                  name: str) -> Response:
    """`sections`: the flat rows each feature gives for the CSV (report() returns them
    under the key "csv"), by section name."""
    if fmt == "json":
        return JSONResponse(report)
    return Response(
        "\ufeff" + to_csv(report, sections),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def to_csv(report: dict[str, Any], sections: dict[str, list[dict[str, Any]]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["event", report["event"]["title"]])
    writer.writerow(["session", report["session"]["title"]])
    for section, rows in sections.items():
        writer.writerow([])
        writer.writerow([section])
        if not rows:
            continue
        header = list(rows[0])
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_cell(row.get(col)) for col in header])
    return out.getvalue()


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text.startswith(FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- the event-wide export (issue 14) ------------------------------------------------------------
def event_csv(title: str, sections: dict[str, list[dict[str, Any]]]) -> str:
    """Every section of the event export, one block each with its own header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["event", title])
    for section, rows in sections.items():
        writer.writerow([])
        writer.writerow([section])
        header: dict[str, None] = {}
        for row in rows:
            header.update(dict.fromkeys(row))
        if not header:
            continue
        writer.writerow(list(header))
        for row in rows:
            writer.writerow([safe_cell(row.get(col)) for col in header])
    return "\ufeff" + out.getvalue()
