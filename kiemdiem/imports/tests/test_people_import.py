"""People import: header matching, every validation error, idempotency, updates, safety."""

import datetime

import pytest
from openpyxl import load_workbook

from kiemdiem.audit.models import LogEntry
from kiemdiem.imports import exporters, services
from kiemdiem.imports.tests.helpers import (
    PEOPLE_HEADERS,
    csv_bytes,
    person_row,
    run_import,
    xlsx_bytes,
)
from kiemdiem.people.models import Affiliation, MemberStatus, PartyMember, Person

pytestmark = pytest.mark.django_db


def _state():
    return (
        Person.objects.count(),
        PartyMember.objects.count(),
        Affiliation.objects.count(),
        MemberStatus.objects.count(),
        LogEntry.objects.count(),
    )


def _import(province, rows, headers=PEOPLE_HEADERS, **kwargs):
    data = xlsx_bytes(headers, rows, **{k: v for k, v in kwargs.items() if k == "title_rows"})
    return run_import(
        province.users["staff_p"],
        province.province,
        "people",
        data,
        commit=kwargs.get("commit", True),
    )


def _codes(job):
    return {(p["row"], p["column"], p["code"]) for p in job.problems if p["severity"] == "error"}


def test_creates_people_with_membership_cell_and_posts(province):
    job = _import(
        province,
        [
            person_row(posts="A1: Phó bí thư chi bộ (Cấp phó) từ 01/02/2021"),
            person_row(
                given="Hà",
                cid="001085000002",
                cell="B1",
                status="Đình chỉ sinh hoạt đảng",
                status_from="01/06/2024",
            ),
        ],
    )
    assert job.status == "done", job.problems
    assert (job.created, job.updated, job.unchanged) == (2, 0, 0)
    hai = Person.objects.get(citizen_id="001085000001")
    assert hai.full_name == "Hoàng Văn Hải" and hai.birth_date == datetime.date(1985, 3, 2)
    assert hai.membership.admitted_on == datetime.date(2012, 2, 1)
    post = hai.affiliations.get(kind="position")
    assert (post.unit, post.title, post.role, post.valid_from) == (
        province.cell_a1,
        "Phó bí thư chi bộ",
        "deputy",
        datetime.date(2021, 2, 1),
    )
    ha = Person.objects.get(citizen_id="001085000002")
    assert ha.membership.status_on().status == "suspended"
    assert ha.affiliations.get(kind="cell").unit == province.cell_b1
    assert LogEntry.objects.filter(action="import.committed").count() == 1


def test_headers_without_diacritics_other_case_spacing_and_title_rows(province):
    headers = [
        "  HO ",
        "ten dem",
        "TÊN",
        "ngay  sinh",
        "gioi tinh (*)",
        "so cccd",
        "so the dang vien",
        "NGAY VAO DANG",
        "ngay chinh thuc",
        "trang thai sinh hoat",
        "ngay bat dau trang thai",
        "ma chi bo sinh hoat",
        "ngay sinh hoat tai chi bo",
        "chuc vu",
    ]
    job = _import(
        province, [person_row()], headers=headers, title_rows=[["DANH SÁCH ĐẢNG VIÊN"], []]
    )
    assert job.status == "done", job.problems
    assert Person.objects.filter(citizen_id="001085000001").exists()


def test_full_name_column_and_excel_serial_and_date_cells(province):
    headers = [
        "Họ và tên",
        "Ngày sinh",
        "Ngày vào Đảng",
        "Mã chi bộ sinh hoạt",
        "Ngày sinh hoạt tại chi bộ",
    ]
    rows = [["Đỗ Thị Thu Hằng", 31108, datetime.datetime(2010, 5, 19), "a2", "01/01/2021"]]
    job = _import(province, rows, headers=headers)
    assert job.status == "done", job.problems
    p = Person.objects.get(given_name="Hằng")
    assert (p.family_name, p.middle_name) == ("Đỗ", "Thị Thu")
    assert p.birth_date == datetime.date(1985, 3, 2)  # Excel serial 31108
    assert p.membership.admitted_on == datetime.date(2010, 5, 19)


def test_every_error_is_reported_with_row_and_column_and_nothing_is_written(province):
    before = _state()
    rows = [
        person_row(given=""),  # row 2: missing given name → C
        person_row(cid="001085000003", cell="ZZ9"),  # row 3: unknown unit → L
        person_row(cid="001085000004", birth="31/02/1985"),  # row 4: impossible date → D
        person_row(cid="001085000005", given="Năm"),  # row 5
        person_row(cid="001085000005", given="Năm"),  # row 6: duplicate of row 5 → F
        person_row(family="Nguyen", middle="Van", given="Tam", cid="001085000007"),  # row 7
        person_row(cid="001085000008", cell="A1; A2"),  # row 8: two cells at once → L
        person_row(cid="001085000009", cell="A"),  # row 9: not a cell → L
        person_row(cid="001085000010", admitted="01/01/2099"),  # row 10: future admission → H
        person_row(cid="12345"[:3] + "x", given="Mười Một"),  # row 11: bad citizen ID → F
    ]
    job = _import(province, rows)
    assert job.status == "invalid"
    codes = _codes(job)
    assert (2, "C", "required") in codes
    assert (3, "L", "unit.unknown") in codes
    assert (4, "D", "date.impossible") in codes
    assert (6, "F", "person.duplicate") in codes
    assert any(r == 7 and c in ("A", "B", "C") and code.startswith("enc.E") for r, c, code in codes)
    assert (8, "L", "person.two_cells") in codes
    assert (9, "L", "unit.not_cell") in codes
    assert (10, "H", "invalid.admitted_on") in codes
    assert (11, "F", "invalid.citizen_id") in codes
    assert all(p["sheet"] == "Nhân sự" for p in job.problems)
    assert _state() == before
    # The report marks the bad cells.
    book = load_workbook(job.report_path)
    assert book.worksheets[0].max_row >= 10
    data = book.worksheets[1]
    marked = [c for row in data.iter_rows() for c in row if c.comment is not None]
    assert marked and marked[0].fill.fgColor.rgb == "FFF8B4B4"
    # Long texts wrap in their column, and their rows are tall enough to show them.
    summary = book.worksheets[0]
    assert summary.column_dimensions["G"].width >= 80
    longest = max(range(2, summary.max_row + 1), key=lambda r: len(summary.cell(r, 7).value))
    assert summary.cell(longest, 7).alignment.wrap_text
    if len(summary.cell(longest, 7).value) > 110:
        assert summary.row_dimensions[longest].height > 15
    assert all(c.alignment.wrap_text for c in data[1])  # the headers


def test_messages_follow_the_readers_language(province):
    from django.utils import translation

    with translation.override("en"):
        job = _import(province, [person_row(cell="ZZ9")])
        assert "No active unit" in job.problem_list()[0]["message"]
    message = job.problem_list()[0]["message"]  # read in Vietnamese
    assert "ZZ9" in message and "No active unit" not in message


def test_a_report_checked_in_vietnamese_reads_in_english(province):
    """The uploader's language is not stored: the viewer's language renders the report."""
    from django.utils import translation

    rows = [
        person_row(cell="ZZ9"),  # the import's own message, with a parameter
        person_row(given="Hà", cid="001085000002", birth="01/01/2090"),  # a services' message
        person_row(family="Nguyen", given="Hà", cid="001085000003"),  # an encoding finding
    ]
    job = _import(province, rows)  # checked under Vietnamese (the tests' default)
    assert job.status == "invalid"
    vietnamese = {p["code"]: p["message"] for p in job.problem_list()}
    assert (
        "ZZ9" in vietnamese["unit.unknown"] and "No active unit" not in vietnamese["unit.unknown"]
    )
    with translation.override("en"):
        job.refresh_from_db()
        english = {p["code"]: p["message"] for p in job.problem_list()}
        assert english["unit.unknown"] == "No active unit with code “ZZ9”."
        assert english["invalid.birth_date"] == "The date of birth cannot be in the future."
        assert english["enc.E001"].startswith("Cell A4: Vietnamese text has lost its diacritics")
        assert english["invalid.birth_date"] != vietnamese["invalid.birth_date"]
        # The downloadable report too, built in the viewer's language on first download.
        path = exporters.error_report(job)
        assert path.name == "report.en.xlsx"
        book = load_workbook(path)
        assert book.sheetnames == ["Problems", "Rows with problems"]
        messages = [row[6] for row in book["Problems"].iter_rows(min_row=2, values_only=True)]
        assert "No active unit with code “ZZ9”." in messages
    vi_book = load_workbook(exporters.error_report(job))
    assert vi_book.sheetnames[0] != "Problems"


def test_same_person_in_two_cells_on_two_rows(province):
    job = _import(province, [person_row(), person_row(cell="A2")])
    assert (3, "L", "person.two_cells") in _codes(job)


def test_reimport_changes_nothing_and_changed_file_updates(province):
    rows = [person_row(), person_row(given="Hà", cid="001085000002")]
    first = _import(province, rows)
    assert first.created == 2
    logs = LogEntry.objects.count()
    second = _import(province, rows)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert LogEntry.objects.count() == logs + 1  # only the import summary
    rows[1] = person_row(
        given="Hà",
        cid="001085000002",
        birth="03/03/1985",
        cell="A2",
        cell_from="01/06/2024",
        posts="A2: Chi ủy viên",
    )
    third = _import(province, rows)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1), third.failure
    ha = Person.objects.get(citizen_id="001085000002")
    assert ha.birth_date == datetime.date(1985, 3, 3)
    assert ha.affiliations.get(kind="cell", valid_to__isnull=True).unit == province.cell_a2
    actions = set(LogEntry.objects.order_by("-pk")[:5].values_list("action", flat=True))
    assert {"person.updated", "member.transferred", "affiliation.started"} <= actions
    fourth = _import(province, rows)
    assert (fourth.created, fourth.updated, fourth.unchanged) == (0, 0, 2)


def test_a_changed_post_start_date_is_an_audited_update(province):
    rows = [person_row(posts="A1: Phó bí thư chi bộ (Cấp phó) từ 01/02/2021")]
    assert _import(province, rows).created == 1
    post = Person.objects.get(citizen_id="001085000001").affiliations.get(kind="position")
    assert post.valid_from == datetime.date(2021, 2, 1)
    rows = [person_row(posts="A1: Phó bí thư chi bộ (Cấp phó) từ 15/01/2020")]
    preview = _import(province, rows, commit=False)
    assert preview.preview == {"created": 0, "updated": 1, "unchanged": 0}
    job = _import(province, rows)
    assert (job.created, job.updated, job.unchanged) == (0, 1, 0), (job.problems, job.failure)
    post.refresh_from_db()
    assert (post.valid_from, post.valid_to) == (datetime.date(2020, 1, 15), None)
    assert post.person.affiliations.filter(kind="position").count() == 1  # corrected, not replaced
    entry = LogEntry.objects.filter(action="affiliation.updated").get()
    assert entry.data == {"changes": {"valid_from": ["2021-02-01", "2020-01-15"]}}
    assert entry.unit_id == province.cell_a1.pk
    # The same date again, or no date at all: nothing changes.
    assert _import(province, rows).unchanged == 1
    rows = [person_row(posts="A1: Phó bí thư chi bộ (Cấp phó)")]
    assert _import(province, rows).unchanged == 1


def test_existing_people_are_matched_by_name_and_birth_date(province):
    headers = ["Họ", "Tên đệm", "Tên", "Ngày sinh", "Mã chi bộ sinh hoạt"]
    job = _import(province, [["Nguyễn", "Văn", "An", "01/05/1980", "A1"]], headers=headers)
    assert (job.created, job.updated, job.unchanged) == (0, 0, 1), job.problems


def test_people_outside_the_scope_are_refused(province):
    headers = ["Họ", "Tên đệm", "Tên", "Ngày sinh", "Mã chi bộ sinh hoạt"]
    data = xlsx_bytes(headers, [["Phạm", "Thị", "Dung", "01/05/1980", "A1"]])
    job = run_import(province.users["staff_a"], province.commune_a, "people", data)
    assert job.status == "invalid"
    assert {p["code"] for p in job.problems} == {"person.out_of_scope"}


def test_windows_1258_and_semicolon_csv(province):
    rows = [person_row(family="Lý", given="Thường Kiệt"[:6], cid="001085000011")]
    data = csv_bytes(PEOPLE_HEADERS, rows, encoding="cp1258", delimiter=";")
    job = run_import(
        province.users["staff_p"], province.province, "people", data, filename="ds.csv"
    )
    assert job.status == "done", job.problems
    assert Person.objects.get(citizen_id="001085000011").family_name == "Lý"


def test_utf8_bom_csv(province):
    data = csv_bytes(PEOPLE_HEADERS, [person_row()], encoding="utf-8-sig")
    job = run_import(
        province.users["staff_p"], province.province, "people", data, filename="ds.csv"
    )
    assert job.status == "done", job.problems


def test_damaged_csv_encoding_is_refused(province):
    data = csv_bytes(PEOPLE_HEADERS, [person_row()], encoding="utf-8")[:-3] + b"\xff\xfe\x81"
    data = b"\xef\xbb\xbf" + data
    job = run_import(
        province.users["staff_p"], province.province, "people", data, filename="ds.csv"
    )
    assert job.status == "invalid"
    assert job.problems[0]["code"] == "file.encoding"


def test_an_error_in_the_middle_of_the_commit_leaves_nothing(province, monkeypatch):
    rows = [person_row(cid=f"0010850{i:05d}", given="Hải") for i in range(1, 30)]
    rows[3] = person_row(cid="001085000004", given="Hà")
    # An existing person changes too, so both paths run before the failure.
    data = xlsx_bytes(PEOPLE_HEADERS, rows)
    job = services.job_create(
        user=province.users["staff_p"],
        unit=province.province,
        kind="people",
        filename="x.xlsx",
        chunks=[data],
    )
    services.import_validate(job)
    assert job.status == "ready", job.problems
    before = _state()
    real = services.create_in_bulk

    def crash(records, actor, *args):
        real(records, actor, *args)
        raise RuntimeError("killed")

    monkeypatch.setattr(services, "create_in_bulk", crash)
    with pytest.raises(RuntimeError):
        services.import_commit(job, province.users["staff_p"])
    assert _state() == before
    job.refresh_from_db()
    assert job.status == "failed"


def test_employment_without_title_and_post_without_title(province):
    headers = [*PEOPLE_HEADERS, "Công tác tại cơ quan nhà nước"]
    ok = [*person_row(), "UBA:  (Công chức) từ 01/01/2020"]
    job = _import(province, [ok], headers=headers)
    assert job.status == "done", job.problems
    assert (
        Person.objects.get(citizen_id="001085000001").affiliations.get(kind="employment").title
        == ""
    )
    bad = [*person_row(cid="001085000002", posts="A1: (Cấp phó)"), ""]
    job = _import(province, [bad], headers=headers)
    assert (2, "N", "post.format") in _codes(job)


def test_empty_cells_keep_stored_values(province):
    headers = [*PEOPLE_HEADERS, "Nghề nghiệp", "Điện thoại"]
    first = [*person_row(), "Nông dân", "0912345678"]
    assert _import(province, [first], headers=headers).created == 1
    again = [*person_row(), "", ""]
    job = _import(province, [again], headers=headers)
    assert (job.updated, job.unchanged) == (0, 1)
    person = Person.objects.get(citizen_id="001085000001")
    assert (person.membership.occupation, person.phone) == ("farmer", "0912345678")


@pytest.mark.parametrize(
    "fields",
    [
        {"family_name": "Nguyễn", "middle_name": "Văn", "given_name": "An", "gender": "M"},
        {
            "family_name": "Lê",
            "given_name": "Hoa",
            "email": "hoa@example.vn",
            "phone": "0912 345 678",
        },
        {"family_name": "Lê", "given_name": "Hoa", "email": "not an e-mail"},
        {"family_name": "Lê" * 40, "given_name": "Hoa"},  # longer than the column
        {"family_name": "Lê", "given_name": "Hoa", "ethnicity": "Ki\x00nh"},
        {"family_name": "Lê", "given_name": "Hoa", "gender": "X"},
        {"family_name": "", "given_name": "Hoa"},
        {"family_name": "Lê", "given_name": "Hoa", "birth_date": datetime.date(1980, 1, 2)},
    ],
)
def test_quick_person_check_agrees_with_full_clean(fields):
    """``validation.clean_person`` skips Django's field cleaning only for plainly good values."""
    from django.core.exceptions import ValidationError

    from kiemdiem.imports import validation
    from kiemdiem.people import services as people

    reference = Person()
    people._apply_person_fields(reference, dict(fields))
    try:
        reference.full_clean(validate_unique=False, validate_constraints=False)
        expected = tuple(getattr(reference, n) for n in validation.PERSON_COLUMNS)
    except ValidationError as exc:
        expected = exc.message_dict
    probe = validation._NewPerson()
    people._apply_person_fields(probe, dict(fields))
    try:
        got = validation.clean_person(probe)
    except ValidationError as exc:
        got = exc.message_dict
    assert got == expected
