"""Exports are safe to open: texts a spreadsheet would evaluate are written as quoted text."""

import csv
import io

import openpyxl
import pytest

from kiemdiem.common.spreadsheets import safe_cell, unquote_cell
from kiemdiem.imports import exporters
from kiemdiem.imports.tests.helpers import run_import
from kiemdiem.orgtree import services as orgtree
from kiemdiem.people import services as people
from kiemdiem.people.models import Affiliation

pytestmark = pytest.mark.django_db

DANGEROUS = ['=HYPERLINK("http://x.vn","a")', "+1+2", "-2+3", "@SUM(A1)"]


def _export(kind, unit, fmt):
    out = io.BytesIO()
    rows = exporters.export_rows(kind, unit)
    (exporters.write_xlsx if fmt == "xlsx" else exporters.write_csv)(kind, rows, out)
    return out.getvalue()


def _poison(province):
    """Texts that a spreadsheet would run: a unit name, a short name, post titles, a phone."""
    cell = province.cell_a1
    orgtree.unit_update(
        unit=cell,
        name=DANGEROUS[0],
        short_name="@x",
        kind=cell.kind,
        managed_by=cell.managed_by,
        actor=None,
    )
    an = province.members["an"]
    people.person_update(person=an, phone="+84 912 345 678", actor=None)
    for title in DANGEROUS[1:]:
        people.affiliation_start(
            person=an,
            unit=province.agency,
            kind="employment",
            title=title,
            state_category="can_bo",
            valid_from=an.membership.admitted_on,
            actor=None,
        )


def test_helper_quotes_exactly_the_formula_starts():
    for text in [*DANGEROUS, "\t=1", "\r=1"]:
        assert safe_cell(text) == "'" + text
        assert unquote_cell(safe_cell(text)) == text
    for value in ["Nguyễn", "'quoted", "", None, -5, 2.5, "1-2"]:
        assert safe_cell(value) == value
    assert unquote_cell("'quoted") == "'quoted"


def test_xlsx_export_writes_formula_like_texts_as_quoted_strings(province):
    _poison(province)
    for kind in ("units", "people"):
        book = openpyxl.load_workbook(io.BytesIO(_export(kind, province.province, "xlsx")))
        sheet = book.worksheets[0]
        cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
        assert all(c.data_type != "f" for c in cells)
        texts = [c.value for c in cells if isinstance(c.value, str)]
        assert not [t for t in texts if t[0] in "=+-@"], texts
        if kind == "units":
            assert "'" + DANGEROUS[0] in texts and "'@x" in texts
        else:
            assert "'+84 912 345 678" in texts


def test_csv_export_quotes_formula_like_texts(province):
    _poison(province)
    data = _export("units", province.province, "csv").decode("utf-8-sig")
    cells = [c for row in list(csv.reader(io.StringIO(data)))[1:] for c in row]
    assert "'" + DANGEROUS[0] in cells and "'@x" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    data = _export("people", province.province, "csv").decode("utf-8-sig")
    cells = [c for row in list(csv.reader(io.StringIO(data)))[1:] for c in row]
    assert "'+84 912 345 678" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_error_report_does_not_turn_uploaded_formulas_into_formulas(province):
    from kiemdiem.imports.tests.helpers import PEOPLE_HEADERS, csv_bytes, person_row

    data = csv_bytes(PEOPLE_HEADERS, [person_row(cell='=HYPERLINK("http://x.vn","A1")')])
    job = run_import(province.users["staff_p"], province.province, "people", data, filename="x.csv")
    assert job.status != "done"
    report = exporters.error_report(job)
    book = openpyxl.load_workbook(report)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells if c.value is not None)
    assert any(str(c.value).startswith("'=HYPERLINK") for c in cells)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_quoted_export_reimports_to_the_same_texts(province, fmt):
    _poison(province)
    user = province.users["staff_p"]
    for kind in ("units", "people"):
        job = run_import(
            user,
            province.province,
            kind,
            _export(kind, province.province, fmt),
            filename=f"x.{fmt}",
        )
        assert job.status == "done", (kind, job.problems, job.failure)
        assert (job.created, job.updated) == (0, 0), (kind, job.problems)
    province.cell_a1.refresh_from_db()
    assert province.cell_a1.name == DANGEROUS[0]
    titles = set(Affiliation.objects.filter(unit=province.agency).values_list("title", flat=True))
    assert set(DANGEROUS[1:]) <= titles
