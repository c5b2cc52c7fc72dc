"""Limits on uploaded spreadsheets, checked before any reader opens the file.

A spreadsheet describes a grid, and a small file can describe a huge one: a 5 KB .xlsx with a
cell at A1 and one at XFD1048576 makes calamine allocate the whole 1,048,576 × 16,384 range
(549 GB: the process aborts), and a 2 MB zip inflates to gigabytes. So, before a reader opens
a file (``inspect``):

* its size (``IMPORTS_MAX_UPLOAD_BYTES``);
* .xlsx and .ods are zip archives: their directory is read without extracting anything —
  number of members, total inflated size, each member's compression ratio, the size of the
  parts that are not data (styles…); then the number of an .xlsx's shared strings;
* the sheets' extent. .xlsx: each sheet's declared ``<dimension>`` (the first bytes of the
  sheet), then every cell and row reference, streamed through regular expressions, since a
  file may lie about its dimension or omit it. The zip module stops each member at its declared
  size and checks its CRC, so the sizes checked above are the real ones. .ods: the repeated
  rows and cells of ``content.xml`` are counted the same way (streamed). .xls: the BIFF cell
  records of the workbook stream (``_xls_sheets``).
* .csv: the size here; rows, columns and cell lengths while reading (``guard``).

calamine holds a sheet as a dense array of 32-byte cells, so it is used only for sheets of at
most ``IMPORTS_CALAMINE_MAX_CELLS`` cells (rows × columns); a larger .xlsx (or one whose cells
lack references, so its extent is not proven) is read with openpyxl in read-only mode, which
streams, under ``guard``. An .xls or .ods over that many cells is refused (no streaming reader).

A refusal is a ``LimitError`` whose message names the limit and the value found, rendered in
every configured language when raised (numbers grouped the language's way). Library error
texts are logged, never shown: an unreadable file gets ``unreadable(fmt)``.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext, gettext_noop

from kiemdiem.imports.messages import Message

log = logging.getLogger(__name__)

# Defaults of the settings (config/settings/base.py sets them; docs/imports.md explains them).
DEFAULTS = {
    "IMPORTS_MAX_UPLOAD_BYTES": 20 * 1024 * 1024,
    "IMPORTS_MAX_INFLATED_BYTES": 300 * 1024 * 1024,
    "IMPORTS_MAX_COMPRESSION_RATIO": 200,
    "IMPORTS_MAX_ZIP_MEMBERS": 1000,
    "IMPORTS_MAX_ROWS": 200_000,
    "IMPORTS_MAX_COLUMNS": 200,
    "IMPORTS_MAX_CELL_CHARS": 32_767,  # Excel's own limit for one cell
    "IMPORTS_CALAMINE_MAX_CELLS": 3_000_000,  # 96 MB of calamine cells
    "IMPORTS_MAX_PART_BYTES": 20 * 1024 * 1024,  # a part that is not a sheet or the texts
    "IMPORTS_MAX_SHARED_STRINGS": 2_000_000,  # texts of an .xlsx (its shared strings)
}
# A member smaller than this cannot be a bomb, whatever its ratio (an empty sheet is tiny
# and compresses very well).
RATIO_FROM_BYTES = 1024 * 1024
CHUNK = 1 << 20


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


class LimitError(ValueError):
    """A file over a limit, or unreadable: ``message`` says which, in the reader's language."""

    def __init__(self, message: Message, code: str = "file.limit"):
        super().__init__(str(message))
        self.message = message
        self.code = code


def _number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return formats.number_format(value, force_grouping=True)


def message(msgid: str, **params) -> Message:
    """``msgid % params`` rendered now in each configured language, numbers grouped."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            shown = {k: _number(v) if isinstance(v, int | float) else v for k, v in params.items()}
            texts[code] = gettext(msgid) % shown
    return Message.rendered(texts)


def unreadable(fmt: str) -> LimitError:
    return LimitError(
        message(gettext_noop("The file could not be read as .%(format)s."), format=fmt),
        "file.unreadable",
    )


def _mb(size: int) -> float:
    return round(size / 1024 / 1024, 1)


def check_size(size: int) -> None:
    most = limit("IMPORTS_MAX_UPLOAD_BYTES")
    if size > most:
        raise LimitError(
            message(
                gettext_noop("The file is %(size)s MB; the limit is %(limit)s MB."),
                size=_mb(size),
                limit=_mb(most),
            )
        )


# --- columns ------------------------------------------------------------------------------


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(number: int) -> str:
    out = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


# --- what inspect() finds -------------------------------------------------------------------


@dataclass
class Extent:
    sheet: str
    rows: int = 0  # highest row number used
    columns: int = 0  # highest column number used
    proven: bool = True  # every cell had a reference (else openpyxl reads it, streaming)

    @property
    def cells(self) -> int:
        return self.rows * self.columns


@dataclass
class Inspection:
    fmt: str
    sheets: list[Extent] = field(default_factory=list)

    @property
    def calamine_safe(self) -> bool:
        most = limit("IMPORTS_CALAMINE_MAX_CELLS")
        return all(s.proven and s.cells <= most for s in self.sheets)


def _check_extent(extent: Extent) -> None:
    rows, columns = limit("IMPORTS_MAX_ROWS"), limit("IMPORTS_MAX_COLUMNS")
    if extent.rows > rows:
        raise LimitError(
            message(
                gettext_noop("Sheet “%(sheet)s” has %(rows)s rows; the limit is %(limit)s rows."),
                sheet=extent.sheet,
                rows=extent.rows,
                limit=rows,
            )
        )
    if extent.columns > columns:
        raise LimitError(
            message(
                gettext_noop(
                    "Sheet “%(sheet)s” has %(columns)s columns (up to column %(letters)s); "
                    "the limit is %(limit)s columns."
                ),
                sheet=extent.sheet,
                columns=extent.columns,
                letters=column_letters(extent.columns),
                limit=columns,
            )
        )


_cache: dict[tuple, Inspection] = {}


def inspect(path: Path, fmt: str) -> Inspection:
    """Check ``path`` against every limit that can be checked before reading; LimitError if not.

    Cached by path, size, modification time and the limits: a file is read up to three times
    (validation, a second pass for legacy encodings, the report), and checked once.
    """
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, fmt, *(limit(n) for n in DEFAULTS))
    if key in _cache:
        return _cache[key]
    check_size(stat.st_size)
    found = Inspection(fmt)
    if fmt in ("xlsx", "ods"):
        try:
            with zipfile.ZipFile(path) as archive:
                check_archive(archive, fmt)
                found.sheets = (_xlsx_sheets if fmt == "xlsx" else _ods_sheets)(archive)
        except LimitError:
            raise
        except Exception as exc:  # not a zip, a broken member, bad XML, a CRC error
            log.warning("import file %s unreadable as %s: %r", path, fmt, exc)
            raise unreadable(fmt) from exc
    elif fmt == "xls":
        found.sheets = _xls_sheets(path)
    for extent in found.sheets:
        _check_extent(extent)
    if fmt in ("xls", "ods") and not found.calamine_safe:
        most = limit("IMPORTS_CALAMINE_MAX_CELLS")
        big = max(found.sheets, key=lambda s: s.cells)
        raise LimitError(
            message(
                gettext_noop(
                    "Sheet “%(sheet)s” has %(rows)s rows × %(columns)s columns = %(cells)s "
                    "cells; the limit for .%(format)s files is %(limit)s cells (save it as "
                    ".xlsx or .csv)."
                ),
                sheet=big.sheet,
                rows=big.rows,
                columns=big.columns,
                cells=big.cells,
                format=fmt,
                limit=most,
            )
        )
    if len(_cache) > 100:
        _cache.clear()
    _cache[key] = found
    return found


# --- zip archives ---------------------------------------------------------------------------


def _may_be_big(name: str, fmt: str) -> bool:
    """Parts that hold the data; the others (styles, relationships…) are small in real files,
    and parsed whole by the readers (a 250 MB styles part would be 30 million styles)."""
    if fmt == "ods":
        return name == "content.xml"
    return name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"


def check_archive(archive: zipfile.ZipFile, fmt: str) -> None:
    """The zip directory: members, total inflated size, compression ratios, the size of the
    parts that are not data (nothing inflated)."""
    members = archive.infolist()
    most = limit("IMPORTS_MAX_ZIP_MEMBERS")
    if len(members) > most:
        raise LimitError(
            message(
                gettext_noop("The file holds %(count)s parts; the limit is %(limit)s."),
                count=len(members),
                limit=most,
            )
        )
    total = sum(m.file_size for m in members)
    most = limit("IMPORTS_MAX_INFLATED_BYTES")
    if total > most:
        raise LimitError(
            message(
                gettext_noop("The file unpacks to %(size)s MB; the limit is %(limit)s MB."),
                size=_mb(total),
                limit=_mb(most),
            )
        )
    most = limit("IMPORTS_MAX_PART_BYTES")
    for m in members:
        if m.file_size > most and not _may_be_big(m.filename, fmt):
            raise LimitError(
                message(
                    gettext_noop(
                        "Part “%(part)s” of the file unpacks to %(size)s MB; the limit "
                        "is %(limit)s MB."
                    ),
                    part=m.filename,
                    size=_mb(m.file_size),
                    limit=_mb(most),
                )
            )
    most = limit("IMPORTS_MAX_COMPRESSION_RATIO")
    for m in members:
        if m.file_size >= RATIO_FROM_BYTES and m.file_size > most * max(m.compress_size, 1):
            raise LimitError(
                message(
                    gettext_noop(
                        "Part “%(part)s” of the file is compressed %(ratio)s times; the limit "
                        "is %(limit)s times."
                    ),
                    part=m.filename,
                    ratio=m.file_size // max(m.compress_size, 1),
                    limit=most,
                )
            )


def _chunks(stream, tail_at: bytes = b">") -> Iterator[bytes]:
    """A member's bytes in chunks cut after ``tail_at`` (no tag split between two chunks)."""
    tail = b""
    while chunk := stream.read(CHUNK):
        data = tail + chunk
        cut = data.rfind(tail_at) + 1
        if cut == 0 and len(data) > 16 * CHUNK:  # no tag end at all: not XML we can read
            raise ValueError("no tag end")
        yield data[:cut]
        tail = data[cut:]
    yield tail


# .xlsx ----------------------------------------------------------------------------------------
_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix (<x:c ...>)
_DIMENSION = re.compile(rb"<" + _P + rb'dimension\s[^>]*?\bref="([^"]*)"')
_REF = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})")
_CELL = re.compile(rb"<" + _P + rb"c[\s/>]")
_CELL_COLUMN = re.compile(rb"<" + _P + rb'c\s[^>]*?\br="([A-Z]{1,3})[0-9]')
_CELL_ROW = re.compile(rb"<" + _P + rb'c\s[^>]*?\br="[A-Z]{1,3}([0-9]{1,7})"')
_ROW = re.compile(rb"<" + _P + rb'row\s[^>]*?\br="([0-9]{1,7})"')
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet member → sheet name (from workbook.xml and its relationships)."""
    names = set(archive.namelist())
    members: dict[str, str] = {}
    try:
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {}
        for rel in rels:
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[rel.get("Id")] = str(PurePosixPath(target))
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        for sheet in book.iter():
            if sheet.tag.endswith("}sheet") and targets.get(sheet.get(_REL)) in names:
                members[targets[sheet.get(_REL)]] = sheet.get("name", "")
    except (KeyError, ElementTree.ParseError):
        pass
    for name in names:  # any other worksheet part, named by its file
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            members.setdefault(name, PurePosixPath(name).stem)
    return members


def declared_dimension(head: bytes) -> tuple[int, int] | None:
    """(rows, columns) of a ``<dimension ref="A1:XFD1048576">`` in a sheet's first bytes."""
    found = _DIMENSION.search(head)
    if not found:
        return None
    rows = columns = 0
    for letters, digits in _REF.findall(found.group(1)):
        rows, columns = max(rows, int(digits)), max(columns, column_number(letters.decode()))
    return rows, columns


def check_declared(archive: zipfile.ZipFile) -> None:
    """Refuse sheets whose declared dimension is over the limits (the first 64 KB only)."""
    for member, sheet in _sheet_members(archive).items():
        with archive.open(member) as stream:
            declared = declared_dimension(stream.read(64 * 1024))
        if declared:
            _check_extent(Extent(sheet, *declared))


_SHARED_STRING = re.compile(rb"<" + _P + rb"si[\s>/]")


def _check_shared_strings(archive: zipfile.ZipFile) -> None:
    """calamine and openpyxl load all of an .xlsx's texts at once: count them first."""
    try:
        stream = archive.open("xl/sharedStrings.xml")
    except KeyError:
        return
    most, count = limit("IMPORTS_MAX_SHARED_STRINGS"), 0
    with stream:
        for data in _chunks(stream):
            count += len(_SHARED_STRING.findall(data))
            if count > most:
                raise LimitError(
                    message(
                        gettext_noop(
                            "The file holds more than %(limit)s different texts; the limit is "
                            "%(limit)s."
                        ),
                        limit=most,
                    )
                )


def _xlsx_sheets(archive: zipfile.ZipFile) -> list[Extent]:
    _check_shared_strings(archive)
    sheets = []
    for member, sheet in _sheet_members(archive).items():
        extent = Extent(sheet)
        with archive.open(member) as stream:
            first = True
            for data in _chunks(stream):
                if first:
                    declared = declared_dimension(data[: 64 * 1024])
                    if declared:  # the quick refusal; the cells below are what counts
                        _check_extent(Extent(sheet, *declared))
                    first = False
                columns = set(_CELL_COLUMN.findall(data))
                if columns:
                    widest = max(columns, key=lambda c: (len(c), c)).decode()
                    extent.columns = max(extent.columns, column_number(widest))
                cell_rows = _CELL_ROW.findall(data)
                rows = set(cell_rows) | set(_ROW.findall(data))
                if rows:
                    extent.rows = max(extent.rows, max(map(int, rows)))
                if extent.proven and len(_CELL.findall(data)) != len(cell_rows):
                    extent.proven = False  # a cell without a reference: position implicit
                _check_extent(extent)  # refuse as soon as a cell is out of bounds
        sheets.append(extent)
    return sheets


# .ods -----------------------------------------------------------------------------------------
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _ods_sheets(archive: zipfile.ZipFile) -> list[Extent]:
    """Each table's extent from content.xml, repeated rows and cells counted, streamed.

    Empty cells do not count (LibreOffice writes the empty rest of a sheet as one repeated
    row of repeated empty cells); a repeated cell with a value counts as many times.
    """
    sheets: list[Extent] = []
    extent: Extent | None = None
    row = 0
    parents: list = []  # open elements: a finished row is removed from its parent
    with archive.open("content.xml") as stream:
        for event, element in ElementTree.iterparse(stream, events=("start", "end")):
            tag = element.tag
            if event == "start":
                parents.append(element)
                if tag == _TABLE + "table" and extent is None:
                    extent, row = Extent(element.get(_TABLE + "name", "")), 0
                continue
            parents.pop()
            if tag == _TABLE + "table-row" and extent is not None:
                repeat = int(element.get(_TABLE + "number-rows-repeated", "1"))
                column = last = 0
                for cell in element:
                    if not cell.tag.endswith("table-cell"):
                        continue
                    span = int(cell.get(_TABLE + "number-columns-repeated", "1"))
                    column += span
                    if cell.get(_OFFICE + "value-type") or len(cell):
                        last = column
                if last:
                    extent.rows = row + repeat
                    extent.columns = max(extent.columns, last)
                    _check_extent(extent)
                row += repeat
                if parents:  # memory stays flat however many rows
                    parents[-1].remove(element)
            elif tag == _TABLE + "table" and extent is not None:
                sheets.append(extent)
                extent = None
                element.clear()
    return sheets


# .xls -----------------------------------------------------------------------------------------
# BIFF8 records that hold a value at (row, column): NUMBER, LABELSST, LABEL, RK, FORMULA,
# BOOLERR, RSTRING; MULRK holds several (row, first column, …, last column).
_VALUE_RECORDS = {0x0203, 0x00FD, 0x0204, 0x027E, 0x0006, 0x0205, 0x00D6}
_MULRK = 0x00BD
_BOF, _EOF, _BOUNDSHEET = 0x0809, 0x000A, 0x0085


def _xls_sheets(path: Path) -> list[Extent]:
    """Each sheet's extent from the value records of the workbook stream (no cell decoded).

    BIFF8 has at most 65,536 × 256 cells, but two cells at A1 and IV65536 are enough for
    calamine to allocate all of them (537 MB).
    """
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            name = "Workbook" if ole.exists("Workbook") else "Book"
            data = ole.openstream(name).read()
    except Exception as exc:
        log.warning("import file %s unreadable as xls: %r", path, exc)
        raise unreadable("xls") from exc
    names: list[str] = []
    sheets: list[Extent] = []
    extent: Extent | None = None
    depth = 0
    pos, end = 0, len(data)
    while pos + 4 <= end:
        kind = int.from_bytes(data[pos : pos + 2], "little")
        size = int.from_bytes(data[pos + 2 : pos + 4], "little")
        body = data[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if kind == _BOF:
            depth += 1
            if depth == 1 and int.from_bytes(body[2:4], "little") == 0x0010:  # a worksheet
                extent = Extent(names[len(sheets)] if len(sheets) < len(names) else "")
        elif kind == _EOF:
            depth -= 1
            if depth == 0 and extent is not None:
                sheets.append(extent)
                extent = None
        elif kind == _BOUNDSHEET and len(body) >= 8:
            length, flags = body[6], body[7]
            raw = body[8 : 8 + (length * 2 if flags & 1 else length)]
            names.append(raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace"))
        elif extent is not None and len(body) >= 4 and (kind in _VALUE_RECORDS or kind == _MULRK):
            row = int.from_bytes(body[0:2], "little") + 1
            column = int.from_bytes(body[2:4], "little") + 1
            if kind == _MULRK and len(body) >= 6:
                column = int.from_bytes(body[-2:], "little") + 1
            extent.rows, extent.columns = max(extent.rows, row), max(extent.columns, column)
    return sheets


# --- while reading ------------------------------------------------------------------------------


def guard(sheet: str, rows: Iterable) -> Iterator[list]:
    """Rows of ``sheet`` as lists, stopped with a LimitError at the first row, column or cell
    beyond the limits (a file may lie about its size, or not say it)."""
    most_rows, most_columns = limit("IMPORTS_MAX_ROWS"), limit("IMPORTS_MAX_COLUMNS")
    most_chars = limit("IMPORTS_MAX_CELL_CHARS")
    for number, cells in enumerate(rows, start=1):
        if number > most_rows:
            raise LimitError(
                message(
                    gettext_noop(
                        "Sheet “%(sheet)s” has more than %(limit)s rows (row %(row)s); the "
                        "limit is %(limit)s rows."
                    ),
                    sheet=sheet,
                    row=number,
                    limit=most_rows,
                )
            )
        cells = list(cells)
        if len(cells) > most_columns:
            while cells and cells[-1] in (None, ""):
                cells.pop()  # trailing empty cells (a padded row) do not count
            if len(cells) > most_columns:
                raise LimitError(
                    message(
                        gettext_noop(
                            "Sheet “%(sheet)s”, row %(row)s has %(columns)s columns (up to "
                            "column %(letters)s); the limit is %(limit)s columns."
                        ),
                        sheet=sheet,
                        row=number,
                        columns=len(cells),
                        letters=column_letters(len(cells)),
                        limit=most_columns,
                    )
                )
        for index, cell in enumerate(cells):
            if type(cell) is str and len(cell) > most_chars:
                raise LimitError(
                    message(
                        gettext_noop(
                            "Sheet “%(sheet)s”, cell %(cell)s holds %(size)s characters; the "
                            "limit for one cell is %(limit)s characters."
                        ),
                        sheet=sheet,
                        cell=f"{column_letters(index + 1)}{number}",
                        size=len(cell),
                        limit=most_chars,
                    )
                )
        yield cells
