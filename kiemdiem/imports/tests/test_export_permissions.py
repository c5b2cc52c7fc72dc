"""Who may export what, and what an import may rewrite (``people.policies``).

An export needs a ``view`` grant covering the unit (a member's own units do not count) and
writes only the people whose personal fields the user may see. An import into a unit does
not rewrite people whose party cell or workplace is elsewhere.
"""

import pytest
from django.urls import reverse

from kiemdiem.imports.tests.helpers import run_import, xlsx_bytes
from kiemdiem.people.models import Affiliation, Person

pytestmark = pytest.mark.django_db


def _export(client, province, who, unit):
    client.force_login(province.users[who])
    url = reverse("import-export")
    return client.get(url, {"export-kind": "people", "export-unit": unit, "export-format": "csv"})


# (who, unit code, expected names or None when refused)
MATRIX = [
    ("member", "A1", None),  # today: the whole cell with citizen IDs and phones
    ("employee", "UBA", None),  # a member login on an agency: nothing
    ("secretary", "A1", {"Nguyễn Văn An", "Trần Thị Bình"}),  # not the resident
    ("staff_a", "A", {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Đỗ Văn Em"}),
    ("staff_b", "A", None),
    (
        "staff_p",
        "A",
        {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Đỗ Văn Em", "Phạm Thị Dung"},
    ),
    (
        "inspector",
        "A",
        {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Đỗ Văn Em", "Phạm Thị Dung"},
    ),
]


@pytest.mark.parametrize(("who", "unit", "names"), MATRIX, ids=[m[0] for m in MATRIX])
def test_export_matrix(client, province, door, who, unit, names):
    response = _export(client, province, who, unit)
    if names is None:
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")  # the form again, no file
        return
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = text.splitlines()[1:]
    got = {" ".join(part for part in row.split(",")[:3] if part) for row in rows}
    assert got == names
    assert ("001180000004" in text) is ("Phạm Thị Dung" in names)


def test_a_member_gets_a_clear_reason(client, province, door):
    response = _export(client, province, "member", "A1")
    form = response.context["export_form"]
    assert "member" not in form.errors["unit"][0]  # Vietnamese by default
    assert "đảng viên" in form.errors["unit"][0]
    page = client.get(reverse("imports")).content.decode()
    assert 'name="export-unit"' not in page  # no export form for a member login


def test_export_of_an_unknown_or_foreign_unit_names_the_field(client, province, door):
    response = _export(client, province, "staff_b", "A")
    assert "A" in response.context["export_form"].errors["unit"][0]


PEOPLE = [
    "Họ",
    "Tên đệm",
    "Tên",
    "Ngày sinh",
    "Số CCCD",
    "Điện thoại",
    "Mã chi bộ sinh hoạt",
    "Mã chi bộ nơi cư trú",
    "Chức vụ",
]
DUNG = ["Phạm", "Thị", "Dung", "01/05/1980", "001180000004"]


def test_import_does_not_rewrite_people_whose_home_is_elsewhere(province, door):
    """The resident is registered in A1 but active in B1: commune A's import may not change
    her phone (today it did: any current link to the subtree counted)."""
    row = [*DUNG, "0999999999", "", "A1", ""]
    job = run_import(
        province.users["staff_a"], province.commune_a, "people", xlsx_bytes(PEOPLE, [row])
    )
    assert job.status == "invalid"
    assert {p["code"] for p in job.problems} == {"person.home_elsewhere"}
    door.resident.refresh_from_db()
    assert door.resident.phone == "0912000004"
    # Her home commune may.
    row = [*DUNG, "0999999999", "B1", "", ""]
    job = run_import(
        province.users["staff_b"], province.commune_b, "people", xlsx_bytes(PEOPLE, [row])
    )
    assert job.status == "done", job.problems
    door.resident.refresh_from_db()
    assert door.resident.phone == "0999999999"


def test_import_may_give_a_resident_a_post_in_the_units_it_covers(province, door):
    row = [*DUNG, "", "", "A1", "A1: Tổ trưởng tổ đảng từ 01/02/2024"]
    job = run_import(
        province.users["staff_a"], province.commune_a, "people", xlsx_bytes(PEOPLE, [row])
    )
    assert job.status == "done", job.problems
    post = Affiliation.objects.get(person=door.resident, kind="position")
    assert post.unit == province.cell_a1
    assert Person.objects.get(pk=door.resident.pk).phone == "0912000004"


def test_the_page_export_is_the_registrys_people_units_export(client, province, door, settings):
    """The imports page's export runs the documents registry's exporter: the user's own job,
    audited, under the documents' limits."""
    from kiemdiem.audit.models import LogEntry
    from kiemdiem.documents import services as documents
    from kiemdiem.jobs.models import Job

    response = _export(client, province, "staff_a", "A")
    assert response.status_code == 200
    job = Job.objects.get(kind=documents.KIND)
    assert job.owner == province.users["staff_a"] and job.params["exporter"] == "people_units"
    assert job.params["data"] == {"kind": "people", "unit": "A"}
    assert response["Content-Disposition"].endswith(f'filename="{job.result_name}"')
    entries = LogEntry.objects.filter(action__startswith="document.", object_id=str(job.pk))
    actions = set(entries.values_list("action", flat=True))
    assert actions == {"document.batch_started", "document.exported"}
    # the documents' size limit holds here too: refused with the reason, no file
    settings.KIEMDIEM_DOCUMENTS_MAX_BYTES = 10
    response = _export(client, province, "staff_a", "A")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert "MB" in " ".join(response.context["export_form"].non_field_errors())
