"""Legacy encodings judged by column in the import (``text.py`` over ``column_verdict``)."""

import pytest

from kiemdiem.imports import encodings, text
from kiemdiem.imports.tests.helpers import run_import, xlsx_bytes
from kiemdiem.orgtree.models import Unit
from kiemdiem.people.models import Person

pytestmark = pytest.mark.django_db

HEADERS = ["Họ", "Tên đệm", "Tên", "Ngày sinh", "Số CCCD", "Ngày vào Đảng", "Mã chi bộ sinh hoạt"]


def _people(province, rows, commit=True):
    data = xlsx_bytes(HEADERS, rows)
    return run_import(province.users["staff_p"], province.province, "people", data, commit=commit)


def _row(family, middle, given, n):
    return [family, middle, given, "02/03/1985", f"0010850000{n:02d}", "01/02/2012", "A1"]


def _problems(job, severity=None):
    return {
        (p["row"], p["column"], p["code"])
        for p in job.problems
        if severity is None or p["severity"] == severity
    }


def test_a_tcvn3_column_is_converted_as_a_whole(province):
    # "Vò" alone is good Unicode; in a column typed in TCVN3 it is "Vũ".
    assert encodings.repair_cell("Vò") == ("Vò", None)
    rows = [
        _row("NguyÔn", "V¨n", "An", 1),
        _row("Vò", "ThÞ", "Hoa", 2),
        _row("Lª", "ThÞ", "Hoa", 3),
    ]
    job = _people(province, rows)
    assert job.status == "done", (job.problems, job.failure)
    names = set(
        Person.objects.filter(citizen_id__startswith="0010850000").values_list(
            "full_name", flat=True
        )
    )
    assert names == {"Nguyễn Văn An", "Vũ Thị Hoa", "Lê Thị Hoa"}
    assert (3, "A", "enc.I001") in _problems(job, "warning")  # the conversion is reported
    assert job.contexts_path.exists()  # the commit would read the file with the same contexts


def test_a_column_mixing_encodings_refuses_the_undecidable_cells(province):
    rows = [
        _row("Nguyễn", "Văn", "An", 1),  # can only be Unicode
        _row("NguyÔn", "Văn", "Bình", 2),  # clearly TCVN3: converted, with a warning
        _row("Vò", "Văn", "Cường", 3),  # Unicode "Vò" or TCVN3 "Vũ"? Cannot tell.
    ]
    job = _people(province, rows)
    assert job.status == "invalid"
    assert _problems(job, "error") == {(4, "A", "enc.E005")}
    assert {(3, "A", "enc.W002"), (3, "A", "enc.I001")} <= _problems(job, "warning")
    refused = next(p for p in job.problem_list() if p["code"] == "enc.E005")
    assert "A4" in refused["message"] and "TCVN3" in refused["message"]
    assert not Person.objects.filter(citizen_id__startswith="0010850000").exists()


def test_unaccented_names_among_accented_ones_are_refused(province):
    rows = [
        _row("Nguyễn", "Văn", "An", 1),
        _row("Trần", "Thị", "Bình", 2),
        _row("Lê", "Văn", "Cường", 3),
        _row("Tran", "Văn", "Dũng", 4),  # alone only a warning (enc.W001)
    ]
    assert encodings.repair_cell("Tran")[1].code == "enc.W001"
    job = _people(province, rows, commit=False)
    assert job.status == "invalid"
    assert _problems(job, "error") == {(5, "A", "enc.E001")}


def test_an_ordinary_file_is_read_once(province, monkeypatch):
    calls = []
    real = text.contexts
    monkeypatch.setattr(text, "contexts", lambda columns: calls.append(1) or real(columns))
    rows = [_row("Nguyễn", "Văn", "An", 1), _row("Mai", "Anh", "Tuấn", 2)]
    job = _people(province, rows)
    assert job.status == "done", job.problems
    assert calls == [1] and not job.contexts_path.exists()


def test_the_units_commit_reads_names_with_their_column(province):
    # Units are not kept between check and commit: the commit reads the file again, with the
    # contexts that validation found.
    headers = ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên", "Ngày thành lập"]
    rows = [
        ["A7", "Chi bé th«n §«ng", "Chi bộ trực thuộc", "A", "01/01/2021"],
        ["A8", "Chi bé Vò Thanh", "Chi bộ trực thuộc", "A", "01/01/2021"],
    ]
    assert encodings.repair_cell("Chi bé Vò Thanh") == ("Chi bé Vò Thanh", None)
    data = xlsx_bytes(headers, rows, sheet="Đơn vị")
    job = run_import(province.users["staff_a"], province.commune_a, "units", data)
    assert job.status == "done", (job.problems, job.failure)
    assert Unit.objects.get(code="A7").name == "Chi bộ thôn Đông"
    assert Unit.objects.get(code="A8").name == "Chi bộ Vũ Thanh"


def test_column_context_matches_column_verdict():
    """The streaming rules are column_verdict's, cell for cell."""
    columns = [
        ["NguyÔn", "Vò", "Lª", "", "Ksor"],
        ["Nguyễn", "NguyÔn", "Vò", "Vò"],
        ["Nguyễn Thị Ánh", "Tran", "Lê Vân", "Phan Thanh Nam", "Nu", "John"],
        ["Tran", "Hung", "Nguyen Van An"],
        ["NguyÔn V¨n An", "Nguyeãn Vaên An"],
    ]
    for values in columns:
        whole = encodings.column_verdict(values)
        counts = text.ColumnTexts()
        for value in values:
            counts.add(value)
        context = counts.context()
        for value, expected in zip(values, whole.values, strict=True):
            got, _found = text.check_text(value, "X1", context)
            assert got == expected, (values, value)
