"""Sections of rows as an XLSX workbook (openpyxl): one sheet per section, bold headers,
frozen first row, columns sized to their content, and text that a spreadsheet would run as
a formula kept as text."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MAX_WIDTH = 60
SHEET_NAME = 31  # Excel's limit
BAD_NAME = str.maketrans({c: " " for c in "[]:*?/\\"})


def workbook(sections: dict[str, list[dict[str, Any]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sections.items():
        sheet = book.create_sheet(name.translate(BAD_NAME)[:SHEET_NAME])
        header = _header(rows)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(row.get(column)) for column in header])
        for cell in (c for line in sheet.iter_rows(min_row=2) for c in line):
            if cell.data_type == "f":  # a text starting with "=": keep it as text
                cell.data_type = "s"
        sheet.freeze_panes = "A2"
        for i, column in enumerate(header, start=1):
            width = max([len(str(column))] + [len(str(r.get(column) or "")) for r in rows])
            sheet.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, width + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header(rows: list[dict[str, Any]]) -> list[str]:
    """Every column any row has, in the order they first appear."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen) or ["(empty)"]


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, dict)):
        return str(value)
    return value
