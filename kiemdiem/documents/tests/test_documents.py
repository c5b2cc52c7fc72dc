"""Official documents: the registry, the DOCX in the party's layout, PDF through LibreOffice
(looked at as PNG), batches as ZIP through the job queue, and every way of asking wrongly."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.decisions import services as decisions
from kiemdiem.documents import policies, registry, render, services
from kiemdiem.jobs import services as jobs
from kiemdiem.jobs.models import Job, JobStatus
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, open_annual

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (soffice) is not installed here: PDF cannot be made or looked at",
)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def scene(province, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    for name, tier in [("binh", "HTTNV"), ("cuong", "HTNV"), ("dung", "HTTNV")]:
        subject = Subject.objects.get(
            cycle=cycle, person=province.members[name], kind=SubjectKind.PARTY_MEMBER
        )
        review = reviews.review_start(subject=subject, actor=None)
        reviews.review_submit(review=review, content=WRITTEN, proposed_tier=tier, actor=None)
        if name != "dung":
            decisions.decide(subject=subject, tier=tier, reason="Đúng quy trình", actor=None)
    return cycle


def _run(user, identifier, fmt, data) -> Job:
    job = services.export_start(actor=user, exporter=registry.get(identifier), fmt=fmt, data=data)
    jobs.job_run(job.pk)  # the worker's side (the test queue may have run it already)
    job.refresh_from_db()
    return job


def _files(job) -> dict[str, bytes]:
    assert job.status == JobStatus.DONE, job.error
    data = job.result_path.read_bytes()
    if job.result_name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    return {job.result_name: data}


def _binh(cycle, province):
    return Subject.objects.get(cycle=cycle, person=province.members["binh"], kind="party_member")


def test_every_app_registers_its_exporters_and_each_is_offered_by_its_policy(province):
    assert {"self_reviews", "decision_list", "decision_notices", "people_units"} <= set(
        registry.EXPORTERS
    )
    users = province.users
    assert policies.available(users["nogrant"]) == []
    staff = {e.identifier for e in policies.available(users["staff_a"])}
    assert {"self_reviews", "decision_list", "people_units"} <= staff
    # a member sees only their own self-review; the lists are not theirs
    assert [e.identifier for e in policies.available(users["member"])] == ["self_reviews"]


def test_self_review_docx_is_in_the_party_layout(scene, province):
    job = _run(
        province.users["staff_a"],
        "self_reviews",
        "docx",
        {"cycle": scene.pk, "subject": _binh(scene, province).pk},
    )
    ((name, data),) = _files(job).items()
    assert name.startswith("mau-2a") and name.endswith(".docx")
    doc = Document(io.BytesIO(data))  # valid OOXML: python-docx reopens it
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm) == 20 and round(section.bottom_margin.mm) == 20
    assert round(section.left_margin.mm) == 30 and round(section.right_margin.mm) == 15
    styles = doc.styles.element.xml
    assert 'w:ascii="Times New Roman"' in styles
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman" and normal.size.pt == 14
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in cells
    assert "CHI BỘ THÔN ĐÔNG" in cells and "ĐẢNG BỘ XÃ AN BÌNH" in cells
    assert "Mẫu 2A-HD KĐ.ĐG 2025" in text
    assert "BẢN KIỂM ĐIỂM CÁ NHÂN" in text
    assert "Họ và tên: Trần Thị Bình" in text
    assert "Nội dung mục tu_tuong." in text
    assert "Tự nhận mức xếp loại: Hoàn thành tốt nhiệm vụ" in text
    # the chi ủy's block is left to write on; the conclusion carries the decided tier
    assert "NHẬN XÉT, ĐÁNH GIÁ CỦA CHI ỦY (CHI BỘ)" in text
    assert "Xếp loại chất lượng: Hoàn thành tốt nhiệm vụ" in text
    assert "{{" not in text + cells and "{%" not in text + cells
    assert LogEntry.objects.filter(action="document.exported").count() == 1
    assert LogEntry.objects.filter(action="document.batch_started").count() == 1


def test_the_chi_uy_comment_and_the_conclusion_are_printed_in_their_blocks(scene, province):
    from kiemdiem.reviews import notes

    binh = _binh(scene, province)
    notes.note_write(
        subject=binh, kind="cell_comment", text="Gương mẫu.\nCần mạnh dạn hơn.", actor=None
    )
    notes.note_write(subject=binh, kind="conclusion", text="Đồng ý với chi bộ.", actor=None)
    notes.note_write(subject=binh, kind="cell_comment", text="Gương mẫu, nhiệt tình.", actor=None)
    job = _run(
        province.users["staff_a"], "self_reviews", "docx", {"cycle": scene.pk, "subject": binh.pk}
    )
    ((_name, data),) = _files(job).items()
    paragraphs = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    comment_at = paragraphs.index("NHẬN XÉT, ĐÁNH GIÁ CỦA CHI ỦY (CHI BỘ)")
    conclusion_at = next(i for i, t in enumerate(paragraphs) if t.startswith("KẾT QUẢ XẾP LOẠI"))
    # the newest version of the chi ủy's comment, in its block; the older one nowhere
    assert "Gương mẫu, nhiệt tình." in paragraphs[comment_at:conclusion_at]
    assert not any("mạnh dạn" in t for t in paragraphs)
    assert "Đồng ý với chi bộ." in paragraphs[conclusion_at:]


def _pdf_pages(pdf: bytes, tmp_path, stem: str) -> list:
    (tmp_path / f"{stem}.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(tmp_path / f"{stem}.pdf"), str(tmp_path / stem)],
        check=True,
        timeout=60,
    )
    return sorted(tmp_path.glob(f"{stem}*.png"))


@needs_soffice
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler) not installed")
def test_mau_2a_and_a_decision_list_as_pdf_and_png(scene, province, tmp_path):
    staff = province.users["staff_a"]
    job = _run(
        staff, "self_reviews", "pdf", {"cycle": scene.pk, "subject": _binh(scene, province).pk}
    )
    ((name, pdf),) = _files(job).items()
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF")
    pages = _pdf_pages(pdf, tmp_path, "mau2a")
    assert 2 <= len(pages) <= 4  # the form, its blocks: a few pages, not one per line
    header = pages[0].read_bytes()[16:24]  # PNG's IHDR: width, height
    width, height = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")
    assert abs(height / width - 297 / 210) < 0.02  # A4 portrait
    job = _run(staff, "decision_list", "pdf", {"cycle": scene.pk, "unit": "A"})
    ((name, pdf),) = _files(job).items()
    pages = _pdf_pages(pdf, tmp_path, "list")
    assert len(pages) == 1
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "list.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    text = " ".join(text.split())
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text and "DANH SÁCH QUYẾT ĐỊNH" in text
    assert "Trần Thị Bình" in text and "Lê Văn Cường" in text
    assert "Phạm Thị Dung" not in text  # cell B1, outside A


def test_a_batch_is_one_zip_of_what_the_requester_may_see(scene, province):
    staff_a = province.users["staff_a"]
    files = _files(_run(staff_a, "self_reviews", "docx", {"cycle": scene.pk, "unit": "A"}))
    assert len(files) == 2 and all(n.endswith(".docx") for n in files)
    for data in files.values():
        Document(io.BytesIO(data))
    # the member: their own review only, whatever unit they name
    member = province.users["member"]
    with pytest.raises(ValidationError) as refused:
        services.export_start(
            actor=member,
            exporter=registry.get("self_reviews"),
            fmt="docx",
            data={"cycle": scene.pk, "unit": "A"},
        )
    assert "unit" in refused.value.message_dict
    own = _run(
        member, "self_reviews", "docx", {"cycle": scene.pk, "subject": _binh(scene, province).pk}
    )
    assert len(_files(own)) == 1
    notices = _files(_run(staff_a, "decision_notices", "docx", {"cycle": scene.pk, "unit": "A"}))
    assert len(notices) == 2
    text = "\n".join(p.text for p in Document(io.BytesIO(next(iter(notices.values())))).paragraphs)
    assert "THÔNG BÁO" in text and "Xếp loại:" in text


def test_refusals_say_why_and_change_nothing(scene, province, settings):
    staff_b, member = province.users["staff_b"], province.users["staff_a"]
    before = (Job.objects.count(), LogEntry.objects.count())
    exporter = registry.get("self_reviews")
    # a subject the user may not see: named as unknown, like a missing one
    with pytest.raises(ValidationError) as refused:
        services.export_start(
            actor=staff_b,
            exporter=exporter,
            fmt="docx",
            data={"cycle": scene.pk, "subject": _binh(scene, province).pk},
        )
    assert set(refused.value.message_dict) & {"cycle", "subject"}
    # an exporter that is not theirs
    with pytest.raises(PermissionDenied):
        services.export_start(
            actor=province.users["nogrant"], exporter=exporter, fmt="docx", data={}
        )
    # a format the exporter does not render
    with pytest.raises(ValidationError) as refused:
        services.export_start(
            actor=member, exporter=exporter, fmt="xlsx", data={"cycle": scene.pk, "unit": "A"}
        )
    assert "format" in refused.value.message_dict
    # too large a batch
    settings.KIEMDIEM_DOCUMENTS_MAX_ITEMS = 1
    with pytest.raises(ValidationError) as refused:
        services.export_start(
            actor=member, exporter=exporter, fmt="docx", data={"cycle": scene.pk, "unit": "A"}
        )
    assert "at most 1" in str(refused.value) or "tối đa 1" in str(refused.value)
    assert (Job.objects.count(), LogEntry.objects.count()) == before


def test_twice_at_once_queues_one(scene, province, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import task_backends

    task_backends._settings = None if hasattr(task_backends, "_settings") else None
    staff = province.users["staff_a"]
    exporter = registry.get("decision_list")
    data = {"cycle": scene.pk, "unit": "A", "which": "decided"}
    first = services.export_start(actor=staff, exporter=exporter, fmt="xlsx", data=data)
    first.refresh_from_db()
    if first.status != JobStatus.QUEUED:
        pytest.skip("the test queue ran the job at once; nothing stays waiting to collide with")
    with pytest.raises(ValidationError) as refused:
        services.export_start(actor=staff, exporter=exporter, fmt="xlsx", data=data)
    assert str(first.pk) in str(refused.value)
    assert Job.objects.filter(kind=services.KIND).count() == 1


def test_a_broken_province_template_names_the_file_and_the_field(
    scene, province, settings, tmp_path
):
    folder = tmp_path / "mau"
    folder.mkdir()
    doc = Document(str(render.BUILT_IN / "list.docx"))
    doc.add_paragraph("{{ so_van_ban }}")  # a field the list does not have
    doc.save(folder / "list.docx")
    settings.KIEMDIEM_DOCUMENT_TEMPLATE_DIR = str(folder)
    job = _run(province.users["staff_a"], "decision_list", "docx", {"cycle": scene.pk, "unit": "A"})
    assert job.status == JobStatus.FAILED
    message = job.error_message()
    assert "list.docx" in message and "so_van_ban" in message
    assert not job.result_name
    # a file that is no Word document at all
    (folder / "list.docx").write_bytes(b"not a zip")
    with pytest.raises(render.TemplateBroken) as broken:
        render.render_docx("list.docx", {})
    assert "list.docx" in broken.value.message
    # a good override is used
    doc = Document(str(render.BUILT_IN / "list.docx"))
    doc.add_paragraph("Tỉnh ủy Thử — mẫu riêng")
    doc.save(folder / "list.docx")
    files = _files(
        _run(province.users["staff_a"], "decision_list", "docx", {"cycle": scene.pk, "unit": "A"})
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(next(iter(files.values())))).paragraphs)
    assert "Tỉnh ủy Thử — mẫu riêng" in text


def test_tables_also_as_xlsx_and_people_join_the_registry(scene, province):
    staff = province.users["staff_a"]
    files = _files(_run(staff, "decision_list", "xlsx", {"cycle": scene.pk, "unit": "A"}))
    ((name, data),) = files.items()
    sheet = load_workbook(io.BytesIO(data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "DANH SÁCH QUYẾT ĐỊNH XẾP LOẠI CHẤT LƯỢNG"
    assert values[3][:2] == ["TT", "Họ và tên / Tổ chức"]
    names = {row[1] for row in values[4:]}
    assert {"Trần Thị Bình", "Lê Văn Cường"} == names
    people = _files(_run(staff, "people_units", "xlsx", {"kind": "people", "unit": "A"}))
    ((name, data),) = people.items()
    assert name.startswith("nhan-su-A-")
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert any("Bình" in " ".join(str(v) for v in row if v) for row in rows[1:])


def test_a_decision_over_the_quota_carries_its_reason_in_the_decided_list(scene, province):
    from kiemdiem.decisions.models import Decision

    # As the decision screen's finalize writes it when the decider overrides a pool or a cap.
    Decision.objects.filter(subject=_binh(scene, province)).update(
        override_reason="Thành tích đột xuất được Tỉnh ủy khen thưởng"
    )
    files = _files(
        _run(province.users["staff_a"], "decision_list", "xlsx", {"cycle": scene.pk, "unit": "A"})
    )
    ((_name, data),) = files.items()
    values = [[c.value for c in row] for row in load_workbook(io.BytesIO(data)).active.iter_rows()]
    assert values[3][-1] == "Ghi chú"
    notes = {row[1]: row[-1] for row in values[4:]}
    assert notes["Trần Thị Bình"] == (
        "Quyết định vượt tỷ lệ/mức trần: Thành tích đột xuất được Tỉnh ủy khen thưởng"
    )
    assert not notes["Lê Văn Cường"]


def test_only_the_requester_downloads_the_result(client, scene, province):
    job = _run(province.users["staff_a"], "decision_list", "xlsx", {"cycle": scene.pk, "unit": "A"})
    url = reverse("job-result", args=[job.pk])
    client.force_login(province.users["staff_p"])  # above, but not the requester
    assert client.get(url).status_code == 404
    client.force_login(province.users["staff_a"])
    assert client.get(url).status_code == 200


def test_the_documents_page_starts_an_export(client, scene, province):
    client.force_login(province.users["staff_a"])
    page = client.get(reverse("document-list")).content.decode()
    assert reverse("document-run", args=["self_reviews"]) in page
    url = reverse("document-run", args=["decision_list"])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"cycle": scene.pk, "unit": "B", "format": "xlsx"})
    assert bad.status_code == 400 and "B" in bad.content.decode()
    done = client.post(url, {"cycle": scene.pk, "unit": "A", "format": "xlsx"})
    assert done.status_code == 302
    job = Job.objects.get(kind=services.KIND)
    assert done["Location"] == reverse("job-detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result_name.endswith(".xlsx")


def test_the_state_self_assessment_carries_the_national_title(province, settings, tmp_path):
    from kiemdiem.testing import employ

    settings.VAR_DIR = tmp_path
    employ(province.members["cuong"], province.agency, title="Chuyên viên")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    subject = Subject.objects.filter(
        cycle=cycle, track="state", person=province.members["cuong"]
    ).first()
    assert subject is not None
    reviews.review_start(subject=subject, actor=None)
    job = _run(
        province.users["staff_a"],
        "self_reviews",
        "docx",
        {"cycle": cycle.pk, "subject": subject.pk},
    )
    ((name, data),) = _files(job).items()
    doc = Document(io.BytesIO(data))
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells and "Độc lập - Tự do - Hạnh phúc" in cells
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in cells
    assert "DỰ THẢO — CHƯA NỘP" in text  # started, not submitted
    assert "NGƯỜI QUẢN LÝ TRỰC TIẾP" in text + cells


# --- Every self-review form of the catalogue, as DOCX ---------------------------------------

# The blocks under the signature, by who wrote the form (``reviews.exporters._titles``).
PARTY_PERSON = (
    "NGƯỜI TỰ KIỂM ĐIỂM",
    "NHẬN XÉT, ĐÁNH GIÁ CỦA CHI ỦY (CHI BỘ)",
    "T/M CHI ỦY (CHI BỘ)",
    "KẾT QUẢ XẾP LOẠI CHẤT LƯỢNG CỦA CẤP CÓ THẨM QUYỀN",
    "T/M CẤP ỦY CÓ THẨM QUYỀN",
)
PARTY_COLLECTIVE = (
    "T/M CHI BỘ",
    "NHẬN XÉT, ĐÁNH GIÁ CỦA CẤP ỦY CẤP TRÊN",
    "T/M CẤP ỦY CẤP TRÊN",
    "KẾT QUẢ XẾP LOẠI CHẤT LƯỢNG CỦA CẤP CÓ THẨM QUYỀN",
    "T/M CẤP ỦY CÓ THẨM QUYỀN",
)
STATE_PERSON = (
    "NGƯỜI TỰ ĐÁNH GIÁ",
    "Ý KIẾN NHẬN XÉT, ĐÁNH GIÁ CỦA NGƯỜI QUẢN LÝ TRỰC TIẾP",
    "NGƯỜI QUẢN LÝ TRỰC TIẾP",
    "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG (PHẦN DÀNH CHO CẤP CÓ THẨM QUYỀN)",
    "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ CÓ THẨM QUYỀN",
)
STATE_AGENCY = ("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", *STATE_PERSON[1:])
INDIVIDUAL = "BẢN KIỂM ĐIỂM CÁ NHÂN"
COLLECTIVE = "BÁO CÁO KIỂM ĐIỂM TẬP THỂ"

# form → (cycle year, subject: a member's name / "cell" / "agency" / "outside", the code and
# title line as issued, the blocks). 2021 runs the 2019 set, 2026 the state's NĐ 335.
FORM_CASES = {
    "M01_2025": (2025, "cell", "Mẫu 01-HD KĐ.ĐG 2025", COLLECTIVE, PARTY_COLLECTIVE),
    "M2A_2025": (2025, "binh", "Mẫu 2A-HD KĐ.ĐG 2025", INDIVIDUAL, PARTY_PERSON),
    "M2B_2025": (2025, "an", "Mẫu 2B-HD KĐ.ĐG 2025", INDIVIDUAL, PARTY_PERSON),
    "M2C_2025": (
        2025,
        "outside",
        "Mẫu 2C-HD KĐ.ĐG 2025",
        "BẢN KIỂM ĐIỂM ĐẢNG VIÊN KHÔNG LÀM VIỆC TRONG HỆ THỐNG CHÍNH TRỊ",
        PARTY_PERSON,
    ),
    "M01_2023": (2023, "cell", "Mẫu 01-HD KĐ.ĐG 2023", COLLECTIVE, PARTY_COLLECTIVE),
    "M02A_2023": (2023, "binh", "Mẫu 02A-HD KĐ.ĐG 2023", INDIVIDUAL, PARTY_PERSON),
    "M02B_2023": (2023, "an", "Mẫu 02B-HD KĐ.ĐG 2023", INDIVIDUAL, PARTY_PERSON),
    "M01_2019": (2021, "cell", "Mẫu 01-HD KĐ.ĐG 2019", COLLECTIVE, PARTY_COLLECTIVE),
    "M02_2019": (2021, "binh", "Mẫu 02-HD KĐ.ĐG 2019", INDIVIDUAL, PARTY_PERSON),
    "M02_2019_LD": (2021, "an", "Mẫu 02-HD KĐ.ĐG 2019", INDIVIDUAL, PARTY_PERSON),
    "PHIEU_ND90": (
        2025,
        "cuong",
        "Phiếu đánh giá, xếp loại chất lượng (NĐ 90/2020, NĐ 48/2023)",
        "PHIẾU TỰ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG CÔNG CHỨC, VIÊN CHỨC",
        STATE_PERSON,
    ),
    "PHIEU_ND335": (
        2026,
        "cuong",
        "Phiếu đánh giá, xếp loại chất lượng công chức (NĐ 335/2025)",
        "PHIẾU TỰ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG CÔNG CHỨC",
        STATE_PERSON,
    ),
    "BC_CQ": (
        2026,
        "agency",
        "Báo cáo tự đánh giá của cơ quan, tổ chức, đơn vị",
        "BÁO CÁO TỰ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG CƠ QUAN, ĐƠN VỊ",
        STATE_AGENCY,
    ),
}


def _form_subject(province, year: int, who: str) -> Subject:
    """The subject whose cycle and kind hand out the form (``reviews.services.form_of``)."""
    from kiemdiem.cycles.models import Track
    from kiemdiem.testing import employ

    employ(province.members["cuong"], province.agency, title="Chuyên viên")
    cycle = open_annual(province, year)
    subjects.subjects_generate(cycle=cycle, actor=None)
    if who == "cell":
        return Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    if who == "agency":
        return Subject.objects.get(cycle=cycle, unit=province.agency, person__isnull=True)
    if who == "outside":  # a member outside the political system, added by hand
        return subjects.subject_add(
            cycle=cycle,
            kind=SubjectKind.MEMBER_OUTSIDE,
            unit=province.cell_a2,
            person=province.members["cuong"],
            reason="Làm nghề tự do",
            actor=None,
        )
    track = Track.STATE if who == "cuong" else Track.PARTY
    return Subject.objects.get(cycle=cycle, person=province.members[who], track=track)


def test_every_form_of_the_catalogue_has_a_case():
    from kiemdiem.reviews import catalogue

    assert set(FORM_CASES) == set(catalogue.forms())


@pytest.mark.parametrize("key", sorted(FORM_CASES))
def test_each_self_review_form_as_docx_carries_its_code_title_sections_and_blocks(
    key, province, settings, tmp_path
):
    from kiemdiem.reviews import catalogue
    from kiemdiem.testing import written

    settings.VAR_DIR = tmp_path
    year, who, code, title, blocks = FORM_CASES[key]
    subject = _form_subject(province, year, who)
    form = catalogue.forms()[key]
    assert reviews.form_of(subject).key == key  # the cycle and kind hand out this form
    content = written(subject)
    first_text = next(s.key for s in form.sections if s.type == "text")
    mine = f"Viết riêng cho {key}: nội dung tự kiểm điểm."
    content[first_text] = mine
    review = reviews.review_start(subject=subject, actor=None)
    reviews.review_submit(review=review, content=content, proposed_tier="HTTNV", actor=None)
    job = _run(
        province.users["staff_p"],
        "self_reviews",
        "docx",
        {"cycle": subject.cycle_id, "subject": subject.pk},
    )
    ((name, data),) = _files(job).items()
    doc = Document(io.BytesIO(data))
    paragraphs = [p.text.strip() for p in doc.paragraphs if p.text.strip()]
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    # the code as issued, then the title line (its words, not the bracketed kind)
    assert paragraphs[0] == code
    assert title in paragraphs
    assert "DỰ THẢO — CHƯA NỘP" not in paragraphs
    # the party's or the state's header
    if form.packs[0].startswith("R"):
        assert "ĐẢNG CỘNG SẢN VIỆT NAM" in cells and "CỘNG HÒA" not in cells
    else:
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells and "ĐẢNG CỘNG SẢN" not in cells
    # every section of this form, numbered in its order, and none of another form's
    headings = [f"{n}. {s.vi}" for n, s in enumerate(form.sections, start=1)]
    positions = [paragraphs.index(h) for h in headings]
    assert positions == sorted(positions)
    others = {s.vi for f in catalogue.forms().values() for s in f.sections} - {
        s.vi for s in form.sections
    }
    numbered = {p.split(". ", 1)[1] for p in paragraphs if p[:1].isdigit() and ". " in p}
    assert not numbered & others, numbered & others
    # what was written stands under its own heading
    at = paragraphs.index(headings[[s.key for s in form.sections].index(first_text)])
    assert paragraphs[at + 1] == mine
    assert "Tự nhận mức xếp loại: Hoàn thành tốt nhiệm vụ" in paragraphs
    # the signature and the two opinion blocks this form carries, in the paper form's order
    signer, comments, comments_signer, conclusion, conclusion_signer = blocks
    # (the signatures sit in tables: every paragraph, cells included, in the document's order)
    body = "\n".join(
        "".join(t.text or "" for t in p.iter(f"{W}t")) for p in doc.element.body.iter(f"{W}p")
    )
    order = [body.index(t) for t in (signer, comments, comments_signer, conclusion)]
    assert order == sorted(order) and order[0] > body.index(headings[-1])
    assert conclusion_signer in body[body.index(conclusion) :]
    if subject.person_id:
        assert f"Họ và tên: {subject.person.full_name}" in paragraphs
    assert name.endswith(f"-{subject.pk}.docx")


PDF_MISSING_VI = (
    "Xuất PDF cần LibreOffice trên máy chủ, mà máy chủ chưa cài. Hãy tải tệp Word, hoặc đề nghị "
    "quản trị hệ thống cài libreoffice-writer-nogui."
)


def test_without_libreoffice_the_pages_say_so_plainly_and_pdf_is_refused(
    client, scene, province, monkeypatch
):
    from html import unescape

    client.force_login(province.users["staff_a"])
    # where LibreOffice is installed, the page says nothing about it
    monkeypatch.setattr(render.shutil, "which", lambda name, *a, **kw: f"/usr/bin/{name}")
    assert PDF_MISSING_VI not in unescape(client.get(reverse("document-list")).text)
    # without it (the lookup finds no soffice, no libreoffice): the clear Vietnamese message
    monkeypatch.setattr(render.shutil, "which", lambda name, *a, **kw: None)
    assert render.soffice() is None and policies.pdf_missing_message() == PDF_MISSING_VI
    page = unescape(client.get(reverse("document-list")).text)
    assert PDF_MISSING_VI in page
    url = reverse("document-run", args=["self_reviews"])
    assert PDF_MISSING_VI in unescape(client.get(url).text)
    # asking for PDF anyway: the format field says why, nothing is queued or logged
    before = (Job.objects.count(), LogEntry.objects.count())
    refused = client.post(url, {"cycle": scene.pk, "unit": "A", "format": "pdf"})
    assert refused.status_code == 400
    assert refused.context["fmt_form"].errors["format"] == [PDF_MISSING_VI]
    assert (Job.objects.count(), LogEntry.objects.count()) == before


def _pdf_text(path) -> str:
    out = subprocess.run(
        ["pdftotext", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return out


def _closed_meeting(province):
    """Cell A1's meeting held: a show of hands, a secret ballot counted, closed."""
    from kiemdiem.meetings.tests.scene import build, hold_and_close

    voters = {"m1": "HTTNV", "m2": "HTNV", "m3": "HTTNV", "m4": "HTTNV"}
    return hold_and_close(build(province), voters)


def test_the_minutes_tables_give_each_column_its_own_width(province, settings, tmp_path):
    """Not the template's even columns: the roll's "TT" narrow, the names wide; the vote
    count's tiers wide enough to read, "HTXSNV" on one line in the result column."""
    settings.VAR_DIR = tmp_path
    meeting = _closed_meeting(province)
    staff = province.users["staff_a"]
    for identifier, header, widest in [
        ("meeting_minutes", "TT", "Họ và tên"),
        ("count_minutes", "Đối tượng", "Kết quả từng mức"),
    ]:
        ((_name, data),) = _files(_run(staff, identifier, "docx", {"meeting": meeting.pk})).items()
        doc = Document(io.BytesIO(data))
        table = next(t for t in doc.tables if t.rows[0].cells[0].text == header)
        grid = [int(c.get(f"{W}w")) for c in table._tbl.tblGrid.iter(f"{W}gridCol")]
        titles = [c.text for c in table.rows[0].cells]
        assert len(grid) == len(titles) and len(set(grid)) > 1, grid
        assert max(grid) == grid[titles.index(widest)]
        assert abs(sum(grid) / 56.7 - 165) < 1  # the 165 mm between the margins
        widths = [c.width for c in table.rows[1].cells]  # Word reads the cells' own
        assert [round(w.twips) for w in widths] == grid
    assert grid[titles.index("Kết quả")] >= 25 * 56.7 - 1


@needs_soffice
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler) not installed")
def test_the_meeting_minutes_and_the_vote_count_as_pdf_and_png(province, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    meeting = _closed_meeting(province)
    staff = province.users["staff_a"]
    for identifier, stem, expected in [
        (
            "meeting_minutes",
            "bien-ban",
            ["BIÊN BẢN", "I. Thành phần dự họp", "II. Nội dung kiểm điểm", "III. Kết luận"],
        ),
        ("count_minutes", "kiem-phieu", ["BIÊN BẢN KIỂM PHIẾU", "Ban kiểm phiếu: Đ/c Hải"]),
    ]:
        job = _run(staff, identifier, "pdf", {"meeting": meeting.pk})
        ((name, pdf),) = _files(job).items()
        assert name.endswith(".pdf") and pdf.startswith(b"%PDF")
        pages = _pdf_pages(pdf, tmp_path, stem)
        assert 1 <= len(pages) <= 3, (identifier, len(pages))
        header = pages[0].read_bytes()[16:24]
        width, height = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")
        assert abs(height / width - 297 / 210) < 0.02  # A4 portrait
        text = " ".join(_pdf_text(tmp_path / f"{stem}.pdf").split())
        assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text and "CHI BỘ THÔN ĐÔNG" in text
        for words in expected:
            assert words in text, (identifier, words)
        assert "HTTNV: 3; HTNV: 1" in text  # the secret ballot's counts, no voter's name
        assert "CHỦ TRÌ" in text and "Nguyễn Văn An" in text  # the chair signs both
        assert "{{" not in text and "{%" not in text
