"""The import pages through the permission door, and the upload → preview → confirm flow."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from kiemdiem.audit.models import LogEntry
from kiemdiem.imports.models import ImportJob
from kiemdiem.imports.tests.helpers import PEOPLE_HEADERS, person_row, run_import, xlsx_bytes
from kiemdiem.people.models import Person

pytestmark = pytest.mark.django_db
WHO = [("anonymous", 302), ("nogrant", 404), ("staff_b", 404), ("staff_p", 200), ("staff_a", 200)]


def _login(client, province, who):
    if who != "anonymous":
        client.force_login(province.users[who])


def _job(province):
    return run_import(
        province.users["staff_a"],
        province.commune_a,
        "people",
        xlsx_bytes(PEOPLE_HEADERS, [person_row(cell="ZZ")]),
        commit=False,
    )


@pytest.mark.parametrize(("who", "expected"), WHO)
@pytest.mark.parametrize("page", ["import-job", "import-report"])
def test_job_pages_matrix(client, province, who, expected, page):
    job = _job(province)
    _login(client, province, who)
    response = client.get(reverse(page, args=[job.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize(("who", "expected"), WHO)
def test_export_matrix(client, province, who, expected):
    # Out of scope: the form again with the reason on the unit field, no file (400).
    expected = 400 if expected == 404 else expected
    _login(client, province, who)
    url = reverse("import-export") + "?export-kind=people&export-unit=A&export-format=csv"
    response = client.get(url)
    assert response.status_code == expected
    if expected == 200:
        assert "Nguyễn".encode() in b"".join(response.streaming_content)


@pytest.mark.parametrize(("who", "expected"), WHO)
def test_confirm_matrix(client, province, who, expected):
    job = run_import(
        province.users["staff_a"],
        province.commune_a,
        "people",
        xlsx_bytes(PEOPLE_HEADERS, [person_row()]),
        commit=False,
    )
    assert job.status == "ready"
    _login(client, province, who)
    response = client.post(reverse("import-confirm", args=[job.pk]))
    assert response.status_code == (302 if expected == 200 else expected)
    job.refresh_from_db()
    assert (job.status == "done") == (expected == 200)


def test_inspector_cannot_confirm_and_list_is_scoped(client, province):
    job = _job(province)
    client.force_login(province.users["inspector"])
    assert client.post(reverse("import-confirm", args=[job.pk])).status_code == 404
    client.force_login(province.users["staff_b"])
    page = client.get(reverse("imports")).content.decode()
    assert "data.xlsx" not in page
    client.force_login(province.users["staff_a"])
    assert "data.xlsx" in client.get(reverse("imports")).content.decode()


def test_upload_preview_confirm(client, province):
    client.force_login(province.users["staff_a"])
    upload = SimpleUploadedFile("ds.xlsx", xlsx_bytes(PEOPLE_HEADERS, [person_row()]))
    response = client.post(reverse("imports"), {"kind": "people", "unit": "A", "file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert job.status == "ready" and 'action="' + reverse("import-confirm", args=[job.pk]) in page
    assert not Person.objects.filter(citizen_id="001085000001").exists()
    client.post(reverse("import-confirm", args=[job.pk]))
    assert Person.objects.filter(citizen_id="001085000001").exists()
    job.refresh_from_db()
    assert job.status == "done" and job.created == 1
    partial = client.get(reverse("import-job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"job-status" in partial.content
    assert LogEntry.objects.filter(action="import.committed", unit=province.commune_a).exists()


def test_upload_outside_scope_and_bad_file_type(client, province):
    client.force_login(province.users["staff_a"])
    upload = SimpleUploadedFile("ds.xlsx", b"x")
    response = client.post(reverse("imports"), {"kind": "people", "unit": "B", "file": upload})
    assert response.status_code == 400 and not ImportJob.objects.exists()
    upload = SimpleUploadedFile("ds.pdf", b"x")
    response = client.post(reverse("imports"), {"kind": "people", "unit": "A", "file": upload})
    assert response.status_code == 400 and not ImportJob.objects.exists()


def test_errors_page_and_report(client, province):
    job = _job(province)
    client.force_login(province.users["staff_a"])
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "ZZ" in page and reverse("import-report", args=[job.pk]) in page
    report = client.get(reverse("import-report", args=[job.pk]))
    book = load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    assert len(book.worksheets) == 2


@pytest.mark.parametrize("kind", ["units", "people"])
def test_templates_have_headers_and_instructions(client, province, kind):
    client.force_login(province.users["member"])
    response = client.get(reverse("import-template", args=[kind]))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[1] == "Hướng dẫn"
    headers = [c.value for c in next(book.worksheets[0].iter_rows(max_row=1))]
    assert ("Mã đơn vị (*)" if kind == "units" else "Họ") in headers
    # The template's example row imports cleanly.
    job = run_import(
        province.users["staff_p"], province.province, kind, response.content, commit=False
    )
    assert job.error_count == 0, job.problems


def test_anonymous_is_sent_to_login(client, province):
    response = client.get(reverse("imports"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_job_page_and_report_follow_the_viewers_language(client, province):
    job = _job(province)  # checked under Vietnamese
    viewer = province.users["staff_p"]
    viewer.language = "en"
    viewer.save(update_fields=["language"])
    client.force_login(viewer)
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "No active unit with code “ZZ”." in page
    report = client.get(reverse("import-report", args=[job.pk]))
    book = load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    assert book.sheetnames[0] == "Problems"
    assert book["Problems"]["G2"].value == "No active unit with code “ZZ”."
    viewer.language = "vi"
    viewer.save(update_fields=["language"])
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "No active unit" not in page and "ZZ" in page
