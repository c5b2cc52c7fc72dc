"""Hostile uploads are refused before they are read: named limit, nothing written, job final.

The files are the outside test's (kiemdiem/imports/tests/hostile.py builds them small): before
the limits, the first ones aborted the process (calamine allocated 549 GB) or took GBs.
"""

import os
import re
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from kiemdiem.imports import limits, services
from kiemdiem.imports.models import ImportJob, JobStatus
from kiemdiem.imports.tests import hostile
from kiemdiem.imports.tests.helpers import PEOPLE_HEADERS, person_row, run_import, xlsx_bytes
from kiemdiem.people.models import Person


@pytest.fixture(scope="session")
def bomb(tmp_path_factory):
    """5 MB inflating to 2 GB (built once)."""
    return hostile.zip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx")


def _validate(province, path, filename=None):
    persons = Person.objects.count()
    job = run_import(
        province.users["staff_p"],
        province.province,
        "people",
        path.read_bytes(),
        filename=filename or path.name,
    )
    assert Person.objects.count() == persons  # nothing written
    assert job.status == JobStatus.INVALID and job.is_finished
    return job


def _messages(job) -> dict[str, str]:
    """The refusal (the first problem) in both languages."""
    out = {}
    for language in ("vi", "en"):
        with translation.override(language):
            out[language] = job.problem_list()[0]["message"]
    return out


def test_far_cell_is_refused_before_calamine(province, tmp_path):
    job = _validate(province, hostile.far_cell(tmp_path / "far.xlsx"))
    assert job.problems[0]["code"] == "file.limit"
    assert _messages(job) == {
        "vi": "Trang tính “Sheet1” có 1.048.576 dòng; giới hạn là 200.000 dòng.",
        "en": "Sheet “Sheet1” has 1,048,576 rows; the limit is 200,000 rows.",
    }


@pytest.mark.parametrize("build", [hostile.far_cell_undeclared, hostile.lying_dimension])
def test_far_cell_is_found_whatever_the_dimension_says(province, tmp_path, build):
    job = _validate(province, build(tmp_path / "far.xlsx"))
    assert "1.048.576 dòng" in _messages(job)["vi"]


def test_far_column_is_refused(province, tmp_path, settings):
    settings.IMPORTS_MAX_ROWS = 2_000_000  # let the column be the limit that trips
    job = _validate(province, hostile.far_cell(tmp_path / "far.xlsx"))
    assert _messages(job)["vi"] == (
        "Trang tính “Sheet1” có 16.384 cột (đến cột XFD); giới hạn là 200 cột."
    )


def test_zip_bomb_is_refused_from_its_directory(province, bomb):
    job = _validate(province, bomb)
    assert _messages(job)["en"] == "The file unpacks to 2,047.1 MB; the limit is 300 MB."


def test_zip_bomb_ratio(province, bomb, settings):
    settings.IMPORTS_MAX_INFLATED_BYTES = 4 * 1024**3
    job = _validate(province, bomb)
    assert _messages(job)["en"] == (
        "Part “xl/worksheets/sheet1.xml” of the file is compressed 410 times; the limit is "
        "200 times."
    )


def test_million_empty_rows_are_refused(province, tmp_path):
    """Refused at the first row number over the limit (the scan stops there)."""
    job = _validate(province, hostile.million_empty_rows(tmp_path / "rows.xlsx"))
    found = re.fullmatch(
        r"Trang tính “Sheet1” có ([0-9.]+) dòng; giới hạn là 200\.000 dòng\.", _messages(job)["vi"]
    )
    assert found and int(found.group(1).replace(".", "")) > 200_000


def test_cells_without_references_are_streamed_and_stopped(province, tmp_path):
    """Cells without ``r`` have implicit positions: the extent is not proven, so openpyxl
    reads the sheet (streaming) and the guard stops at the first row over the limit."""
    cells = "".join(f'<c t="inlineStr"><is><t>{i}</t></is></c>' for i in range(250))
    path = hostile.xlsx(
        tmp_path / "wide.xlsx",
        [hostile.row(1, hostile.people_header()), f"<row>{cells}</row>"],
    )
    assert not limits.inspect(path, "xlsx").sheets[0].proven
    job = _validate(province, path)
    assert _messages(job)["vi"] == (
        "Trang tính “Sheet1”, dòng 2 có 250 cột (đến cột IP); giới hạn là 200 cột."
    )


def test_rows_over_the_limit_while_streaming(province, tmp_path, settings):
    """Rows without ``r`` are not seen by the scan: the guard stops the reading at the first
    row over the limit."""
    settings.IMPORTS_MAX_ROWS = 3
    cell = '<c t="inlineStr"><is><t>x</t></is></c>'
    path = hostile.xlsx(tmp_path / "ds.xlsx", [f"<row>{cell * 3}</row>"] * 6)
    job = _validate(province, path)
    assert _messages(job)["vi"] == (
        "Trang tính “Sheet1” có hơn 3 dòng (dòng 4); giới hạn là 3 dòng."
    )


def test_csv_long_field_names_the_cell(province, tmp_path):
    job = _validate(province, hostile.csv_big_field(tmp_path / "ds.csv"))
    messages = _messages(job)
    assert messages["vi"] == (
        "Trang tính “CSV”, ô B3 có 204.800 ký tự; giới hạn cho một ô là 32.767 ký tự."
    )
    assert "field limit" not in messages["en"]


def test_not_a_zip_is_unreadable_not_a_library_text(province, tmp_path):
    job = _validate(province, hostile.not_a_zip(tmp_path / "ds.xlsx"))
    assert job.problems[0]["code"] == "file.unreadable"
    assert _messages(job) == {
        "vi": "Không đọc được tệp dưới dạng .xlsx.",
        "en": "The file could not be read as .xlsx.",
    }


def test_ods_repeated_cells_are_counted(province, tmp_path):
    row = (
        '<table:table-row table:number-rows-repeated="1048575">'
        '<table:table-cell table:number-columns-repeated="3" office:value-type="string">'
        "<text:p>x</text:p></table:table-cell></table:table-row>"
    )
    path = tmp_path / "ds.ods"
    path.write_bytes(hostile.ods(row))
    job = _validate(province, path)
    assert _messages(job)["vi"] == (
        "Trang tính “Nhân sự” có 1.048.576 dòng; giới hạn là 200.000 dòng."
    )


def test_ods_empty_rest_of_sheet_is_not_counted(province, tmp_path):
    """LibreOffice writes the empty rest of a sheet as repeated empty rows and cells."""
    data_row = (
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
            for v in ("Nguyễn Văn An", "01/01/1980", "A1")
        )
        + '<table:table-cell table:number-columns-repeated="16381"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="1048574">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    path = tmp_path / "ds.ods"
    path.write_bytes(hostile.ods(data_row))
    extent = limits.inspect(path, "ods").sheets[0]
    assert (extent.rows, extent.columns) == (2, 3)


def test_file_size_limit(province, tmp_path, settings):
    settings.IMPORTS_MAX_UPLOAD_BYTES = 1000
    path = tmp_path / "ds.xlsx"
    path.write_bytes(xlsx_bytes(PEOPLE_HEADERS, [person_row()]))
    job = _validate(province, path)
    assert (
        _messages(job)["en"].startswith("The file is ")
        and "the limit is 0 MB" in (_messages(job)["en"])
    )


def test_a_normal_file_still_imports(province):
    rows = [person_row(cid=f"00108500000{i}") for i in range(1, 4)]
    job = run_import(
        province.users["staff_p"], province.province, "people", xlsx_bytes(PEOPLE_HEADERS, rows)
    )
    assert job.status == JobStatus.DONE and job.created == 3


# --- the upload page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "text"),
    [
        (hostile.far_cell, "Trang tính “Sheet1” có 1.048.576 dòng; giới hạn là 200.000 dòng."),
        (hostile.not_a_zip, "Không đọc được tệp dưới dạng .xlsx."),
    ],
)
def test_upload_page_refuses_before_storing(client, province, tmp_path, build, text):
    client.force_login(province.users["staff_a"])
    path = build(tmp_path / "ds.xlsx")
    upload = SimpleUploadedFile("ds.xlsx", path.read_bytes())
    response = client.post(reverse("imports"), {"kind": "people", "unit": "A", "file": upload})
    assert response.status_code == 400 and not ImportJob.objects.exists()
    assert text in response.content.decode()


def test_upload_page_refuses_a_bomb(client, province, bomb):
    client.force_login(province.users["staff_a"])
    with open(bomb, "rb") as handle:
        response = client.post(reverse("imports"), {"kind": "people", "unit": "A", "file": handle})
    assert response.status_code == 400 and not ImportJob.objects.exists()
    assert "Tệp khi giải nén có dung lượng 2.047,1 MB; giới hạn là 300 MB." in (
        response.content.decode()
    )


# --- library errors are logged, not shown -------------------------------------------------------


def test_unexpected_error_text_is_logged_not_shown(province, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("field larger than field limit (131072)")

    monkeypatch.setattr(services, "_run", broken)
    job = services.job_create(
        user=province.users["staff_p"],
        unit=province.province,
        kind="people",
        filename="ds.xlsx",
        chunks=[xlsx_bytes(PEOPLE_HEADERS, [person_row()])],
    )
    with pytest.raises(RuntimeError):
        services.import_validate(job)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "131072" not in job.failure
    assert "131072" in caplog.text


# --- interrupted jobs -----------------------------------------------------------------------------


def _dead_worker() -> str:
    """``this_process()`` of a process that has exited."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(child.stdout)
    return services.this_process().rsplit(":", 2)[0] + f":{pid}:1"


def _stuck_job(province, status, **fields):
    job = services.job_create(
        user=province.users["staff_a"],
        unit=province.commune_a,
        kind="people",
        filename="ds.xlsx",
        chunks=[b"x"],
    )
    ImportJob.objects.filter(pk=job.pk).update(status=status, **fields)
    return job


@pytest.mark.parametrize("status", [JobStatus.VALIDATING, JobStatus.RUNNING])
def test_job_of_a_dead_process_is_interrupted_when_shown(client, province, status):
    job = _stuck_job(province, status, worker=_dead_worker(), heartbeat_at=timezone.now())
    client.force_login(province.users["staff_a"])
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.INTERRUPTED and job.finished_at is not None
    assert "Bị gián đoạn" in page and "Tải tệp lên lại" in page
    assert "every 1s" not in page  # no more polling
    assert "?kind=people&amp;unit=A" in page


def test_job_without_progress_or_heartbeat_is_interrupted(province):
    """The outside test's job: the process aborted before writing any progress."""
    old = timezone.now() - timezone.timedelta(minutes=10)
    job = _stuck_job(province, JobStatus.VALIDATING, created_at=old)
    assert services.jobs_recover() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.INTERRUPTED


def test_recover_command_and_live_jobs(province):
    live = _stuck_job(
        province, JobStatus.VALIDATING, worker=services.this_process(), heartbeat_at=timezone.now()
    )
    dead = _stuck_job(province, JobStatus.RUNNING, worker=_dead_worker())
    call_command("recover_imports", verbosity=0)
    live.refresh_from_db()
    dead.refresh_from_db()
    assert live.status == JobStatus.VALIDATING
    assert dead.status == JobStatus.INTERRUPTED


def test_reused_pid_is_not_taken_for_the_job_process(province):
    """After a restart the new server may get the dead one's pid: the start time differs."""
    host, pid, _started = services.this_process().split(":")
    job = _stuck_job(
        province, JobStatus.RUNNING, worker=f"{host}:{pid}:1", heartbeat_at=timezone.now()
    )
    if not os.path.exists(f"/proc/{pid}/stat"):
        pytest.skip("no /proc: process start times unknown")
    assert services.jobs_recover() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.INTERRUPTED


def test_xls_far_cell_is_refused_before_calamine(province, tmp_path):
    """Two cells, A1 and IV65536: calamine would allocate 65,536 × 256 cells (537 MB)."""
    path = hostile.xls(tmp_path / "far.xls", [(0, 0, 1.0), (65535, 255, 2.0)])
    job = _validate(province, path)
    assert _messages(job)["vi"] == (
        "Trang tính “Sheet1” có 256 cột (đến cột IV); giới hạn là 200 cột."
    )


def test_xls_over_calamine_cells_is_refused(province, tmp_path):
    path = hostile.xls(tmp_path / "big.xls", [(0, 0, 1.0), (59999, 99, 2.0)])
    job = _validate(province, path)
    assert _messages(job)["en"] == (
        "Sheet “Sheet1” has 60,000 rows × 100 columns = 6,000,000 cells; the limit for .xls "
        "files is 3,000,000 cells (save it as .xlsx or .csv)."
    )


def test_small_xls_passes_the_checks(tmp_path):
    path = hostile.xls(tmp_path / "small.xls", [(0, 0, 1.0), (4, 2, 3.0)])
    assert [(s.sheet, s.rows, s.columns) for s in limits.inspect(path, "xls").sheets] == [
        ("Sheet1", 5, 3)
    ]


def test_xls_that_is_not_a_compound_file(province, tmp_path):
    path = tmp_path / "ds.xls"
    path.write_bytes(b"not an xls" * 100)
    job = _validate(province, path)
    assert _messages(job)["en"] == "The file could not be read as .xls."


def test_too_many_texts(province, tmp_path, settings):
    settings.IMPORTS_MAX_SHARED_STRINGS = 1000
    job = _validate(province, hostile.many_texts(tmp_path / "texts.xlsx", count=1001))
    assert _messages(job)["vi"] == "Tệp chứa hơn 1.000 đoạn chữ khác nhau; giới hạn là 1.000."


def test_big_styles_part(province, tmp_path):
    job = _validate(province, hostile.big_styles(tmp_path / "styles.xlsx", 25 * 1024 * 1024))
    assert _messages(job)["en"] == (
        "Part “xl/styles.xml” of the file unpacks to 25 MB; the limit is 20 MB."
    )


# --- a file over the limit is never stored ------------------------------------------------------


def test_an_upload_over_the_limit_is_dropped_before_it_is_stored(
    client, province, settings, monkeypatch
):
    """The handlers that keep an upload (in memory or in a temporary file) never receive more
    than the limit; the page says how large the file was, not "this field is required"."""
    from django.core.files import uploadhandler

    settings.UPLOAD_MAX_BYTES = settings.IMPORTS_MAX_UPLOAD_BYTES = 300_000
    stored = []
    for handler in (
        uploadhandler.MemoryFileUploadHandler,
        uploadhandler.TemporaryFileUploadHandler,
    ):
        keep = handler.receive_data_chunk
        monkeypatch.setattr(
            handler,
            "receive_data_chunk",
            lambda self, data, start, keep=keep: (
                stored.append(len(data)) or keep(self, data, start)
            ),
        )
    client.force_login(province.users["staff_a"])
    upload = SimpleUploadedFile("ds.xlsx", b"x" * 1_500_000)
    response = client.post(reverse("imports"), {"kind": "people", "unit": "A", "file": upload})
    assert response.status_code == 400 and not ImportJob.objects.exists()
    page = response.content.decode()
    assert "giới hạn là 0,3 MB" in page and "Trường này là bắt buộc" not in page
    assert sum(stored) == 0


def test_an_upload_without_a_declared_length_is_cut_at_the_limit(rf, settings):
    """A body sent without its length (chunked) is counted as it arrives."""
    from django.core.files.uploadhandler import SkipFile

    from kiemdiem.common.uploads import SizeLimitedUploadHandler, refused_uploads

    settings.UPLOAD_MAX_BYTES = 100_000
    request = rf.post("/")
    handler = SizeLimitedUploadHandler(request)
    handler.handle_raw_input(None, {}, None, b"", "utf-8")
    handler.new_file("file", "ds.csv", "text/csv", None)
    received = 0
    with pytest.raises(SkipFile):
        for _ in range(100):
            handler.receive_data_chunk(b"x" * 64 * 1024, received)
            received += 64 * 1024
    assert received < 100_000 and refused_uploads(request) == {"file": 131_072}
