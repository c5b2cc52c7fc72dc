"""A year walked through in a real browser: a member writes and submits their self-review
(autosaved, the rules' result shown live), the cell secretary writes the cell's report, the
decision maker finds what waits on their home and decides in the order the rules require."""

import os

import pytest
from playwright.sync_api import expect

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.decisions import services as decisions
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.models import SelfReview
from kiemdiem.testing import open_annual, written

from .conftest import sign_in
from .test_ui import field

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name):
    """Keep a screenshot when KIEMDIEM_SCREENSHOTS names a folder (to look at the pages)."""
    folder = os.environ.get("KIEMDIEM_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def fill_required(page):
    """Write something in every section that must be filled before submitting (marked *)."""
    sections = page.locator("section.review-section", has=page.locator("h2 .req"))
    for i in range(sections.count()):
        box = sections.nth(i).locator("textarea").first
        if not box.input_value():
            box.fill("Đã thực hiện nghiêm túc, có kết quả cụ thể.")


def start_writing(page):
    """Start the draft and wait until htmx has taken over its form: text typed before that
    would save nothing (a busy machine loads the script later than the test types)."""
    page.get_by_role("button", name="Bắt đầu viết").click()
    page.wait_for_function(
        "() => { const f = document.getElementById('review-form');"
        " return f && f['htmx-internal-data'] !== undefined; }"
    )


def rate_outstanding(page):
    """Fill the rating section of Mẫu 2A 2025 with an outstanding year and wait for the
    rules' result."""
    page.get_by_label("Điểm nhóm tiêu chí chung (tối đa 30)").fill("27")
    page.get_by_label("Điểm kết quả thực hiện nhiệm vụ (tối đa 70)").fill("65")
    page.get_by_label("Hoàn thành đúng tiến độ, bảo đảm chất lượng").select_option("true")
    page.locator("[name='r.fact.pct_tasks_done']").fill("100")
    page.locator("[name='r.fact.pct_tasks_exceeded']").fill("40")
    page.locator("[name='r.fact.pct_tasks_late']").fill("0")
    # no shortcomings to remedy from last year: the share remedied is 100 % by itself
    expect(page.locator("[name='r.fact.shortcomings_remedied_pct']")).to_have_count(0)
    expect(page.locator("#panel .tier")).to_contain_text("HTXSNV", timeout=15_000)


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def test_a_member_writes_and_submits_the_self_review(page, province, cycle):
    sign_in(page, "member")
    page.get_by_role("link", name="Bản kiểm điểm của tôi").click()
    page.get_by_role("link", name="Viết").first.click()
    start_writing(page)
    expect(page.get_by_text("Mẫu 2A-HD KĐ.ĐG 2025")).to_be_visible()
    page.get_by_label("Về tư tưởng chính trị").fill("Luôn kiên định mục tiêu, lý tưởng của Đảng.")
    expect(page.locator("#save-status")).to_contain_text("Đã lưu bản nháp lúc")
    rate_outstanding(page)
    page.get_by_label("Tự nhận mức xếp loại").select_option("HTTNV")
    expect(page.locator("#panel")).to_contain_text("khác với kết quả theo quy định")
    page.get_by_text("Nể nang, né tránh").first.check()
    fill_required(page)
    shot(page, "review-draft")
    page.get_by_role("button", name="Nộp", exact=True).click()
    expect(page.get_by_text("Đã nộp bản kiểm điểm.")).to_be_visible()
    expect(page.get_by_role("heading", name="Sửa đổi bản đã nộp")).to_be_visible()
    review = SelfReview.objects.get(
        subject__person=province.members["binh"], subject__kind="party_member"
    )
    assert review.status == "submitted" and review.proposed_tier == "HTTNV"
    assert review.content["suy_thoai"]["checked"] == ["TT5"]
    assert review.engine_result["tier"] == "HTXSNV"
    shot(page, "review-submitted")
    page.goto(page.base_url + f"/reviews/subjects/{review.subject_id}/print/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bản kiểm điểm cá nhân")
    expect(page.get_by_text("☒ TT5")).to_be_visible()
    page.emulate_media(media="print")
    shot(page, "review-print")


def test_the_secretary_reports_for_the_cell_and_the_decider_rates_in_order(page, province, cycle):
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    head = Subject.objects.get(cycle=cycle, person=province.members["an"], kind=SubjectKind.HEAD)
    sign_in(page, "secretary")
    page.goto(page.base_url + f"/reviews/subjects/{cell.pk}/")
    start_writing(page)
    expect(page.get_by_text("Mẫu 01-HD KĐ.ĐG 2025")).to_be_visible()
    page.locator("[name='s.tap_the_lanh_dao.text']").fill(
        "Chi bộ lãnh đạo hoàn thành các chỉ tiêu năm."
    )
    fill_required(page)
    page.get_by_label("Tự nhận mức xếp loại").select_option("HTTNV")
    page.get_by_role("button", name="Nộp", exact=True).click()
    expect(page.get_by_text("Đã nộp bản kiểm điểm.")).to_be_visible()
    # the secretary also writes their own review as the cell's head (Mẫu 2B)
    page.get_by_role("link", name="Bản kiểm điểm của tôi").click()
    page.get_by_role("row", name="Người đứng đầu").get_by_role("link").click()
    start_writing(page)
    expect(page.get_by_text("Mẫu 2B-HD KĐ.ĐG 2025")).to_be_visible()
    expect(page.get_by_label("Về kết quả lãnh đạo, quản lý", exact=False)).to_be_visible()
    fill_required(page)
    page.get_by_label("Tự nhận mức xếp loại").select_option("HTTNV")
    page.get_by_role("button", name="Nộp", exact=True).click()
    expect(page.get_by_text("Đã nộp bản kiểm điểm.")).to_be_visible()
    page.get_by_role("button", name="Đăng xuất").click()
    # The cell's tier reads its members': Bình's review is submitted and rated first.
    binh = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    review = review_services.review_start(subject=binh, actor=None)
    review_services.review_submit(
        review=review, content=written(binh), proposed_tier="HTTNV", actor=None
    )
    decisions.decide(subject=binh, tier="HTTNV", actor=None)

    sign_in(page, "decider")
    # the queue on the decider's home: the cell A1 has subjects ready, with the deadline
    page.goto(page.base_url + "/")
    queue = page.locator('#todos li[data-code="decisions.queue"]', has_text="Chi bộ thôn Đông")
    expect(queue).to_contain_text("Chi bộ thôn Đông")
    expect(queue).to_contain_text("31/12/2025")
    shot(page, "home-queue")
    # from the review page to the decision page
    page.goto(page.base_url + f"/reviews/subjects/{head.pk}/")
    page.get_by_role("link", name="Quyết định xếp loại").click()
    expect(page.get_by_text("Theo quy định, phải xếp loại trước")).to_be_visible()
    page.get_by_label("Mức xếp loại", exact=True).select_option("HTXSNV")
    page.get_by_role("button", name="Quyết định", exact=True).click()
    expect(page.get_by_role("alert").or_(page.locator(".messages"))).to_contain_text(
        "phải xếp loại trước"
    )
    shot(page, "rate-refused")
    for subject in (cell, head):
        page.goto(page.base_url + f"/decisions/subjects/{subject.pk}/")
        page.get_by_label("Mức xếp loại", exact=True).select_option("HTTNV")
        page.get_by_role("button", name="Quyết định", exact=True).click()
        expect(page.get_by_text("Đã ghi nhận quyết định xếp loại.")).to_be_visible()
    expect(page.locator("table")).to_contain_text("Đã quyết định")
    shot(page, "decision-history")
    head.refresh_from_db()
    assert head.tier == "HTTNV"


def test_provincial_staff_open_the_year_and_a_commune_plan_must_fit_its_window(page, province):
    sign_in(page, "staff_p")
    page.goto(page.base_url + f"/units/{province.province.pk}/")
    page.get_by_role("link", name="Mở kỳ kiểm điểm").click()
    field(page, "Mã").fill("KD2025")
    field(page, "Tên").fill("Kiểm điểm, xếp loại năm 2025")
    field(page, "Năm đánh giá").fill("2025")
    field(page, "Thời kỳ từ ngày").fill("01/01/2025")
    field(page, "Đến ngày").fill("31/12/2025")
    page.get_by_label("Tự kiểm điểm từ ngày").fill("15/11/2025")
    page.get_by_label("Tự kiểm điểm hạn").fill("10/12/2025")
    page.get_by_label("Quyết định xếp loại từ ngày").fill("15/12/2025")
    page.get_by_label("Quyết định xếp loại hạn").fill("31/12/2025")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm điểm, xếp loại năm 2025")
    page.get_by_role("button", name="Lập danh sách đối tượng").click()
    cycle_url = page.url
    page.get_by_role("button", name="Đăng xuất").click()

    sign_in(page, "staff_a")
    page.goto(cycle_url + f"units/{province.commune_a.pk}/")
    page.get_by_role("link", name="Ban hành kế hoạch của cấp này").click()
    page.get_by_label("Tự kiểm điểm từ ngày").fill("10/11/2025")  # before the province's window
    page.get_by_label("Tự kiểm điểm hạn").fill("05/12/2025")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".errors, .error").first).to_contain_text("15/11/2025")
    shot(page, "plan-outside-window")
    page.get_by_label("Tự kiểm điểm từ ngày").fill("20/11/2025")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Tự kiểm điểm: 20/11/2025 – 05/12/2025")).to_be_visible()


def test_provincial_staff_follow_progress_down_to_a_person(page, province, cycle):
    from kiemdiem.reviews import services as reviews

    binh = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    review = reviews.review_start(subject=binh, actor=None)
    reviews.review_submit(review=review, content=written(binh), proposed_tier="HTTNV", actor=None)
    sign_in(page, "staff_p")
    page.goto(page.base_url + f"/cycles/{cycle.pk}/")
    page.get_by_role("link", name="Bảng theo dõi tiến độ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiến độ của Đảng bộ tỉnh Thử")
    shot(page, "board-province")
    page.get_by_role("link", name="Đảng bộ xã An Bình").click()
    page.get_by_role("link", name="Chi bộ thôn Đông").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiến độ của Chi bộ thôn Đông")
    shot(page, "board-cell")
    page.locator("table.board tbody td").nth(1).get_by_role("link").click()  # submitted: 1
    shot(page, "board-people")
    page.get_by_role("link", name="Trần Thị Bình").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trần Thị Bình")
    expect(page.get_by_text("Đã nộp").first).to_be_visible()


def test_an_invalid_score_does_not_lose_the_sentence_typed_after_it(page, province, cycle):
    binh = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    sign_in(page, "member")
    page.goto(page.base_url + f"/reviews/subjects/{binh.pk}/")
    start_writing(page)
    score = page.get_by_label("Điểm nhóm tiêu chí chung (tối đa 30)")
    score.fill("9999")
    page.get_by_label("Về tư tưởng chính trị").fill("Câu viết sau ô điểm sai vẫn còn.")
    status = page.locator("#save-status")
    expect(status).to_contain_text("Chưa lưu được:", timeout=15_000)
    expect(status).not_to_contain_text("tự động lưu")
    mark = page.locator("#err-r-fact-general_score")
    expect(mark).to_have_text(
        "Điểm nhóm tiêu chí chung (tối đa 30): phải là số từ 0 đến 30 (đang nhập 9999)."
    )
    expect(score).to_have_value("9999")  # what was typed stays in the field
    shot(page, "review-unsaved-field")
    if os.environ.get("KIEMDIEM_SCREENSHOTS"):  # the panel and the marked field up close
        folder = os.environ["KIEMDIEM_SCREENSHOTS"]
        page.locator("#panel").screenshot(path=os.path.join(folder, "review-unsaved-panel.png"))
        page.locator(".field", has=score).screenshot(
            path=os.path.join(folder, "review-unsaved-mark.png")
        )
    page.reload()
    expect(page.get_by_label("Về tư tưởng chính trị")).to_have_value(
        "Câu viết sau ô điểm sai vẫn còn."
    )
    expect(score).to_have_value("9999")
    expect(page.locator("#err-r-fact-general_score")).to_contain_text("phải là số từ 0 đến 30")
    expect(status).to_contain_text("Chưa lưu được:")
    score.fill("28")
    expect(status).to_contain_text("Đã lưu bản nháp lúc", timeout=15_000)
    expect(page.locator("#err-r-fact-general_score")).to_be_empty()
    review = SelfReview.objects.get(subject=binh)
    assert review.content["tu_tuong"] == "Câu viết sau ô điểm sai vẫn còn."
    assert review.content["xep_loai"]["fact.general_score"] == "28" and review.unsaved == {}


def test_a_save_that_does_not_reach_the_server_is_said_not_saved(page, province, cycle):
    binh = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    sign_in(page, "member")
    page.goto(page.base_url + f"/reviews/subjects/{binh.pk}/")
    start_writing(page)
    status = page.locator("#save-status")
    page.route("**/save/", lambda route: route.abort())  # the connection drops
    page.get_by_label("Về tư tưởng chính trị").fill("Viết khi mất kết nối.")
    expect(status).to_contain_text("Chưa lưu được: không kết nối được máy chủ", timeout=15_000)
    page.unroute("**/save/")
    page.get_by_label("Về ý thức tổ chức kỷ luật").fill("Viết khi có kết nối lại.")
    expect(status).to_contain_text("Đã lưu bản nháp lúc", timeout=15_000)
    review = SelfReview.objects.get(subject=binh)
    assert review.content["tu_tuong"] == "Viết khi mất kết nối."
    assert review.content["ky_luat"] == "Viết khi có kết nối lại."


def test_the_open_explanation_stays_open_while_the_member_writes(page, province, cycle):
    binh = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    sign_in(page, "member")
    page.goto(page.base_url + f"/reviews/subjects/{binh.pk}/")
    start_writing(page)
    rate_outstanding(page)
    page.locator("#why summary").click()
    expect(page.locator("#why ol.trace")).to_be_visible()
    trace = page.locator("#why ol.trace").inner_text()
    assert "Chi tiết kỹ thuật" not in trace  # a member reads the rules in words, without codes
    with page.expect_response("**/save/", timeout=15_000):  # the panel is replaced
        page.get_by_label("Về tư tưởng chính trị").fill("Viết tiếp khi đang đọc phần Vì sao.")
    page.wait_for_timeout(300)  # the swap has settled
    expect(page.locator("#save-status")).to_contain_text("Đã lưu bản nháp lúc")
    assert page.locator("#why").evaluate("d => d.open") is True
    expect(page.locator("#why ol.trace")).to_be_visible()
