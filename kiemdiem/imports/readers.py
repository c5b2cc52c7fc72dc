"""One row iterator over .xlsx, .xls, .ods and .csv files.

* .xlsx, .xls and .ods: python-calamine (Rust; maintained; one library for the three formats).
  A sheet is held as a compact Rust array and converted to Python one row at a time, so
  Python memory does not grow with the rows; it is about ten times faster than openpyxl.
  ``settings.IMPORTS_XLSX_READER = "openpyxl"`` reads .xlsx with openpyxl in read-only mode
  instead (streams the XML: memory independent of the file, but slower).
* .csv: UTF-8, UTF-8 with BOM, Windows-1258 and the legacy Vietnamese encodings, through
  ``imports.encodings.decode_csv_bytes``; the delimiter (, ; tab) is sniffed.

The header row need not be on line 1 (titles above it are skipped): the first rows are scanned
for the row matching most template headers. A header split over two rows (merged cells, e.g.
"Đảng viên" over "Ngày vào Đảng" / "Ngày chính thức") is read by completing the header row with
matches from the row below it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from kiemdiem.imports.columns import match_headers
from kiemdiem.imports.text import decode_csv

FORMATS = ("xlsx", "xls", "ods", "csv")
HEADER_SCAN_ROWS = 25


class ReadError(ValueError):
    pass


@dataclass
class Table:
    sheet: str
    header_row: int  # 1-based row number of the (last) header row
    columns: dict[str, int]  # column key → 0-based index
    rows: Iterator[tuple[int, list]]  # (1-based row number, cell values)


def detect_format(filename: str) -> str | None:
    suffix = Path(filename).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def _sheets(path: Path, fmt: str):
    """Yield (sheet name, function returning a fresh row iterator)."""
    if fmt == "xlsx" and getattr(settings, "IMPORTS_XLSX_READER", "calamine") == "openpyxl":
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # zip, xml, or not an xlsx at all
            raise ReadError(str(exc)) from exc
        for sheet in book.worksheets:
            yield sheet.title, lambda s=sheet: (list(r) for r in s.iter_rows(values_only=True))
    elif fmt in ("xlsx", "xls", "ods"):
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_path(str(path))
        except Exception as exc:
            raise ReadError(str(exc)) from exc
        loaded: dict = {}  # a sheet is parsed once, then read as often as needed

        def rows_of(name):
            if name not in loaded:
                loaded.clear()  # keep one sheet in memory at a time
                loaded[name] = book.get_sheet_by_name(name)
            return iter(loaded[name].iter_rows())

        for name in book.sheet_names:
            yield name, lambda n=name: rows_of(n)
    elif fmt == "csv":
        text, _encoding = decode_csv(path.read_bytes())
        sample = text[:20000]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        yield "CSV", lambda: csv.reader(io.StringIO(text), dialect)
    else:
        raise ReadError(f"unsupported format {fmt}")


def _find_header(rows: list[list], kind: str) -> tuple[int, dict[str, int]] | None:
    best: tuple[int, dict[str, int]] | None = None
    for index, cells in enumerate(rows):
        found = match_headers(kind, cells)
        if len(found) >= 2 and (best is None or len(found) > len(best[1])):
            best = (index, found)
    if best is None:
        return None
    index, found = best
    # A two-row header: complete with the row below, where the header row's cell is empty.
    if index + 1 < len(rows):
        below = match_headers(kind, rows[index + 1])
        taken = set(found.values())
        extra = {k: i for k, i in below.items() if k not in found and i not in taken}
        header_cells = rows[index]
        if extra and all(
            i >= len(header_cells) or header_cells[i] in (None, "") or i not in taken
            for i in extra.values()
        ):
            found.update(extra)
            index += 1
    return index, found


def open_table(path: Path, fmt: str, kind: str) -> Table:
    """The sheet whose header matches the template best, positioned after its header."""
    best = None
    for name, make_rows in _sheets(path, fmt):
        head: list[list] = []
        for cells in make_rows():
            head.append(list(cells))
            if len(head) >= HEADER_SCAN_ROWS:
                break
        found = _find_header(head, kind)
        if found and (best is None or len(found[1]) > len(best[2])):
            best = (name, found[0], found[1], make_rows)
    if best is None:
        raise ReadError("no header")
    name, header_index, columns, make_rows = best

    def rows() -> Iterator[tuple[int, list]]:
        for number, cells in enumerate(make_rows(), start=1):
            if number <= header_index + 1:
                continue
            cells = list(cells)
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            yield number, cells

    return Table(name, header_index + 1, columns, rows())


def count_rows(path: Path, fmt: str, kind: str) -> int:
    return sum(1 for _ in open_table(path, fmt, kind).rows)
