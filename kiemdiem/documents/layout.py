"""The default Word templates, built in the party's document layout (Hướng dẫn 36-HD/VPTW
2018; docs/documents.md says what is confirmed and what is our reading).

Run ``python -m kiemdiem.documents.layout`` to write them into ``templates/documents/``; the
files are committed, and a province edits its copy in Word (``KIEMDIEM_DOCUMENT_TEMPLATE_DIR``).
The fields each template uses are listed in ``fields.py`` and docs/documents.md.

Layout: A4 portrait; margins top 20 mm, bottom 20 mm, left 30 mm, right 15 mm; Times New Roman,
body 14 pt; the header is a borderless two-column table: left the superior body, the issuing
body (bold) and the star "*" with the number "Số …"; right "ĐẢNG CỘNG SẢN VIỆT NAM" (bold,
underlined) and the place and date in italics. The state forms carry the national title
("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc") instead.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

FONT = "Times New Roman"
HERE = Path(__file__).resolve().parent / "templates" / "documents"


def _base(*, landscape: bool = False):
    doc = Document()
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = Mm(20)
    section.bottom_margin = Mm(20)
    section.left_margin = Mm(30)
    section.right_margin = Mm(15)
    for name in ("Normal", "Table Grid"):
        style = doc.styles[name]
        style.font.name = FONT
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.append(fonts)
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), FONT)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(14)
    normal.paragraph_format.space_after = Pt(3)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.1
    return doc


def _p(
    container,
    text="",
    *,
    bold=False,
    italic=False,
    underline=False,
    size=None,
    align=None,
    space_after=None,
):
    p = container.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    if space_after is not None:
        p.paragraph_format.space_after = Pt(space_after)
    return p


def _cell_p(cell, text, **kw):
    """Write into a cell's first empty paragraph, else add one."""
    if len(cell.paragraphs) == 1 and not cell.paragraphs[0].text:
        p = cell.paragraphs[0]
        run = p.add_run(text)
        run.bold, run.italic = kw.get("bold", False), kw.get("italic", False)
        run.underline = kw.get("underline", False)
        if kw.get("size"):
            run.font.size = Pt(kw["size"])
        p.alignment = kw.get("align", WD_ALIGN_PARAGRAPH.CENTER)
        p.paragraph_format.space_after = Pt(0)
        return p
    kw.setdefault("align", WD_ALIGN_PARAGRAPH.CENTER)
    return _p(cell, text, space_after=0, **kw)


def _borderless(table):
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "nil")
        borders.append(e)
    tbl_pr.append(borders)


def _header(doc):
    """The header block: issuing body left, the party's (or the state's) title right."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borderless(table)
    left, right = table.rows[0].cells
    left.width, right.width = Mm(75), Mm(90)
    # The superior body, where there is one (a provincial committee has none above it here).
    _cell_p(left, "{%p if org_parent %}")
    _cell_p(left, "{{ org_parent }}", size=13)
    _cell_p(left, "{%p endif %}")
    _cell_p(left, "{{ org_name }}", bold=True, size=13)
    _cell_p(left, "*", size=13)
    # The number line, "Số ……-BC/ĐU" (documents.heading); none on a member's self-review.
    _cell_p(left, "{%p if number %}")
    _cell_p(left, "{{ number }}", size=13)
    _cell_p(left, "{%p endif %}")
    _cell_p(
        right,
        "{% if state %}CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM{% else %}ĐẢNG CỘNG SẢN VIỆT NAM{% endif %}",
        bold=True,
        size=13,
    )
    _cell_p(right, "{%p if state %}")
    _cell_p(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13)
    _cell_p(right, "{%p endif %}")
    _cell_p(right, "────────────", size=10)
    _cell_p(right, "{{ date_line }}", italic=True, size=13)
    _p(doc, "", space_after=6)


def _row_props(row, *, header: bool = False):
    """A row that never breaks across pages (and, for a header, repeats on each page)."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def _signature(doc, title_field, name_field, note="(Ký, ghi rõ họ tên)", date_field=None):
    """The signer on the right: (the block's own date line, as on the paper forms,) the title
    in capitals, the note in italics, room to sign, the name."""
    _p(doc, "", space_after=0).paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    _borderless(table)
    _row_props(table.rows[0])
    left, right = table.rows[0].cells
    left.width, right.width = Mm(75), Mm(90)
    _cell_p(left, "")
    if date_field:
        _cell_p(right, "{{ " + date_field + " }}", italic=True, size=13)
    _cell_p(right, "{{ " + title_field + " }}", bold=True)
    _cell_p(right, note, italic=True, size=13)
    _cell_p(right, "")
    _cell_p(right, "")
    _cell_p(right, "{{ " + name_field + " }}", bold=True)


def _dynamic_table(doc, var, *, size=12):
    """A bordered table whose columns and rows come from ``var.header`` and ``var.rows``.

    docxtpl's column loop ``{%tc %}`` and row loop ``{%tr %}`` replace the whole cell or row
    their tag is in: the header row is [open, ``{{ h }}``, close], the data row likewise, and
    the row loop's tags sit in rows of their own around the data row."""
    table = doc.add_table(rows=4, cols=3)
    table.style = doc.styles["Table Grid"]
    _row_props(table.rows[0], header=True)
    _row_props(table.rows[2])
    cells = [row.cells for row in table.rows]
    _cell_p(cells[0][0], "{%tc for h in " + var + ".header %}")
    _cell_p(cells[0][1], "{{ h }}", bold=True, size=size)
    _cell_p(cells[0][2], "{%tc endfor %}")
    _cell_p(cells[1][0], "{%tr for r in " + var + ".rows %}")
    _cell_p(cells[2][0], "{%tc for c in r %}")
    _cell_p(cells[2][1], "{{ c }}", size=size, align=WD_ALIGN_PARAGRAPH.LEFT)
    _cell_p(cells[2][2], "{%tc endfor %}")
    _cell_p(cells[3][0], "{%tr endfor %}")
    return table


def self_review():
    doc = _base()
    _p(doc, "{{ form_code }}", italic=True, size=12, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _header(doc)
    _p(
        doc,
        "{% if draft %}DỰ THẢO — CHƯA NỘP{% endif %}",
        bold=True,
        size=12,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    _p(doc, "{{ title }}", bold=True, size=15, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _p(doc, "{{ subtitle }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=8)
    _p(doc, "{%p for line in who %}")
    _p(doc, "{{ line }}")
    _p(doc, "{%p endfor %}")
    _p(doc, "{%p for s in sections %}")
    _p(doc, "{%p if s.part %}")
    _p(doc, "{{ s.part }}", bold=True)
    _p(doc, "{%p endif %}")
    # A section's heading stays with what follows it (its first line, its table).
    _p(doc, "{{ s.heading }}", bold=True).paragraph_format.keep_with_next = True
    _p(doc, "{%p for line in s.lines %}")
    p = _p(doc, "{{ line }}")
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    p.paragraph_format.first_line_indent = Mm(10)
    _p(doc, "{%p endfor %}")
    _p(doc, "{%p if s.table %}")
    _dynamic_table(doc, "s.table")
    _p(doc, "{%p endif %}")
    _p(doc, "{%p endfor %}")
    _signature(doc, "signer_title", "signer_name")
    _block(doc, "comments")
    _block(doc, "conclusion")
    return doc


def _block(doc, name):
    """The chi ủy's comments or the approving level's conclusion: its text when there is one,
    dotted lines as on paper when not."""
    # The block stays on one page with its signature: each paragraph keeps with the next.
    _p(doc, "", space_after=6)
    title = _p(doc, "{{ " + name + ".title }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.keep_with_next = True
    _p(doc, "{%p for line in " + name + ".lines %}")
    p = _p(doc, "{{ line }}")
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    p.paragraph_format.keep_with_next = True
    _p(doc, "{%p endfor %}")
    _signature(
        doc,
        name + ".signer",
        name + ".signer_name",
        note="{{ " + name + ".note }}",
        date_field=name + ".date_line",
    )


def list_document():
    """A list (proposals, decisions): header, title, a table, signature."""
    doc = _base(landscape=True)  # a table of six or seven columns reads across
    _header(doc)
    _p(doc, "{{ title }}", bold=True, size=15, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _p(doc, "{{ subtitle }}", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=8)
    _dynamic_table(doc, "table")
    _p(doc, "{%p for line in notes %}")
    _p(doc, "{{ line }}", italic=True, size=12)
    _p(doc, "{%p endfor %}")
    _signature(doc, "signer_title", "signer_name", note="(Ký, ghi rõ họ tên, đóng dấu)")
    return doc


def notice():
    """A notice of a result (thông báo kết quả) to one person or collective."""
    doc = _base()
    _header(doc)
    _p(doc, "{{ title }}", bold=True, size=15, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _p(doc, "{{ subtitle }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=8)
    _p(doc, "{%p for line in lines %}")
    p = _p(doc, "{{ line }}")
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    p.paragraph_format.first_line_indent = Mm(10)
    _p(doc, "{%p endfor %}")
    _signature(doc, "signer_title", "signer_name", note="(Ký, ghi rõ họ tên, đóng dấu)")
    _p(doc, "Nơi nhận:", bold=True, italic=True, size=12, space_after=0)
    _p(doc, "{%p for r in recipients %}")
    _p(doc, "- {{ r }}", size=12, space_after=0)
    _p(doc, "{%p endfor %}")
    return doc


def minutes():
    """Minutes (biên bản): header, title, sections each with lines and an optional table, and
    two signatures side by side (the secretary and the chair; the counting committee and the
    chair)."""
    doc = _base()
    _header(doc)
    _p(doc, "{{ title }}", bold=True, size=15, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _p(doc, "{{ subtitle }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=8)
    _p(doc, "{%p for s in sections %}")
    _p(doc, "{%p if s.heading %}")
    # A heading stands apart from the table above it and stays with what follows it.
    heading = _p(doc, "{{ s.heading }}", bold=True)
    heading.paragraph_format.space_before = Pt(6)
    heading.paragraph_format.keep_with_next = True
    _p(doc, "{%p endif %}")
    _p(doc, "{%p for line in s.lines %}")
    p = _p(doc, "{{ line }}")
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _p(doc, "{%p endfor %}")
    _p(doc, "{%p if s.table %}")
    _dynamic_table(doc, "s.table")
    # room between the table and the text under it (the counting committee, the next item)
    _p(doc, "", space_after=0).paragraph_format.line_spacing = Pt(6)
    _p(doc, "{%p endif %}")
    _p(doc, "{%p endfor %}")
    _p(doc, "", space_after=0).paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    _borderless(table)
    _row_props(table.rows[0])
    for cell, side in zip(table.rows[0].cells, ("left", "right"), strict=True):
        cell.width = Mm(82)
        _cell_p(cell, "{{ " + side + "_title }}", bold=True)
        _cell_p(cell, "(Ký, ghi rõ họ tên)", italic=True, size=13)
        _cell_p(cell, "")
        _cell_p(cell, "")
        _cell_p(cell, "{{ " + side + "_name }}", bold=True)
    return doc


def _fixed_table(doc, head, widths, rows_var, *, total_var=None, size=11, left=2):
    """A bordered table of fixed columns (``widths`` in mm), a province can retitle in Word:
    ``head`` is one header row of titles, or two rows where a title ``(text, 2)`` spans two
    columns over the second row's titles and a title ``(text, 0)`` spans both rows; then the
    row loop over ``rows_var`` (each row a list of texts, cell ``i`` is ``r[i]``) and, when
    ``total_var`` is given, a bold total row. The first ``left`` columns are text (left), the
    rest figures (right)."""
    rows = head if isinstance(head[0], list) else [head]
    n = len(widths)
    table = doc.add_table(rows=len(rows) + 3 + (1 if total_var else 0), cols=n)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)  # the grid, which LibreOffice lays out by
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)
    # the header: spans as declared
    if len(rows) == 1:
        for i, title in enumerate(rows[0]):
            _cell_p(table.cell(0, i), title, bold=True, size=size)
    else:
        col, second = 0, iter(rows[1])
        for title, span in rows[0]:
            if span == 2:
                table.cell(0, col).merge(table.cell(0, col + 1))
                _cell_p(table.cell(0, col), title, bold=True, size=size)
                for k in (0, 1):
                    _cell_p(table.cell(1, col + k), next(second), bold=True, size=size)
                col += 2
            else:
                merged = table.cell(0, col).merge(table.cell(1, col))
                _cell_p(merged, title, bold=True, size=size)
                col += 1
    for r in range(len(rows)):
        _row_props(table.rows[r], header=True)
    first = len(rows)
    _cell_p(table.cell(first, 0), "{%tr for r in " + rows_var + " %}")
    for i in range(n):
        align = WD_ALIGN_PARAGRAPH.LEFT if i < left else WD_ALIGN_PARAGRAPH.RIGHT
        _cell_p(table.cell(first + 1, i), "{{ r[" + str(i) + "] }}", size=size, align=align)
    _row_props(table.rows[first + 1])
    _cell_p(table.cell(first + 2, 0), "{%tr endfor %}")
    if total_var:
        for i in range(n):
            align = WD_ALIGN_PARAGRAPH.LEFT if i < left else WD_ALIGN_PARAGRAPH.RIGHT
            text = "{{ " + total_var + "[" + str(i) + "] }}"
            _cell_p(table.cell(first + 3, i), text, bold=True, size=size, align=align)
        _row_props(table.rows[first + 3])
    return table


TIER_HEADS = ("HTXSNV", "HTTNV", "HTNV", "KHTNV")


def report():
    """A level's results report (báo cáo tổng hợp kết quả), A4 landscape (the summary table
    has fourteen columns): header; title; I. the summary table by category; II. the units
    below (their chart and table, when there are some); III. year on year (chart and table).
    The charts are the report page's SVG drawn as pictures: ``{{ chart_children }}`` and
    ``{{ chart_years }}``, each alone in its paragraph."""
    doc = _base(landscape=True)
    _header(doc)
    _p(doc, "{{ title }}", bold=True, size=15, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _p(doc, "{{ subtitle }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=8)

    def part(heading_field, lines_field, chart_field=None):
        if chart_field:
            # The heading and its chart in one borderless row that does not break: LibreOffice
            # does not keep a heading with the picture under it ("keep with next").
            block = doc.add_table(rows=1, cols=1)
            block.autofit = False
            _borderless(block)
            _row_props(block.rows[0])
            cell = block.rows[0].cells[0]
            cell.width = Mm(252)
            _cell_p(cell, "{{ " + heading_field + " }}", bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
            _cell_p(cell, "{{ " + chart_field + " }}")
        else:
            heading = _p(doc, "{{ " + heading_field + " }}", bold=True)
            heading.paragraph_format.keep_with_next = True
        _p(doc, "{%p for line in " + lines_field + " %}")
        p = _p(doc, "{{ line }}")
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.keep_with_next = True
        _p(doc, "{%p endfor %}")

    part("summary.heading", "summary.lines")
    head = [("TT", 0), ("Đối tượng", 0), ("Tổng số", 0), ("Không xếp loại", 0)]
    head += [("Đã xếp loại", 0)] + [(t, 2) for t in TIER_HEADS] + [("Chưa xếp loại", 0)]
    _fixed_table(
        doc,
        [head, ["SL", "%"] * 4],
        [10, 58, 18, 20, 18] + [14] * 8 + [16],
        "summary.rows",
        total_var="summary.total",
    )
    _p(doc, "{{ summary.note }}", italic=True, size=12, space_after=8)
    _p(doc, "{%p if children %}")
    part("children.heading", "children.lines", "chart_children")
    _fixed_table(
        doc,
        ["Đơn vị", "Tổng số", "Đã xếp loại", *TIER_HEADS, "Chưa xếp loại", "Báo cáo"],
        [80, 20, 22, 20, 20, 20, 20, 22, 28],
        "children.rows",
        left=1,
    )
    _p(doc, "", space_after=8)
    _p(doc, "{%p endif %}")
    part("years.heading", "years.lines", "chart_years")
    head = [("Kỳ kiểm điểm", 0), ("Tổng số", 0), ("Đã xếp loại", 0)]
    head += [(t, 2) for t in TIER_HEADS]
    _fixed_table(doc, [head, ["SL", "%"] * 4], [70, 20, 22] + [17.5] * 8, "years.rows", left=1)
    _signature(doc, "signer_title", "signer_name")
    return doc


BUILDERS = {
    "report.docx": report,
    "self_review.docx": self_review,
    "list.docx": list_document,
    "notice.docx": notice,
    "minutes.docx": minutes,
}


def build(target: Path = HERE) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, builder in BUILDERS.items():
        path = target / name
        builder().save(path)
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    for path in build():
        print(path)
