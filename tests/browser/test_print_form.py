"""The printed 2025 self-review as a clerk sees it: the 100-point parts with their points, the
products with their evidence, summaries marked, and the blocks the paper form leaves to the
chi ủy and to the approving level."""

import pytest
from playwright.sync_api import expect

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.reviews import services
from kiemdiem.reviews.models import SelfReview
from kiemdiem.testing import FULL_2025, WRITTEN, open_annual

from .conftest import sign_in
from .test_reviews import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GENERAL = ["tu_tuong", "dao_duc", "ky_luat", "doi_moi", "tu_phe_binh"]


def test_the_printed_2025_form_carries_its_parts_and_blocks(page, province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    binh = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    review = services.review_start(subject=binh, actor=None)
    services.review_save(
        review=review,
        content={
            **WRITTEN,
            **{k: {"text": f"Nội dung mục {k}.", "points": "5"} for k in GENERAL},
            "nhiem_vu": {
                "text": "Hoàn thành các nhiệm vụ được giao trong năm.",
                "products": [
                    {
                        "name": "Báo cáo tổng kết công tác năm",
                        "result": "Đúng hạn, được chi bộ thông qua",
                        "points": "35",
                        "evidence": "Báo cáo số 12-BC/CB ngày 10/12",
                    },
                    {
                        "name": "Tuyên truyền nghị quyết tại thôn",
                        "result": "4 buổi, vượt kế hoạch 1 buổi",
                        "points": "28",
                        "evidence": "Sổ ghi biên bản sinh hoạt",
                    },
                ],
            },
            "suy_thoai": {"checked": ["TT5", "TT6"], "explanation": "Đôi khi còn nể nang."},
            "xep_loai": FULL_2025,
        },
        proposed_tier="HTTNV",
        actor=None,
    )
    sign_in(page, "member")
    page.goto(page.base_url + f"/reviews/subjects/{binh.pk}/")
    expect(
        page.get_by_role("heading", name="Phần I. Nhóm tiêu chí chung (30 điểm)")
    ).to_be_visible()
    expect(page.get_by_text("Đã chấm: 25 điểm.")).to_be_visible()
    shot(page, "review-2025")
    page.goto(page.base_url + f"/reviews/subjects/{binh.pk}/print/")
    expect(
        page.get_by_text("Phần I. Nhóm tiêu chí chung (30 điểm; tự chấm: 25 điểm)")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="Báo cáo số 12-BC/CB ngày 10/12")).to_be_visible()
    expect(page.get_by_text("Nhận xét, đánh giá của chi ủy (chi bộ)")).to_be_visible()
    expect(page.get_by_text("Kết luận của cấp có thẩm quyền")).to_be_visible()
    tt6 = page.locator("li", has_text="TT6")
    expect(tt6).to_contain_text("Nội dung tóm tắt, cần đối chiếu với văn bản chính thức")
    shot(page, "print-2025")
    page.emulate_media(media="print")
    shot(page, "print-2025-media-print")


def test_points_typed_in_a_part_fill_the_rating_score(page, province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    binh = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    services.review_start(subject=binh, actor=None)
    sign_in(page, "member")
    page.goto(page.base_url + f"/reviews/subjects/{binh.pk}/")
    score = page.get_by_label("Điểm nhóm tiêu chí chung (tối đa 30)")
    score.fill("10")
    page.locator("#id_tu_tuong_points").fill("6")
    page.locator("#id_dao_duc_points").fill("7,5")
    expect(page.get_by_text("Đã chấm: 13,5 điểm.")).to_be_visible()  # the decimal comma
    expect(score).to_have_value("13.5")
    expect(score).not_to_be_editable()
    expect(page.locator("#save-status")).to_contain_text("Đã lưu bản nháp")

    def saved_score():
        return (
            SelfReview.objects.get(subject=binh)
            .content.get("xep_loai", {})
            .get("fact.general_score")
        )

    for _ in range(20):  # an earlier autosave may have answered first
        if saved_score() == "13.5":
            break
        page.wait_for_timeout(500)
    assert saved_score() == "13.5"
    shot(page, "review-2025-points")
