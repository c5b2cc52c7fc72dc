"""The page of every built-in template, read back from the DOCX's section properties with
python-docx: A4, margins within the ranges of the party's rules on documents (Hướng dẫn
36-HD/VPTW as the brief records them: top 20–25 mm, bottom 20–25 mm, left 30–35 mm, right
15–20 mm), Times New Roman 13–14 pt for the body — and the templates on disk are the ones
``layout.py`` builds."""

from __future__ import annotations

import io

import pytest
from docx import Document

from kiemdiem.documents import layout

RANGES = {"top": (20, 25), "bottom": (20, 25), "left": (30, 35), "right": (15, 20)}


def _check_page(doc, *, landscape: bool) -> None:
    section = doc.sections[0]
    size = (round(section.page_width.mm), round(section.page_height.mm))
    assert size == ((297, 210) if landscape else (210, 297))  # A4
    for edge, (low, high) in RANGES.items():
        value = getattr(section, f"{edge}_margin").mm
        assert low <= round(value, 1) <= high, f"{edge} margin {value:.1f} mm"
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman" and 13 <= normal.size.pt <= 14
    fonts = doc.styles["Normal"].element.rPr.rFonts
    for attr in ("ascii", "hAnsi", "cs", "eastAsia"):  # Vietnamese text takes these too
        assert fonts.get(f"{{{fonts.nsmap['w']}}}{attr}") == "Times New Roman"


@pytest.mark.parametrize("name", sorted(layout.BUILDERS))
def test_every_template_is_a4_within_the_margins_in_times_new_roman(name):
    landscape = name in ("list.docx", "report.docx")
    on_disk = Document(str(layout.HERE / name))
    _check_page(on_disk, landscape=landscape)
    built = layout.BUILDERS[name]()
    _check_page(built, landscape=landscape)
    out = io.BytesIO()
    built.save(out)
    # what layout.py builds is what is committed: the same texts and fields, in order
    assert _texts(Document(io.BytesIO(out.getvalue()))) == _texts(on_disk)


def _texts(doc) -> list[str]:
    return [t.text or "" for t in doc.element.body.iter(f"{{{doc.element.nsmap['w']}}}t")]
