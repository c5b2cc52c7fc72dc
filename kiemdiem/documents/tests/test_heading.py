"""The header every document shares (``documents.heading``): the number line left blank to
write in, with the document kind's and the issuing body's abbreviations, and the place name of
the date line derived from the tree — as rules, and in the rendered DOCX of each exporter."""

from __future__ import annotations

import datetime
import io
from types import SimpleNamespace as U

import pytest
from docx import Document

from kiemdiem.cycles.models import Subject
from kiemdiem.documents import heading
from kiemdiem.documents.tests.test_documents import _binh, _files, _run, scene  # noqa: F401
from kiemdiem.documents.tests.test_layout import _check_page
from kiemdiem.reviews import services as reviews

D = datetime.date
PROVINCE = U(name="Đảng bộ tỉnh Đồng Nai", kind="dang_bo_tinh")
CITY = U(name="Đảng bộ thành phố Hà Nội", kind="dang_bo_tinh")
COMMUNE = U(name="Đảng bộ xã An Bình", kind="dang_bo_xa")
WARD_12 = U(name="Đảng bộ phường 12", kind="dang_bo_xa")
CELL = U(name="Chi bộ thôn Đông", kind="chi_bo_co_so")
AGENCY = U(name="Đảng bộ Sở Y tế", kind="dang_bo_co_so")
STANDING = U(name="Ban Thường vụ Tỉnh ủy", kind="ban_thuong_vu")
CENTRAL = U(name="Đảng bộ Chính phủ", kind="dang_bo_tren_co_so")


@pytest.mark.parametrize(
    ("chain", "place"),
    [
        ([PROVINCE], "Đồng Nai"),
        ([CITY], "Hà Nội"),
        ([PROVINCE, COMMUNE], "An Bình"),  # a commune's body: the commune
        ([PROVINCE, COMMUNE, CELL], "An Bình"),  # a cell of the commune: the commune
        ([PROVINCE, WARD_12], "Phường 12"),  # a ward named by a number keeps its word
        ([PROVINCE, AGENCY], "Đồng Nai"),  # a provincial agency's committee: the province
        ([CENTRAL], ""),  # no province, no commune: left to write in
    ],
)
def test_the_place_is_the_communes_or_else_the_provinces(chain, place):
    assert heading.place_name(chain) == place


@pytest.mark.parametrize(
    ("kind", "chain", "line"),
    [
        ("bao_cao", [PROVINCE], "Số ……-BC/TU"),
        ("bao_cao", [PROVINCE, STANDING], "Số ……-BC/TU"),  # a collective writes as its body
        ("danh_sach", [PROVINCE, COMMUNE], "Số ……-DS/ĐU"),
        ("thong_bao", [PROVINCE, COMMUNE, CELL], "Số ……-TB/CB"),
        ("bien_ban", [PROVINCE, COMMUNE, CELL], "Số ……-BB/CB"),
        ("quyet_dinh", [PROVINCE, AGENCY], "Số ……-QĐ/ĐU"),
    ],
)
def test_the_number_is_dotted_with_the_kind_and_the_body(kind, chain, line):
    assert heading.number_line(kind, chain) == line


def test_the_state_number_and_the_date_words():
    assert heading.number_line("bao_cao", [PROVINCE], state=True) == "Số: ……/BC-……"
    assert heading.date_words(D(2025, 2, 5)) == "ngày 05 tháng 02 năm 2025"
    assert heading.date_words(D(2025, 12, 10)) == "ngày 10 tháng 12 năm 2025"
    assert heading.date_line(None, "An Bình") == "An Bình, ngày … tháng … năm 20…"
    assert heading.date_line(D(2025, 3, 1), "") == "……, ngày 01 tháng 3 năm 2025"


def _header_text(data: bytes) -> tuple[str, str]:
    doc = Document(io.BytesIO(data))
    left, right = doc.tables[0].rows[0].cells
    return left.text, right.text


@pytest.mark.django_db
def test_each_document_prints_its_number_line_and_place(scene, province):  # noqa: F811
    staff = province.users["staff_a"]
    binh = _binh(scene, province)
    # a member's self-review (Mẫu 2A): no number; the commune's name and the day it was sent
    ((_name, data),) = _files(
        _run(staff, "self_reviews", "docx", {"cycle": scene.pk, "subject": binh.pk})
    ).items()
    left, right = _header_text(data)
    assert "CHI BỘ THÔN ĐÔNG" in left and "Số" not in left
    sent = heading.date_words(binh.review.submitted_at.astimezone().date())
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in right and f"An Bình, {sent}" in right
    assert "Độc lập" not in right  # the state's motto only on the state's forms
    # the cell's own report (Mẫu 01): a báo cáo of the cell
    cell = Subject.objects.get(cycle=scene, unit=province.cell_a1, kind="party_org")
    reviews.review_start(subject=cell, actor=None)
    ((_name, data),) = _files(
        _run(staff, "self_reviews", "docx", {"cycle": scene.pk, "subject": cell.pk})
    ).items()
    left, right = _header_text(data)
    assert "Số ……-BC/CB" in left and "An Bình, ngày … tháng … năm 20…" in right
    # signed for the cell; the two blocks under it each with their own place and date line
    doc = Document(io.BytesIO(data))
    _check_page(doc, landscape=False)
    cells = [c.text for t in doc.tables[1:] for r in t.rows for c in r.cells]
    signers = [c for c in cells if "T/M" in c]
    assert "T/M CHI BỘ" in signers[0] and "T/M CẤP ỦY CẤP TRÊN" in signers[1]
    assert "T/M CẤP ỦY CÓ THẨM QUYỀN" in signers[2]
    assert all("An Bình, ngày … tháng … năm 20…" in c for c in signers[1:])
    # the decided list of commune A: a danh sách of the commune's committee
    ((_name, data),) = _files(
        _run(staff, "decision_list", "docx", {"cycle": scene.pk, "unit": "A"})
    ).items()
    left, right = _header_text(data)
    assert "Số ……-DS/ĐU" in left and right.endswith("An Bình, ngày … tháng … năm 20…")
    # the notices: a thông báo of the deciding level, dated the day it decided
    files = _files(_run(staff, "decision_notices", "docx", {"cycle": scene.pk, "unit": "A"}))
    for data in files.values():
        left, right = _header_text(data)
        assert "Số ……-TB/" in left and "An Bình, ngày " in right and "……" not in right
