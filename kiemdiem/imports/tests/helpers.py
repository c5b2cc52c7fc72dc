"""Building import files in tests."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from kiemdiem.imports import services
from kiemdiem.imports.models import JobStatus

PEOPLE_HEADERS = [
    "Họ",
    "Tên đệm",
    "Tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Số thẻ đảng viên",
    "Ngày vào Đảng",
    "Ngày chính thức",
    "Trạng thái sinh hoạt",
    "Ngày bắt đầu trạng thái",
    "Mã chi bộ sinh hoạt",
    "Ngày sinh hoạt tại chi bộ",
    "Chức vụ",
]


def person_row(
    family="Hoàng",
    middle="Văn",
    given="Hải",
    birth="02/03/1985",
    gender="Nam",
    cid="001085000001",
    card="",
    admitted="01/02/2012",
    official="01/02/2013",
    status="",
    status_from="",
    cell="A1",
    cell_from="01/01/2021",
    posts="",
):
    return [
        family,
        middle,
        given,
        birth,
        gender,
        cid,
        card,
        admitted,
        official,
        status,
        status_from,
        cell,
        cell_from,
        posts,
    ]


def xlsx_bytes(headers, rows, *, title_rows=(), sheet="Nhân sự") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for line in title_rows:
        ws.append(line)
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(headers, rows, encoding="utf-8", delimiter=",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    if encoding == "cp1258":
        return cp1258_bytes(out.getvalue())
    return out.getvalue().encode(encoding)


def run_import(user, unit, kind, data: bytes, filename="data.xlsx", commit=True, **kwargs):
    job = services.job_create(user=user, unit=unit, kind=kind, filename=filename, chunks=[data])
    services.import_validate(job)
    if commit and job.status == JobStatus.READY:
        services.import_commit(job, user, **kwargs)
    job.refresh_from_db()
    return job


def cp1258_bytes(text: str) -> bytes:
    """Encode as Windows-1258 does: base letters precomposed where it can, tones combining."""
    import unicodedata

    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        for mark in list(marks):
            composed = unicodedata.normalize("NFC", base + mark)
            try:
                composed.encode("cp1258")
            except UnicodeEncodeError:
                continue
            base = composed
            marks.remove(mark)
            break
        out.append((base + "".join(marks)).encode("cp1258"))
    return b"".join(out)


def ods_bytes(headers, rows, sheet="Nhân sự") -> bytes:
    """A minimal OpenDocument spreadsheet (what LibreOffice writes, less the styles)."""
    import datetime
    import zipfile
    from xml.sax.saxutils import escape

    def cell(value):
        if isinstance(value, datetime.date):
            return (
                f'<table:table-cell office:value-type="date" '
                f'office:date-value="{value.isoformat()}"><text:p>'
                f"{value:%d/%m/%Y}</text:p></table:table-cell>"
            )
        if isinstance(value, int | float):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        return (
            f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
            f"</text:p></table:table-cell>"
        )

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
        for row in [headers, *rows]
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{escape(sheet)}">{body}'
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
