"""The clerk's Excel of discipline decisions and conclusions, imported into the register:
people found by citizen ID inside the import's unit, each row checked by the register's own
rules and refused naming its sheet, row and column; all or nothing; a file imported twice
records nothing twice."""

import pytest

from kiemdiem.imports.exporters import template_xlsx
from kiemdiem.imports.models import JobStatus
from kiemdiem.imports.readers import open_table
from kiemdiem.imports.tests.helpers import run_import, xlsx_bytes
from kiemdiem.people import services as people
from kiemdiem.register.models import RegisterEntry

HEADERS = [
    "Số CCCD",
    "Họ và tên",
    "Mã đơn vị",
    "Loại",
    "Khối",
    "Hình thức kỷ luật",
    "Ngày quyết định",
    "Cơ quan ban hành",
    "Số văn bản",
    "Năm vi phạm",
    "Đã tính khi xếp loại năm",
    "Tự phát hiện, đã khắc phục",
    "Tóm tắt",
]


@pytest.fixture
def ids(province):
    for name, number in (("binh", "001180000001"), ("dung", "001180000004")):
        people.person_update(person=province.members[name], citizen_id=number, actor=None)
    return {"binh": "001180000001", "dung": "001180000004"}


def row(citizen="001180000001", name="Trần Thị Bình", unit="", **over):
    values = {
        "kind": "Quyết định kỷ luật",
        "track": "Đảng",
        "form": "Khiển trách",
        "date": "01/09/2025",
        "body": "Chi bộ thôn Đông",
        "number": "05-QĐ/CB",
        "year": "2025",
        "counted": "",
        "self": "Không",
        "summary": "Chậm đóng đảng phí",
    } | over
    return [citizen, name, unit, *values.values()]


def test_a_clerks_file_is_recorded_in_the_register(province, ids):
    data = xlsx_bytes(
        HEADERS,
        [
            row(),
            row(counted="2024", number="06-QĐ/CB"),
            row(
                citizen="",
                name="",
                unit="A2",
                kind="Kết luận kiểm tra, thanh tra",
                form="",
                body="Ủy ban Kiểm tra Đảng ủy xã",
                number="KL-01",
            ),
        ],
        sheet="Sổ kỷ luật",
    )
    job = run_import(province.users["staff_a"], province.commune_a, "register", data)
    assert job.status == JobStatus.DONE, job.problem_list()
    assert job.created == 3
    entries = RegisterEntry.objects.order_by("pk")
    assert [(e.person_id, e.unit_id, e.discipline_form) for e in entries] == [
        (province.members["binh"].pk, None, "KHIEN_TRACH"),
        (province.members["binh"].pk, None, "KHIEN_TRACH"),
        (None, province.cell_a2.pk, ""),
    ]
    assert entries[1].counted_in_year == 2024
    assert all(e.entered_by == province.users["staff_a"] for e in entries)
    again = run_import(province.users["staff_a"], province.commune_a, "register", data)
    assert again.status == JobStatus.DONE and again.created == 0 and again.unchanged == 3


def test_a_wrong_row_is_named_by_row_and_column_and_nothing_is_written(province, ids):
    data = xlsx_bytes(
        HEADERS,
        [
            row(),
            row(form="Giải tán"),  # a person cannot be dissolved
            row(citizen=ids["dung"], name="Phạm Thị Dung"),  # commune B: not in A
            row(name="Nguyễn Văn An"),  # the ID is Bình's
            row(year="25"),
        ],
        sheet="Sổ kỷ luật",
    )
    job = run_import(province.users["staff_a"], province.commune_a, "register", data)
    assert job.status == JobStatus.INVALID
    problems = {(p["row"], p["header"]) for p in job.problem_list()}
    assert (3, "Hình thức kỷ luật") in problems
    assert (4, "Số CCCD") in problems
    assert (5, "Họ và tên") in problems
    assert (6, "Năm vi phạm") in problems
    assert not RegisterEntry.objects.exists()


def test_the_template_has_the_registers_columns(tmp_path):
    path = tmp_path / "mau.xlsx"
    path.write_bytes(template_xlsx("register"))
    table = open_table(path, "xlsx", "register")
    assert {"citizen_id", "kind", "track", "discipline_form", "year"} <= set(table.columns)
