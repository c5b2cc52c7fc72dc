"""The documents through the API as a client uses them: start a batch, follow the job, download
its ZIP with the same token; nobody else downloads it. And PDF where LibreOffice is missing."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.documents import policies, render
from kiemdiem.jobs import services as jobs
from kiemdiem.jobs.models import Job
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, open_annual


@pytest.fixture
def cycle(province, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    for name in ("binh", "cuong", "dung"):  # cells A1, A2 (commune A) and B1 (commune B)
        subject = Subject.objects.get(
            cycle=cycle, person=province.members[name], kind=SubjectKind.PARTY_MEMBER
        )
        review = reviews.review_start(subject=subject, actor=None)
        reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    return cycle


def test_a_batch_started_through_the_api_is_one_zip_for_its_owner_alone(
    client_for, cycle, province, keeps_schema
):
    api = client_for("staff_a")
    started = api.post(
        "/api/documents/self_reviews/start/",
        {"format": "docx", "params": {"cycle": str(cycle.pk), "unit": "A"}},
        format="json",
    )
    assert started.status_code == 201, started.content
    job_id = started.json()["id"]
    assert started.json()["kind"] == "documents.export"
    jobs.job_run(job_id)  # the worker's side (the test queue may have run it already)
    job = api.get(f"/api/jobs/{job_id}/")
    assert job.status_code == 200
    body = job.json()
    assert body["status"] == "done", body["error"]
    assert body["progress"] == {"done": 2, "total": 2, "percent": 100}
    assert body["result_url"]
    # the same user, with the same token, downloads the ZIP
    download = api.get(body["result_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    keeps_schema(download, "/api/jobs/{id}/result/", "GET")
    assert "ban-kiem-diem-A-2025.zip" in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        texts = {
            n: "\n".join(p.text for p in Document(io.BytesIO(archive.read(n))).paragraphs)
            for n in names
        }
    assert len(names) == 2 and all(n.startswith("mau-2a-") and n.endswith(".docx") for n in names)
    people = " ".join(texts.values())
    assert "Họ và tên: Trần Thị Bình" in people and "Họ và tên: Lê Văn Cường" in people
    assert "Phạm Thị Dung" not in people  # cell B1, not in what A's staff may see
    assert LogEntry.objects.filter(action="document.exported", object_id=str(job_id)).exists()
    # another user — above commune A, but not who asked — neither sees the job nor its file
    for name in ("staff_p", "staff_b"):
        other = client_for(name)
        assert other.get(f"/api/jobs/{job_id}/").status_code == 404
        assert other.get(body["result_url"]).status_code in (403, 404)
    assert client_for(None).get(body["result_url"]).status_code in (302, 401, 403, 404)


def test_pdf_without_libreoffice_is_refused_naming_the_format_and_nothing_is_queued(
    client_for, cycle, province, monkeypatch
):
    monkeypatch.setattr(render.shutil, "which", lambda name, *a, **kw: None)
    assert not render.pdf_available()
    before = (Job.objects.count(), LogEntry.objects.count())
    refused = client_for("staff_a").post(
        "/api/documents/self_reviews/start/",
        {"format": "pdf", "params": {"cycle": str(cycle.pk), "unit": "A"}},
        format="json",
    )
    assert refused.status_code == 400
    # the field named, in the words of the documents page (policies.pdf_missing_message)
    assert refused.json() == {"format": [policies.pdf_missing_message()]}
    assert "LibreOffice" in refused.json()["format"][0]
    assert (Job.objects.count(), LogEntry.objects.count()) == before
