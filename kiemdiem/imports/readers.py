"""One row iterator over .xlsx, .xls, .ods and .csv files.

* .xlsx, .xls and .ods: python-calamine (Rust; maintained; one library for the three formats).
  A sheet is held as a compact Rust array and converted to Python one row at a time, so
  Python memory does not grow with the rows; it is about ten times faster than openpyxl.
  ``settings.IMPORTS_XLSX_READER = "openpyxl"`` reads .xlsx with openpyxl in read-only mode
  instead (streams the XML: memory independent of the file, but slower).
* .csv: UTF-8, UTF-8 with BOM, Windows-1258 and the legacy Vietnamese encodings, through
  ``imports.encodings.decode_csv_bytes``; the delimiter (, ; tab) is sniffed.

Before any of them opens a file, ``limits.inspect`` checks it (size, zip directory, the sheets'
extent), and every row goes through ``limits.guard`` (row, column and cell-length limits):
a hostile file is refused with a ``limits.LimitError`` naming the limit, never read into
memory. A sheet too big for calamine's dense array is read with openpyxl (see ``limits``).

The header row need not be on line 1 (titles above it are skipped): the first rows are scanned
for the row matching most template headers. A header split over two rows (merged cells, e.g.
"Đảng viên" over "Ngày vào Đảng" / "Ngày chính thức") is read by completing the header row with
matches from the row below it.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from kiemdiem.imports import limits
from kiemdiem.imports.columns import match_headers
from kiemdiem.imports.limits import LimitError
from kiemdiem.imports.text import decode_csv

log = logging.getLogger(__name__)

FORMATS = ("xlsx", "xls", "ods", "csv")
HEADER_SCAN_ROWS = 25


class ReadError(ValueError):
    pass


# The csv module's own cap (131,072 characters) would stop a long cell with its own text;
# limits.guard names the cell and the limit instead (IMPORTS_MAX_CELL_CHARS). A field is at
# most the file (IMPORTS_MAX_UPLOAD_BYTES).
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


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
    """Yield (sheet name, function returning a fresh row iterator).

    ``limits.inspect`` checks the file before any reader opens it (LimitError), and every row
    iterator is wrapped in ``limits.guard``. Library errors are logged and become
    ``limits.unreadable`` (their texts are never shown).
    """
    found = limits.inspect(path, fmt)
    openpyxl_wanted = getattr(settings, "IMPORTS_XLSX_READER", "calamine") == "openpyxl"
    if fmt == "xlsx" and (openpyxl_wanted or not found.calamine_safe):
        import openpyxl

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # zip, xml, or not an xlsx at all
            log.warning("import file %s unreadable by openpyxl: %r", path, exc)
            raise limits.unreadable(fmt) from exc

        def rows_of(sheet):
            sheet.reset_dimensions()  # a declared dimension would pad every row to its width
            return limits.guard(sheet.title, sheet.iter_rows(values_only=True))

        for sheet in book.worksheets:
            yield sheet.title, lambda s=sheet: _unreadable_on_error(rows_of(s), fmt)
    elif fmt in ("xlsx", "xls", "ods"):
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_path(str(path))
        except Exception as exc:
            log.warning("import file %s unreadable by calamine: %r", path, exc)
            raise limits.unreadable(fmt) from exc
        loaded: dict = {}  # a sheet is parsed once, then read as often as needed

        def rows_of(name):
            if name not in loaded:
                loaded.clear()  # keep one sheet in memory at a time
                loaded[name] = book.get_sheet_by_name(name)
            return limits.guard(name, loaded[name].iter_rows())

        for name in book.sheet_names:
            yield name, lambda n=name: _unreadable_on_error(rows_of(n), fmt)
    elif fmt == "csv":
        text, _encoding = decode_csv(path.read_bytes())
        sample = text[:20000]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        yield (
            "CSV",
            lambda: _unreadable_on_error(
                limits.guard("CSV", csv.reader(io.StringIO(text), dialect)), fmt
            ),
        )
    else:
        raise ReadError(f"unsupported format {fmt}")


def _unreadable_on_error(rows: Iterator[list], fmt: str) -> Iterator[list]:
    """The rows; a library error while reading them (a broken cell, bad XML) is logged and
    becomes ``limits.unreadable``."""
    try:
        yield from rows
    except LimitError:
        raise
    except Exception as exc:
        log.warning("import file unreadable as %s while reading: %r", fmt, exc)
        raise limits.unreadable(fmt) from exc


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
