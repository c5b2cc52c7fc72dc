"""The report page as a document (``report_document`` in the documents registry): Word and PDF
in the party's layout with the page's own charts drawn in, for whoever reads the whole
subtree — and the button on the page that starts it."""

import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from docx import Document

from kiemdiem.cycles import services as cycles
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject
from kiemdiem.decisions import bulk
from kiemdiem.documents import registry
from kiemdiem.documents import services as documents
from kiemdiem.jobs import services as jobs
from kiemdiem.jobs.models import Job, JobStatus
from kiemdiem.reports import charts, exporters, selectors
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, open_annual

pytestmark = pytest.mark.django_db

needs_pdf = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) or poppler (pdftotext) is not installed here",
)


@pytest.fixture
def scene(province):
    """As in test_reports: Bình HTTNV, Cường HTNV, Dung KHTNV decided; An carried over."""
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    m = province.members
    binh, cuong, dung = (
        Subject.objects.get(cycle=cycle, person=m[k]) for k in ("binh", "cuong", "dung")
    )
    for subject in (binh, cuong, dung):
        review = reviews.review_start(subject=subject, actor=None)
        reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    bulk.decide_bulk([(binh, "HTTNV", ""), (cuong, "HTNV", ""), (dung, "KHTNV", "Vi phạm")])
    an = Subject.objects.get(cycle=cycle, person=m["an"])
    cycles.subject_carry_over(subject=an, reason="Đang xác minh", actor=None)
    return cycle


def _text(docx: bytes) -> str:
    doc = Document(io.BytesIO(docx))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def test_the_report_as_word_carries_the_figures_and_the_pages_charts(scene, province, client):
    staff = province.users["staff_p"]
    exporter = registry.get("report_document")
    assert exporter.formats == ("pdf", "docx")
    form = exporter.form(staff, {"cycle": str(scene.pk), "unit": province.province.code})
    assert form.is_valid(), form.errors
    [report] = exporter.items(staff, form.cleaned_data)
    out = exporter.render(report, "docx")
    assert out.filename == f"bao-cao-{scene.code}-{province.province.code}.docx"
    text = _text(out.data)
    assert "BÁO CÁO" in text and province.province.name.upper() in text
    assert "Số ……-BC/TU" in text  # the number left to write in, the kind and the body
    assert "Thử, ngày" in text  # the province's place name in the date line
    # the hand-counted figures of test_reports: 12 reviewed, 1 not rated, 3 rated, 8 pending
    assert "Tổng số đối tượng kiểm điểm" in text and ": 12; " in text
    assert "đã xếp loại: 3; chưa xếp loại: 8" in text
    assert province.commune_a.name in text and province.commune_b.name in text
    assert "33,3" in text  # HTTNV's share of those rated, with a decimal comma
    # the two charts, drawn from the very SVG the page shows
    doc = Document(io.BytesIO(out.data))
    left = doc.tables[0].rows[0].cells[0]
    # the province has no body above it: its own name heads the block, no empty line
    assert [p.text for p in left.paragraphs] == ["ĐẢNG BỘ TỈNH THỬ", "*", "Số ……-BC/TU"]
    assert len(doc.inline_shapes) == 2
    context = exporters.document_context(report)
    drawn = [context["chart_children"].svg, context["chart_years"].svg]
    client.force_login(staff)
    page = client.get(reverse("report", args=[scene.pk, province.province.pk])).content.decode()
    assert all(svg in page for svg in drawn)
    page_charts = charts.report_charts(selectors.report(staff, scene, province.province))
    assert drawn == [str(page_charts["children"]), str(page_charts["years"])]


@needs_pdf
def test_the_report_as_pdf_has_the_text_and_the_charts(scene, province, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    staff = province.users["staff_p"]
    job = documents.export_start(
        actor=staff,
        exporter=registry.get("report_document"),
        fmt="pdf",
        data={"cycle": str(scene.pk), "unit": province.province.code},
    )
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    pdf = job.result_path
    assert pdf.name.endswith(".pdf") and pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "BÁO CÁO" in text and province.province.name.upper() in text
    assert province.commune_a.name in " ".join(text.split()) and "33,3" in text
    images = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert len(images) == 2  # the two charts
    # Rendered for looking at (docs/documents.md, "Looked at").
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "report")], check=True
        )
        assert list(tmp_path.glob("report*.png"))


WHO = [
    ("staff_p", 302),  # the province's staff: the whole subtree
    ("staff_a", 404),  # commune A's staff: not the province's report
    ("member", 404),
    ("nogrant", 404),
]


@pytest.mark.parametrize(("who", "expected"), WHO)
def test_the_pages_button_starts_the_export_for_whoever_reads_the_report(
    scene, province, client, settings, tmp_path, who, expected
):
    settings.VAR_DIR = tmp_path
    client.force_login(province.users[who])
    url = reverse("report-document", args=[scene.pk, province.province.pk])
    if who == "staff_p":
        page = client.get(reverse("report", args=[scene.pk, province.province.pk]))
        assert url in page.content.decode()  # the button
    response = client.post(url, {"format": "docx"})
    assert response.status_code == expected
    jobs_made = Job.objects.filter(kind=documents.KIND)
    if expected != 302:
        assert not jobs_made.exists()
        return
    job = jobs_made.get()
    assert response["Location"] == reverse("job-detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.result_name.endswith(".docx")  # ran at once
    assert job.owner == province.users[who]
    # a format the exporter does not offer: a message, nothing queued
    response = client.post(url, {"format": "xlsx"})
    assert response.status_code == 302 and Job.objects.filter(kind=documents.KIND).count() == 1
