"""CSV for spreadsheets: the one writer every CSV file the product makes goes through.

    csv_bytes(columns, rows) -> bytes        rows: dicts keyed by column (missing keys are empty)
    safe_cell(value) -> str | int | float    one cell, neutralised

RFC 4180 (comma, CRLF, quoted where needed), UTF-8 with a byte-order mark so that Excel
opens æ, ø and å correctly. A text cell that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return would be read as a formula by Excel, LibreOffice and Google Sheets
(CSV/formula injection: a partner's list can say `=HYPERLINK(...)`), so it gets a leading
apostrophe, as OWASP recommends; the spreadsheet shows the text as it was. Numbers
(int, float) are written as numbers, so a negative score stays a number.

SPARQL results in CSV (/sparql) follow the SPARQL 1.1 CSV format and are written by
Oxigraph, not here: they are data for programs, not files for spreadsheets.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
    return (BOM + buf.getvalue()).encode("utf-8")
