"""Reading .ods, .xlsx with openpyxl, two-row headers, and date values."""

import datetime

import pytest

from kiemdiem.imports.tests.helpers import (
    PEOPLE_HEADERS,
    ods_bytes,
    person_row,
    run_import,
    xlsx_bytes,
)
from kiemdiem.imports.validation import CellError, parse_date
from kiemdiem.people.models import Person

pytestmark = pytest.mark.django_db


def test_ods(province):
    row = person_row()
    row[3] = datetime.date(1985, 3, 2)
    job = run_import(
        province.users["staff_p"],
        province.province,
        "people",
        ods_bytes(PEOPLE_HEADERS, [row]),
        filename="ds.ods",
    )
    assert job.status == "done", job.problems
    assert Person.objects.get(citizen_id="001085000001").birth_date == datetime.date(1985, 3, 2)


def test_xlsx_with_openpyxl_reader(province, settings):
    settings.IMPORTS_XLSX_READER = "openpyxl"
    job = run_import(
        province.users["staff_p"],
        province.province,
        "people",
        xlsx_bytes(PEOPLE_HEADERS, [person_row()], title_rows=[["Danh sách"]]),
    )
    assert job.status == "done", job.problems


def test_two_row_header(province):
    top = ["Họ", "Tên đệm", "Tên", "Số CCCD", "Đảng viên", "", "Mã chi bộ sinh hoạt"]
    below = ["", "", "", "", "Ngày vào Đảng", "Ngày chính thức", ""]
    data = xlsx_bytes(
        below,
        [["Hoàng", "Văn", "Hải", "001085000001", "01/02/2012", "01/02/2013", "A1"]],
        title_rows=[top],
    )
    job = run_import(province.users["staff_p"], province.province, "people", data)
    assert job.status == "done", job.problems
    assert Person.objects.get(citizen_id="001085000001").membership.official_on.year == 2013


def test_citizen_id_typed_as_a_number_keeps_its_zeros(province):
    row = person_row()
    row[5] = 1085000001
    job = run_import(
        province.users["staff_p"], province.province, "people", xlsx_bytes(PEOPLE_HEADERS, [row])
    )
    assert job.status == "done", job.problems
    assert Person.objects.filter(citizen_id="001085000001").exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("03/04/2026", datetime.date(2026, 4, 3)),
        ("3-4-2026", datetime.date(2026, 4, 3)),
        ("2026-04-03", datetime.date(2026, 4, 3)),
        (46115, datetime.date(2026, 4, 3)),
        ("46115", datetime.date(2026, 4, 3)),
        (datetime.datetime(2026, 4, 3, 0, 0), datetime.date(2026, 4, 3)),
        ("", None),
    ],
)
def test_dates(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("31/02/2020", "date.impossible"),
        ("29/02/2023", "date.impossible"),
        ("ngày 3 tháng 4", "date.invalid"),
        (-5, "date.invalid"),
        ("13/13/2020", "date.impossible"),
    ],
)
def test_bad_dates(value, code):
    with pytest.raises(CellError) as exc:
        parse_date(value)
    assert exc.value.code == code
