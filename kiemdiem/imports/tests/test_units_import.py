"""Units import: creation in tree order, every error kind, idempotency, moves."""

import pytest

from kiemdiem.audit.models import LogEntry
from kiemdiem.imports.tests.helpers import run_import, xlsx_bytes
from kiemdiem.orgtree.models import Unit, UnitPlacement

pytestmark = pytest.mark.django_db

HEADERS = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Tên viết tắt",
    "Loại đơn vị",
    "Mã đơn vị cấp trên",
    "Ngày thành lập",
]


def _run(province, rows, user="staff_a", unit=None, headers=HEADERS):
    data = xlsx_bytes(headers, rows, sheet="Đơn vị")
    return run_import(province.users[user], unit or province.commune_a, "units", data)


def test_creates_units_children_after_parents(province):
    rows = [
        ["A3-1", "Tổ đảng 1", "", "Chi bộ trực thuộc", "A3", "01/01/2021"],
        ["A3", "Đảng bộ bộ phận thôn Nam", "ĐBBP Nam", "dang_bo_bo_phan", "A", "01/01/2021"],
    ]
    job = _run(province, rows)
    assert job.status == "done", job.problems
    assert (job.created, job.updated, job.unchanged) == (2, 0, 0)
    child = Unit.objects.get(code="A3-1")
    assert child.parent.code == "A3" and child.parent.parent == province.commune_a
    assert UnitPlacement.objects.filter(unit=child).count() == 1
    logs = LogEntry.objects.count()
    again = _run(province, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert LogEntry.objects.count() == logs + 1


def test_rename_and_move(province):
    rows = [
        ["A1", "Chi bộ thôn Đông Mới", "", "Chi bộ trực thuộc", "A", "01/01/2020"],
        ["A9", "Đảng bộ bộ phận", "", "Đảng bộ bộ phận", "A", "01/01/2020"],
        ["A2", "Chi bộ thôn Tây", "", "Chi bộ trực thuộc", "A9", "01/01/2020"],
    ]
    job = _run(province, rows)
    assert job.status == "done", (job.problems, job.failure)
    assert (job.created, job.updated, job.unchanged) == (1, 2, 0)
    province.cell_a1.refresh_from_db()
    province.cell_a2.refresh_from_db()
    assert province.cell_a1.name == "Chi bộ thôn Đông Mới"
    assert province.cell_a2.parent.code == "A9"
    assert LogEntry.objects.filter(action="unit.moved", object_id=str(province.cell_a2.pk)).exists()


def test_every_unit_error(province):
    before = (Unit.objects.count(), LogEntry.objects.count())
    rows = [
        ["X1", "Chi bộ Một", "", "Chi bộ trực thuộc", "X2", "01/01/2021"],  # 2: cycle
        ["X2", "Chi bộ Hai", "", "Chi bộ trực thuộc", "X1", "01/01/2021"],  # 3: cycle
        ["X3", "", "", "Chi bộ trực thuộc", "A", "01/01/2021"],  # 4: name missing → B
        ["X4", "Chi bộ Bốn", "", "Loại lạ", "A", "01/01/2021"],  # 5: kind → D
        ["X5", "Chi bộ Năm", "", "Chi bộ trực thuộc", "QQ", "01/01/2021"],  # 6: parent → E
        ["X8", "Chi bộ Tám", "", "Chi bộ trực thuộc", "A", "30/02/2021"],  # 7: date → F
        ["X6", "Chi bộ Sáu", "", "Chi bộ trực thuộc", "A", "01/01/2021"],  # 8
        ["X6", "Chi bộ Sáu", "", "Chi bộ trực thuộc", "A", "01/01/2021"],  # 9: duplicate → A
        ["B1", "Chi bộ khu phố 1", "", "Chi bộ trực thuộc", "B", "01/01/2020"],  # 10: scope
        ["X7", "Chi bo thon Dong", "", "Chi bộ trực thuộc", "A", "01/01/2021"],  # 11: encoding
    ]
    job = _run(province, rows)
    assert job.status == "invalid"
    got = {(p["row"], p["column"], p["code"]) for p in job.problems}
    assert (2, "E", "unit.cycle") in got and (3, "E", "unit.cycle") in got
    assert (4, "B", "required") in got
    assert (5, "D", "choice.unknown") in got
    assert (6, "E", "unit.unknown") in got
    assert (7, "F", "date.impossible") in got
    assert (9, "A", "unit.duplicate") in got
    assert (10, "A", "unit.out_of_scope") in got
    assert any(r == 11 and c == "B" and code.startswith("enc.E") for r, c, code in got)
    assert (Unit.objects.count(), LogEntry.objects.count()) == before


def test_moving_a_unit_under_its_own_child_is_a_cycle(province):
    rows = [
        ["A", "Đảng bộ xã An Bình", "", "Đảng bộ xã, phường", "P", "01/01/2020"],
        ["A1", "Chi bộ thôn Đông", "", "Chi bộ trực thuộc", "A", "01/01/2020"],
        ["B", "Đảng bộ phường Bến Thành", "", "Đảng bộ xã, phường", "B1", "01/01/2020"],
    ]
    job = _run(province, rows, user="staff_p", unit=province.province)
    assert (4, "E", "unit.cycle") in {(p["row"], p["column"], p["code"]) for p in job.problems}
