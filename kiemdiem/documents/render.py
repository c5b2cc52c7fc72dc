"""Rendering: a Word template filled with docxtpl, the PDF made from that DOCX by LibreOffice,
and tables as XLSX (openpyxl).

Charts: a context value may be a :class:`Picture` (PNG bytes and a width in mm), written into
the document where the template names it (``{{ chart }}`` alone in its paragraph); an SVG chart
of ``common.charts`` — the very SVG the page shows — becomes one with :func:`svg_picture`
(CairoSVG). A document with pictures takes docxtpl's whole path.

Templates are looked up first in ``settings.KIEMDIEM_DOCUMENT_TEMPLATE_DIR`` (a province's
copies, edited in Word), then in ``templates/documents/`` here. Fields are strict: a template
that names a field the document does not have, or whose tags do not parse, is refused with
:class:`TemplateBroken` naming the file and the field — never a half-filled document.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path

import jinja2
from django.conf import settings
from django.utils.translation import gettext as _
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from lxml import etree
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from kiemdiem.common.spreadsheets import safe_cell

BUILT_IN = Path(__file__).resolve().parent / "templates" / "documents"


class TemplateBroken(Exception):
    """A template cannot be filled; ``message`` says which file and which field."""

    def __init__(self, message: str, *, path: Path, field: str = ""):
        super().__init__(message)
        self.message = message
        self.path = path
        self.field = field


class ConversionFailed(Exception):
    """LibreOffice is missing, timed out or produced nothing."""


def override_dir() -> Path | None:
    folder = getattr(settings, "KIEMDIEM_DOCUMENT_TEMPLATE_DIR", "")
    return Path(folder) if folder else None


def template_path(name: str) -> Path:
    """The province's copy of ``name`` when there is one, else the built-in template."""
    folder = override_dir()
    if folder is not None and (folder / name).is_file():
        return folder / name
    return BUILT_IN / name


class _Environment(jinja2.Environment):
    """Strict fields, escaped values, and each template part compiled once: docxtpl hands the
    same prepared XML to ``from_string`` on every render, and compiling it is a third of the
    time of a document (bench/documents/RESULTS.md)."""

    def __init__(self):
        super().__init__(undefined=jinja2.StrictUndefined, autoescape=True)
        self._compiled: dict[str, jinja2.Template] = {}

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002
        if globals or template_class or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        template = self._compiled.get(source)
        if template is None:
            if len(self._compiled) > 64:
                self._compiled.clear()
            template = self._compiled[source] = super().from_string(source)
        return template


_ENV = _Environment()
_UNDEFINED = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


class _Prepared:
    """A template made ready once (per file and modification time): docxtpl's preparation of
    the body (tags merged across Word's runs, ``{%p``/``{%tr``/``{%tc`` turned into Jinja) and
    its compiled Jinja template, and the package's other files as they are. Rendering is then
    the Jinja run, docxtpl's own table fix-up, and writing the zip — no python-docx parse and
    save per document. A template with fields in its headers or footers, or with pictures,
    takes docxtpl's whole path instead (``fast`` is False)."""

    BODY = re.compile(r"<w:body\b.*</w:body>", re.DOTALL)

    def __init__(self, data: bytes):
        self.data = data
        self.tpl = DocxTemplate(io.BytesIO(data))
        self.tpl.init_docx()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.entries = [(info, archive.read(info)) for info in archive.infolist()]
        names = {info.filename: blob for info, blob in self.entries}
        others = [
            blob for name, blob in names.items() if re.match(r"word/(header|footer)\d*\.xml$", name)
        ]
        document = names.get("word/document.xml", b"").decode("utf-8")
        self.fast = not any(b"{{" in b or b"{%" in b for b in others) and "wp:docPr" not in document
        if not self.fast:
            return
        body = self.tpl.patch_xml(self.tpl.get_xml())
        body = re.sub(r"<w:p([ >])", r"\n<w:p\1", body)
        self.body = _ENV.from_string(body)
        self.document = document

    def render(self, context: dict) -> bytes:
        if not self.fast or _has_pictures(context):
            doc = DocxTemplate(io.BytesIO(self.data))
            doc.render(_with_images(context, doc), jinja_env=_ENV, autoescape=True)
            out = io.BytesIO()
            doc.save(out)
            return out.getvalue()
        xml = self.body.render(context)
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = (
            xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        )
        xml = self.tpl.resolve_listing(xml)
        body = etree.tostring(self.tpl.fix_tables(xml), encoding="unicode")
        document = self.BODY.sub(lambda _m: body, self.document, count=1)
        out = io.BytesIO()
        # The body is compressed; the template's other parts (styles, theme, settings), the
        # same in every document, are stored as they are: compressing them again for each
        # document was a fifth of its time, and a batch's ZIP compresses them anyway.
        with zipfile.ZipFile(out, "w") as archive:
            for info, blob in self.entries:
                if info.filename == "word/document.xml":
                    archive.writestr(
                        info.filename,
                        document.encode("utf-8"),
                        compress_type=zipfile.ZIP_DEFLATED,
                        compresslevel=1,
                    )
                else:
                    archive.writestr(info.filename, blob, compress_type=zipfile.ZIP_STORED)
        return out.getvalue()


class Picture:
    """A picture for a template's field: PNG ``data`` drawn ``width_mm`` wide (``svg``: the
    drawing it was made from, when it was)."""

    def __init__(self, data: bytes, width_mm: float, svg: str = ""):
        self.data = data
        self.width_mm = width_mm
        self.svg = svg

    def __repr__(self) -> str:  # never the bytes in a log line
        return f"Picture({len(self.data)} bytes, {self.width_mm} mm)"


def svg_picture(svg: str, width_mm: float, *, dpi: int = 200) -> Picture:
    """An SVG (a chart of ``common.charts``, as the page shows it) as a PNG picture
    ``width_mm`` wide at ``dpi``: the same drawing, its text and colours, in Word and PDF."""
    try:
        import cairosvg  # needs the cairo library (libcairo2), which LibreOffice brings too
    except (ImportError, OSError) as exc:
        raise ConversionFailed(
            _(
                "Charts cannot be drawn into the document: the cairo library is missing on the "
                "server (install libcairo2)."
            )
        ) from exc
    pixels = round(width_mm / 25.4 * dpi)
    data = cairosvg.svg2png(
        bytestring=str(svg).encode("utf-8"),
        output_width=pixels,
        dpi=dpi,
        background_color="white",  # as on the page; no transparency for the PDF to mask
    )
    return Picture(data, width_mm, str(svg))


def _has_pictures(value) -> bool:
    if isinstance(value, Picture):
        return True
    if isinstance(value, dict):
        return any(_has_pictures(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_pictures(v) for v in value)
    return False


def _with_images(value, doc):
    """``value`` with each :class:`Picture` made docxtpl's ``InlineImage`` of ``doc``."""
    if isinstance(value, Picture):
        return InlineImage(doc, io.BytesIO(value.data), width=Mm(value.width_mm))
    if isinstance(value, dict):
        return {k: _with_images(v, doc) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_with_images(v, doc) for v in value]
    return value


@lru_cache(maxsize=32)
def _prepared(path: str, mtime: float) -> _Prepared:
    return _Prepared(Path(path).read_bytes())


def render_docx(name: str, context: dict) -> bytes:
    """Fill template ``name`` with ``context``; the DOCX as bytes."""
    path = template_path(name)
    try:
        return _prepared(str(path), path.stat().st_mtime).render(context)
    except OSError as exc:
        raise TemplateBroken(
            _("The template %(file)s cannot be read.") % {"file": path}, path=path
        ) from exc
    except jinja2.UndefinedError as exc:
        match = _UNDEFINED.search(str(exc))
        field = (match.group(1) or match.group(2)) if match else str(exc)
        raise TemplateBroken(
            _(
                "The template %(file)s uses the field “%(field)s”, which this document does "
                "not have. Correct the field's name in Word (docs/documents.md lists them) or "
                "remove the file to use the built-in template."
            )
            % {"file": path, "field": field},
            path=path,
            field=field,
        ) from exc
    except jinja2.TemplateError as exc:
        raise TemplateBroken(
            _(
                "The template %(file)s has a field or tag Word split or mistyped (%(error)s). "
                "Retype the {{ … }} and {%% … %%} tags in one go, without formatting inside."
            )
            % {"file": path, "error": exc},
            path=path,
        ) from exc
    except Exception as exc:  # not a Word file at all, a damaged zip
        raise TemplateBroken(
            _("The template %(file)s is not a Word (.docx) file that can be opened.")
            % {"file": path},
            path=path,
        ) from exc


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def column_widths(data: bytes, widths: dict[tuple[str, ...], list[float]]) -> bytes:
    """Give the tables of a rendered DOCX their own column widths (mm): each table whose first
    row reads ``header`` (a key of ``widths``). A template's column loop (``{%tc %}``) makes
    every column as wide as the others — a "TT" as wide as a name — so an exporter that knows
    its columns says how wide each is; LibreOffice lays out by the grid, Word by the cells.
    A table of another header (a province's template retitled in Word) keeps its widths."""
    if not widths:
        return data
    w = f"{{{W_NS}}}"
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        root = etree.fromstring(source.read("word/document.xml"))
        changed = False
        for table in root.iter(f"{w}tbl"):
            first = table.find(f"{w}tr")
            if first is None:
                continue
            cells = first.findall(f"{w}tc")
            header = tuple("".join(t.text or "" for t in c.iter(f"{w}t")).strip() for c in cells)
            mm = widths.get(header)
            if mm is None or len(mm) != len(cells):
                continue
            twips = [str(round(Mm(x).twips)) for x in mm]
            grid = table.find(f"{w}tblGrid")
            if grid is not None:
                for col in grid.findall(f"{w}gridCol"):
                    grid.remove(col)
                for value in twips:
                    etree.SubElement(grid, f"{w}gridCol", {f"{w}w": value})
            for row in table.iter(f"{w}tr"):
                row_cells = row.findall(f"{w}tc")
                if len(row_cells) != len(twips):
                    continue
                for cell, value in zip(row_cells, twips, strict=True):
                    props = cell.find(f"{w}tcPr")
                    if props is None:
                        props = etree.Element(f"{w}tcPr")
                        cell.insert(0, props)
                    width = props.find(f"{w}tcW")
                    if width is None:
                        width = etree.Element(f"{w}tcW")
                        props.insert(0, width)
                    width.set(f"{w}w", value)
                    width.set(f"{w}type", "dxa")
            changed = True
        if not changed:
            return data
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                body = source.read(item.filename)
                if item.filename == "word/document.xml":
                    body = etree.tostring(
                        root, xml_declaration=True, encoding="UTF-8", standalone=True
                    )
                target.writestr(item, body)
    return out.getvalue()


# --- PDF --------------------------------------------------------------------------------------


def soffice() -> str | None:
    """The LibreOffice command, or None where it is not installed."""
    configured = getattr(settings, "KIEMDIEM_SOFFICE", "")
    if configured:
        return configured if shutil.which(configured) else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_available() -> bool:
    return soffice() is not None


# Word documents: pictures (the charts) kept lossless, not re-encoded as JPEG.
WRITER_PDF = 'pdf:writer_pdf_Export:{"UseLosslessCompression":{"type":"boolean","value":"true"}}'


def _pdf_filter(files) -> str:
    if all(str(name).lower().endswith(".docx") for name in files):
        return WRITER_PDF
    return "pdf"


def to_pdf(files: dict[str, bytes], *, timeout: float | None = None) -> dict[str, bytes]:
    """Convert DOCX/XLSX files (name → bytes) to PDF in one LibreOffice run; name → PDF bytes
    (the name's extension replaced by .pdf).

    Each run has its own profile directory (``-env:UserInstallation``), so conversions running
    side by side do not fight over one profile's lock; it is killed after ``timeout`` seconds.
    """
    command = soffice()
    if command is None:
        raise ConversionFailed(
            _(
                "PDF needs LibreOffice on the server, and it is not installed. Download the "
                "Word file instead, or ask the administrator to install libreoffice-writer-nogui."
            )
        )
    if timeout is None:
        per_file = getattr(settings, "KIEMDIEM_PDF_SECONDS_PER_FILE", 3)
        timeout = getattr(settings, "KIEMDIEM_PDF_TIMEOUT", 60) + per_file * len(files)
    with tempfile.TemporaryDirectory(prefix="kiemdiem-pdf-") as tmp:
        work = Path(tmp)
        (work / "in").mkdir()
        (work / "out").mkdir()
        names = {}
        for index, (name, data) in enumerate(files.items()):
            local = f"{index:05d}{Path(name).suffix}"  # no user text on the command line
            (work / "in" / local).write_bytes(data)
            names[Path(local).stem] = name
        args = [
            command,
            f"-env:UserInstallation=file://{work / 'profile'}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            _pdf_filter(files),
            "--outdir",
            str(work / "out"),
            *sorted(str(p) for p in (work / "in").iterdir()),
        ]
        try:
            subprocess.run(
                args,
                check=False,
                timeout=timeout,
                capture_output=True,
                env={**os.environ, "HOME": str(work)},
                start_new_session=True,
            )
        except subprocess.TimeoutExpired as exc:
            raise ConversionFailed(
                _("LibreOffice did not finish the PDF in %(seconds)d seconds.")
                % {"seconds": timeout}
            ) from exc
        result = {}
        for stem, name in names.items():
            pdf = work / "out" / f"{stem}.pdf"
            if not pdf.is_file():
                raise ConversionFailed(
                    _("LibreOffice could not convert %(name)s to PDF.") % {"name": name}
                )
            result[str(Path(name).with_suffix(".pdf"))] = pdf.read_bytes()
        return result


# --- XLSX -------------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def render_xlsx(*, title: str, subtitle: str, header: list[str], rows: list[list]) -> bytes:
    """A table as a workbook: title lines, a bordered header and rows; A4, fit to width.
    Text cells go through ``safe_cell`` (never a formula)."""
    book = Workbook()
    sheet = book.active
    sheet.title = (title or "Sheet")[:31].replace("/", "-")
    sheet.page_setup.paperSize = "9"
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    font = Font(name="Times New Roman", size=12)
    bold = Font(name="Times New Roman", size=12, bold=True)
    sheet.append([safe_cell(title)])
    sheet["A1"].font = Font(name="Times New Roman", size=14, bold=True)
    sheet.append([safe_cell(subtitle)])
    sheet["A2"].font = font
    sheet.append([])
    sheet.append([safe_cell(h) for h in header])
    for cell in sheet[4]:
        cell.font, cell.border = bold, _BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in rows:
        sheet.append([safe_cell(v) if isinstance(v, str) else v for v in row])
        for cell in sheet[sheet.max_row]:
            cell.font, cell.border = font, _BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, h in enumerate(header):
        widest = max([len(str(h))] + [len(str(r[index])) for r in rows if index < len(r)])
        sheet.column_dimensions[sheet.cell(row=4, column=index + 1).column_letter].width = max(
            6, min(50, widest + 2)
        )
    sheet.freeze_panes = "A5"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
