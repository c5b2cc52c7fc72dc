"""Hostile spreadsheets, built small and by hand (zipfile), for the limit tests and the bench.

Each builder writes a file to ``path`` and returns it. Nothing here inflates anything in memory:
big members are written from a generator of chunks.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def row(number: int, cells: Iterable[str] = ()) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def _stream(member, parts: Iterable[str]) -> None:
    buffer: list[str] = []
    for part in parts:
        buffer.append(part)
        if len(buffer) >= 10_000:
            member.write("".join(buffer).encode())
            buffer.clear()
    member.write("".join(buffer).encode())


def xlsx(
    path: Path,
    sheet_xml: Iterable[str],
    *,
    dimension: str | None = None,
    extra: dict[str, Iterable[str]] | None = None,
) -> Path:
    """A minimal workbook whose one sheet's ``<sheetData>`` holds ``sheet_xml`` (streamed);
    ``extra``: more members (name → XML parts, streamed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, parts in (extra or {}).items():
            with book.open(name, "w", force_zip64=True) as member:
                _stream(member, parts)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            _stream(sheet, sheet_xml)
            sheet.write(b"</sheetData></worksheet>")
    return path


def people_header() -> list[str]:
    return [inline("A1", "Họ và tên"), inline("B1", "Ngày sinh"), inline("C1", "Mã đơn vị")]


def far_cell(path: Path) -> Path:
    """The outside test's file: A1..C1 and one cell at XFD1048576 (Excel's last cell)."""
    return xlsx(
        path,
        [row(1, people_header()), row(1048576, [inline("XFD1048576", "x")])],
        dimension="A1:XFD1048576",
    )


def far_cell_undeclared(path: Path) -> Path:
    """The same cells, no ``<dimension>``: only the cells themselves tell."""
    return xlsx(path, [row(1, people_header()), row(1048576, [inline("XFD1048576", "x")])])


def lying_dimension(path: Path) -> Path:
    """Declares A1:C2, holds a cell at XFD1048576."""
    return xlsx(
        path,
        [row(1, people_header()), row(1048576, [inline("XFD1048576", "x")])],
        dimension="A1:C2",
    )


def million_empty_rows(path: Path, rows: int = 1_000_000) -> Path:
    """A header, then ``rows`` empty rows (``<row r="n"/>``), dimension omitted."""

    def parts() -> Iterator[str]:
        yield row(1, people_header())
        for n in range(2, rows + 2):
            yield f'<row r="{n}"/>'

    return xlsx(path, parts())


class _Blocks:
    """A stand-in for zipfile's deflate compressor: each distinct chunk is compressed once,
    ending in a full flush (no reference to what came before), so the same bytes are valid for
    every repetition. Builds a member inflating to gigabytes in seconds (zipfile still counts
    the size and the CRC of what is written)."""

    def __init__(self):
        self.blocks: dict[bytes, bytes] = {}

    def compress(self, data: bytes) -> bytes:
        if data not in self.blocks:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            self.blocks[data] = packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)
        return self.blocks[data]

    def flush(self) -> bytes:
        return zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def zip_bomb(path: Path, inflated: int = 2 * 1024**3) -> Path:
    """A sheet inflating to ``inflated`` bytes of one repeated cell (about 2 MB compressed per
    GB): the outside test's bomb."""
    cells = inline("A2", "x" * 1000) * 1000
    chunk = f'<row r="2">{cells}</row>'.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet._compressor = _Blocks()  # before anything is written
            sheet.write(SHEET_HEAD.encode() + b"<sheetData>" + row(1, people_header()).encode())
            for _ in range(inflated // len(chunk)):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return path


def many_texts(path: Path, count: int = 2_500_000) -> Path:
    """A shared-string table of ``count`` different short texts (readers load it whole)."""
    sst = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def parts() -> Iterator[str]:
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{sst}" count="{count}">'
        yield from (f"<si><t>t{i}</t></si>" for i in range(count))
        yield "</sst>"

    return xlsx(path, [row(1, people_header())], extra={"xl/sharedStrings.xml": parts()})


def big_styles(path: Path, size: int = 250 * 1024 * 1024) -> Path:
    """A styles part of ``size`` bytes of empty formats (readers parse it whole)."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def parts() -> Iterator[str]:
        yield f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{ns}"><cellXfs>'
        yield from ('<xf numFmtId="0"/>' for _ in range(size // 18))
        yield "</cellXfs></styleSheet>"

    return xlsx(path, [row(1, people_header())], extra={"xl/styles.xml": parts()})


def not_a_zip(path: Path) -> Path:
    """A text file renamed .xlsx."""
    path.write_bytes(b"Ho va ten,Ngay sinh\nNguyen Van A,01/01/1980\n" * 10)
    return path


def csv_big_field(path: Path, size: int = 200 * 1024) -> Path:
    """A CSV whose row 3, column B holds one field of ``size`` characters."""
    path.write_text(
        "Họ và tên,Ngày sinh,Mã đơn vị\n"
        "Nguyễn Văn An,01/01/1980,A1\n"
        f'Trần Thị Bình,"{"9" * size}",A1\n',
        encoding="utf-8",
    )
    return path


def ods(rows_xml: str, sheet: str = "Nhân sự") -> bytes:
    """An OpenDocument spreadsheet: a header row, then ``rows_xml`` (table-row elements)."""
    import io

    header = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
        for v in ("Họ và tên", "Ngày sinh", "Mã đơn vị")
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{sheet}">'
        f"<table:table-row>{header}</table:table-row>{rows_xml}"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def xls(path: Path, cells: Iterable[tuple[int, int, float]], sheet: str = "Sheet1") -> Path:
    """A minimal BIFF8 workbook (one sheet of NUMBER cells at 0-based (row, column)) in a
    compound file, written by hand: two cells at A1 and IV65536 make calamine allocate the
    whole 65,536 × 256 range."""
    name = sheet.encode("latin-1")
    bof = struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06)
    globals_size = len(_record(0x0809, bof)) + 4 + 8 + len(name) + 4
    stream = (
        _record(0x0809, bof)
        + _record(0x0085, struct.pack("<IBBBB", globals_size, 0, 0, len(name), 0) + name)
        + _record(0x000A, b"")
        + _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06))
    )
    cells = list(cells)
    last_row = max(r for r, _, _ in cells) + 1
    last_column = max(c for _, c, _ in cells) + 1
    stream += _record(0x0200, struct.pack("<IIHHH", 0, last_row, 0, last_column, 0))
    for r, c, value in cells:
        stream += _record(0x0203, struct.pack("<HHHd", r, c, 0, value))
    stream += _record(0x000A, b"")
    stream = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\0")  # no mini stream
    sectors = len(stream) // 512
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    fat = [0xFFFFFFFD, end] + [3 + i for i in range(sectors - 1)] + [end]
    fat += [free] * (128 - len(fat))

    def entry(label: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = label.encode("utf-16-le") + b"\0\0" if label else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", free, free, child)
            + b"\0" * 36
            + struct.pack("<IQ", start, size)
        )

    directory = (
        entry("Root Entry", 5, 1, end, 0)
        + entry("Workbook", 2, free, 2, len(stream))
        + entry("", 0, free, 0, 0) * 2
    )
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    path.write_bytes(header + struct.pack("<128I", *fat) + directory + stream)
    return path
