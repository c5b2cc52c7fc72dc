"""Legacy text and messy cells through the whole import (issue 11, "legacy text").

Every file is built here with the exact characters a legacy file holds: TCVN3 bytes as
Windows-1252 shows them (``"¸nh"``), UTF-8 read as Windows-1252 with its no-break space
(``"HoÃ\\xa0ng"``), zero-width characters, numbers where text was meant.
"""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kiemdiem.imports import validation
from kiemdiem.imports.encodings import unicode_to_tcvn3
from kiemdiem.imports.tests.helpers import run_import, xlsx_bytes
from kiemdiem.people.models import Person

pytestmark = pytest.mark.django_db

HEADERS = [
    "Họ",
    "Tên đệm",
    "Tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Ngày vào Đảng",
    "Mã chi bộ sinh hoạt",
]


def _row(family, middle, given, n, *, gender="Nam", birth="02/03/1985", cid=None, cell="A1"):
    return [family, middle, given, birth, gender, cid or f"0010850000{n:02d}", "01/02/2012", cell]


def _people(province, rows, *, headers=HEADERS, commit=True, data=None, filename="data.xlsx"):
    data = data if data is not None else xlsx_bytes(headers, rows)
    return run_import(
        province.users["staff_p"],
        province.province,
        "people",
        data,
        filename=filename,
        commit=commit,
    )


def _names():
    return set(
        Person.objects.filter(citizen_id__startswith="0010850000").values_list(
            "full_name", flat=True
        )
    )


def _codes(job, severity=None):
    return {
        (p["row"], p["column"], p["code"])
        for p in job.problems
        if severity is None or p["severity"] == severity
    }


def mojibake(text: str) -> str:
    """UTF-8 bytes shown as Windows-1252 (the no-break space of "à" = C3 A0 stays one)."""
    return text.encode("utf-8").decode("cp1252")


# --- UTF-8 read as Windows-1252 ------------------------------------------------------------


def test_mojibake_with_a_no_break_space_is_repaired_before_spaces_are_normalised(province):
    assert mojibake("Hoàng") == "HoÃ\xa0ng"
    job = _people(province, [_row(mojibake("Hoàng"), "Văn", mojibake("Hoà"), 1)])
    assert job.status == "done", job.problems
    assert _names() == {"Hoàng Văn Hoà"}  # not "HoÃ ng Văn HoÃ"
    assert {(2, "A", "enc.I003"), (2, "C", "enc.I003")} <= _codes(job, "warning")


def test_half_mojibake_cell_is_repaired(province):
    # A cell pasted together from a good and a mis-decoded part (ftfy repairs the part).
    headers = ["Họ và tên", *HEADERS[3:]]
    rows = [
        ["Nguyễn " + mojibake("Thị Lan"), *_row("", "", "", 1)[3:]],
        ["Lê Văn Bình", *_row("", "", "", 2)[3:]],
    ]
    assert rows[0][0] == "Nguyễn Thá»‹ Lan"
    job = _people(province, rows, headers=headers)
    assert job.status == "done", job.problems
    assert _names() == {"Nguyễn Thị Lan", "Lê Văn Bình"}


# --- invisible characters --------------------------------------------------------------------


def test_zero_width_characters_are_removed_from_every_text_cell(province):
    rows = [
        [
            "Ng\u200buyễn",
            "\ufeffVăn",
            "An\u200c",
            "02/03/1985\u200b",
            "Nam\u200b",
            "\u200b001085000001",
            "\ufeff01/02/2012",
            "A1\u200b",
        ]
    ]
    job = _people(province, rows)
    assert job.status == "done", job.problems
    person = Person.objects.get(citizen_id="001085000001")
    assert (person.full_name, person.gender) == ("Nguyễn Văn An", "M")
    assert person.birth_date.isoformat() == "1985-03-02"
    assert person.membership.admitted_on.isoformat() == "2012-02-01"


def test_invisible_characters_in_headers_do_not_hide_a_column(province):
    headers = [h + "\u200b" if i % 2 else "\ufeff" + h for i, h in enumerate(HEADERS)]
    job = _people(province, [_row("Nguyễn", "Văn", "An", 1)], headers=headers)
    assert job.status == "done", job.problems
    assert _names() == {"Nguyễn Văn An"}


# --- TCVN3: names, headers, choices ----------------------------------------------------------


def test_tcvn3_given_names_are_capitalised_as_names(province):
    rows = [
        _row(unicode_to_tcvn3("Lê"), unicode_to_tcvn3("Thị"), unicode_to_tcvn3("Ánh"), 1),
        _row(unicode_to_tcvn3("Vũ"), unicode_to_tcvn3("Văn"), unicode_to_tcvn3("Ân"), 2),
        _row(unicode_to_tcvn3("Đỗ"), unicode_to_tcvn3("Thị"), unicode_to_tcvn3("Ý"), 3),
    ]
    assert [r[:3] for r in rows] == [["Lª", "ThÞ", "¸nh"], ["Vò", "V¨n", "¢n"], ["§ç", "ThÞ", "ý"]]
    job = _people(province, rows)
    assert job.status == "done", job.problems
    assert _names() == {"Lê Thị Ánh", "Vũ Văn Ân", "Đỗ Thị Ý"}


def test_a_tcvn3_given_name_alone_is_a_name(province):
    job = _people(province, [_row("NguyÔn", "ThÞ", "¸nh", 1)])
    assert job.status == "done", job.problems
    assert _names() == {"Nguyễn Thị Ánh"}


def test_tcvn3_headers_and_choice_cells_are_read(province):
    headers = [unicode_to_tcvn3(h) for h in HEADERS]
    assert headers[4] == "Giíi tÝnh" and headers[7] == "M· chi bé sinh ho¹t"
    rows = [
        _row("TrÇn", "ThÞ", "Hoa", 1, gender=unicode_to_tcvn3("Nữ")),
        _row("Lª", "V¨n", "Nam", 2, gender="Nam"),
    ]
    assert rows[0][4] == "N÷"
    job = _people(province, rows, headers=headers)
    assert job.status == "done", job.problems
    assert dict(
        Person.objects.filter(citizen_id__startswith="0010850000").values_list(
            "full_name", "gender"
        )
    ) == {"Trần Thị Hoa": "F", "Lê Văn Nam": "M"}


def test_a_tcvn3_csv_file_with_tcvn3_headers(province):
    # The file's bytes are TCVN3 throughout, as a legacy program writes them.
    text = "\n".join(
        ",".join(cells)
        for cells in [HEADERS, _row("NguyÔn", "ThÞ", "¸nh", 1, gender="N÷")]
        for cells in [[unicode_to_tcvn3(c) if cells is HEADERS else c for c in cells]]
    )
    data = text.encode("latin-1")
    job = _people(province, [], data=data, filename="data.csv")
    assert job.status == "done", job.problems
    person = Person.objects.get(citizen_id="001085000001")
    assert (person.full_name, person.gender) == ("Nguyễn Thị Ánh", "F")


def test_a_file_without_a_header_names_no_cell(province, tmp_path):
    job = _people(province, [], headers=["x", "y"])
    assert job.status == "invalid"
    assert [(p["row"], p["column"], p["code"]) for p in job.problems] == [(0, "", "file.header")]
    path = tmp_path / "ds.xlsx"
    path.write_bytes(xlsx_bytes(["x", "y"], []))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_data", str(path), kind="people", unit="P", quiet_progress=True, stdout=out
        )
    assert out.getvalue().startswith("[file.header] ") and "!0" not in out.getvalue()


# --- citizen IDs -----------------------------------------------------------------------------


def test_a_citizen_id_typed_as_a_number_gets_its_zeros_back(province):
    row = _row("Nguyễn", "Văn", "An", 1)
    row[5] = 1085000001  # 001085000001 as Excel keeps a number
    job = _people(province, [row])
    assert job.status == "done", job.problems
    assert Person.objects.filter(citizen_id="001085000001").exists()


@pytest.mark.parametrize("value", ["12345", 12345])
def test_a_short_or_long_citizen_id_is_an_error_not_padded(province, value):
    row = _row("Nguyễn", "Văn", "An", 1)
    row[5] = value
    job = _people(province, [row])
    assert job.status == "invalid"
    assert _codes(job, "error") == {(2, "F", "invalid.citizen_id")}
    assert not Person.objects.filter(citizen_id__endswith="12345").exists()


def test_two_people_with_one_citizen_id_is_a_duplicate_id_at_the_id_cell(province):
    rows = [
        _row("Nguyễn", "Văn", "An", 1, cid="001085000001"),
        _row("Trần", "Thị", "Bình", 2, cid="001085000001", cell="A2"),
    ]
    job = _people(province, rows)
    assert job.status == "invalid"
    assert _codes(job, "error") == {(3, "F", "person.duplicate_citizen_id")}
    message = job.problem_list()[0]["message"]
    assert "2" in message and "Nguyễn Văn An" in message


# --- errors first ------------------------------------------------------------------------------


def test_errors_come_first_and_notices_are_summarised(province, monkeypatch):
    # A small cap stands for the 2,000 kept problems: 3 converted cells a row would bury a
    # bad date near the end of the file under conversion notices.
    monkeypatch.setattr(validation, "MAX_STORED_PROBLEMS", 40)
    rows = [
        _row("NguyÔn", "V¨n", unicode_to_tcvn3("Hùng"), n, cid=f"00108500{n:04d}")
        for n in range(1, 61)
    ]
    rows[55][3] = "31/02/1985"
    job = _people(province, rows)
    assert job.status == "invalid"
    assert job.error_count == 1
    assert (job.problems[0]["row"], job.problems[0]["column"], job.problems[0]["code"]) == (
        57,
        "D",
        "date.impossible",
    )
    # Conversion notices: a few cells each, then one line per column saying how many more.
    notices = job.problems[1:]
    assert len(notices) < 40
    summaries = [p for p in notices if p["row"] == 0]
    assert {p["column"] for p in summaries} == {"A", "B", "C"}
    summary = next(p for p in job.problem_list() if p["row"] == 0 and p["column"] == "A")
    assert "enc.I001" in summary["message"]


def test_the_command_lists_every_error_before_the_notices(province, tmp_path):
    rows = [_row("NguyÔn", "V¨n", "An", n, cid=f"00108500{n:04d}") for n in range(1, 80)]
    rows[70][3] = "31/02/1985"
    rows[75][3] = "30/02/1985"
    path = tmp_path / "ds.xlsx"
    path.write_bytes(xlsx_bytes(HEADERS, rows))
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command(
            "import_data",
            str(path),
            kind="people",
            unit="P",
            quiet_progress=True,
            stdout=out,
        )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Nhân sự!D72 [date.impossible]")
    assert lines[1].startswith("Nhân sự!D77 [date.impossible]")
    assert any("enc.I001" in line and "79" in line for line in lines[2:])  # 79 cells in all
