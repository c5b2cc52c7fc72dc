from html import unescape

import pytest
from django.urls import reverse

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.reviews.models import ReviewStatus, SelfReview
from kiemdiem.testing import employ, hold_post, open_annual, written


def as_posted(content: dict) -> dict:
    """Written content as the page's fields post it."""
    return {
        (f"s.{key}.text" if isinstance(value, dict) else f"s.{key}"): (
            value["text"] if isinstance(value, dict) else value
        )
        for key, value in content.items()
    }


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


@pytest.fixture
def binh(cycle, province):
    return Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )


def test_a_member_starts_writes_and_submits_their_review(client, province, binh):
    client.force_login(province.users["member"])
    mine = client.get(reverse("review-mine"))
    assert "Bản kiểm điểm của tôi" in mine.text and "Kiểm điểm năm 2025" in mine.text
    page = client.get(reverse("review-edit", args=[binh.pk]))
    assert "Bắt đầu viết" in page.text
    client.post(reverse("review-start", args=[binh.pk]))
    page = client.get(reverse("review-edit", args=[binh.pk]))
    assert "Mẫu 2A-HD KĐ.ĐG 2025" in page.text
    assert "Liên hệ 27 biểu hiện suy thoái" in page.text and "TD9" in page.text
    data = {
        **as_posted(written(binh)),
        "s.tu_tuong": "Kiên định lập trường",
        "s.nhiem_vu.text": "Hoàn thành các nhiệm vụ được giao",
        "s.nhiem_vu.p.0.name": "Báo cáo tổng kết",
        "s.nhiem_vu.p.0.result": "Đúng hạn",
        "s.suy_thoai.checked": ["TT5"],
        "s.suy_thoai.explanation": "Đôi khi còn nể nang",
        "r.fact.general_score": "27",
        "r.fact.task_score": "60",
        "proposed_tier": "HTTNV",
    }
    autosave = client.post(reverse("review-save", args=[binh.pk]), data, HTTP_HX_REQUEST="true")
    assert 'id="panel"' in autosave.text and "Đã lưu bản nháp lúc" in autosave.text
    assert "<html" not in autosave.text
    review = SelfReview.objects.get(subject=binh)
    assert review.content["suy_thoai"]["checked"] == ["TT5"]
    assert review.content["nhiem_vu"]["products"] == [
        {"name": "Báo cáo tổng kết", "result": "Đúng hạn"}
    ]
    client.post(reverse("review-save", args=[binh.pk]), {**data, "submit": "1"})
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED
    page = client.get(reverse("review-edit", args=[binh.pk]))
    assert "Sửa đổi bản đã nộp" in page.text and 'name="s.tu_tuong"' not in page.text
    printed = client.get(reverse("review-print", args=[binh.pk]))
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in printed.text and "☒ TT5" in printed.text
    assert "Báo cáo tổng kết" in printed.text


def test_another_member_cannot_see_or_write_the_review(client, province, cycle):
    cuong = Subject.objects.get(
        cycle=cycle, person=province.members["cuong"], kind=SubjectKind.PARTY_MEMBER
    )
    client.force_login(province.users["member"])
    assert client.get(reverse("review-edit", args=[cuong.pk])).status_code == 404
    assert client.post(reverse("review-start", args=[cuong.pk])).status_code == 404
    assert not SelfReview.objects.filter(subject=cuong).exists()


def test_an_inspector_reads_but_cannot_write(client, province, binh):
    client.force_login(province.users["inspector"])
    page = client.get(reverse("review-edit", args=[binh.pk]))
    assert page.status_code == 200 and "Bắt đầu viết" not in page.text
    assert client.post(reverse("review-start", args=[binh.pk])).status_code == 404


def test_the_decider_is_told_what_to_rate_first(client, province, cycle):
    an_head = Subject.objects.get(cycle=cycle, person=province.members["an"], kind=SubjectKind.HEAD)
    client.force_login(province.users["decider"])
    review_page = client.get(reverse("review-edit", args=[an_head.pk]))
    assert reverse("decision-subject", args=[an_head.pk]) in review_page.text  # the link
    page = client.get(reverse("decision-subject", args=[an_head.pk]))
    assert "Theo quy định, phải xếp loại trước" in page.text and "Chi bộ thôn Đông" in page.text
    response = client.post(
        reverse("decision-decide", args=[an_head.pk]), {"tier": "HTTNV"}, follow=True
    )
    assert "phải xếp loại trước" in response.text
    an_head.refresh_from_db()
    assert an_head.tier == ""


def test_staff_send_a_review_back_and_the_member_sees_why(client, province, binh):
    client.force_login(province.users["member"])
    client.post(reverse("review-start", args=[binh.pk]))
    client.post(
        reverse("review-save", args=[binh.pk]),
        {**as_posted(written(binh)), "proposed_tier": "HTXSNV", "submit": "1"},
    )
    client.force_login(province.users["staff_a"])
    client.post(reverse("review-return", args=[binh.pk]), {"comment": "Bổ sung sản phẩm cụ thể"})
    client.force_login(province.users["member"])
    page = client.get(reverse("review-edit", args=[binh.pk]))
    assert "Bổ sung sản phẩm cụ thể" in page.text and 'name="s.tu_tuong"' in page.text


def test_the_agency_head_finds_and_rates_a_staff_self_assessment(client, province):
    from kiemdiem.accounts import services as accounts
    from kiemdiem.reviews import services as reviews

    cuong, dung = province.members["cuong"], province.members["dung"]
    employ(cuong, province.agency, title="Công chức")
    hold_post(dung, province.agency, title="Chủ tịch", role="head")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    state = Subject.objects.get(cycle=cycle, person=cuong, track="state")
    review = reviews.review_start(subject=state, actor=None)
    reviews.review_submit(review=review, content=written(state), proposed_tier="HTTNV", actor=None)
    head = accounts.user_create(username="chutich", password="pass12345!", person=dung, actor=None)
    client.force_login(head)
    mine = client.get(reverse("review-mine"))
    assert "Lê Văn Cường" in mine.text and "cần xếp loại" in mine.text
    page = client.get(reverse("review-edit", args=[state.pk]))
    assert page.status_code == 200 and "Quyết định xếp loại" in page.text
    client.post(reverse("decision-decide", args=[state.pk]), {"tier": "HTTNV"})
    state.refresh_from_db()
    assert state.tier == "HTTNV"


def test_a_page_that_is_behind_does_not_overwrite_a_newer_draft(client, province, binh):
    client.force_login(province.users["member"])
    client.post(reverse("review-start", args=[binh.pk]))
    page = client.get(reverse("review-edit", args=[binh.pk]))
    revision = page.text.split('name="revision" value="')[1].split('"')[0]
    first = client.post(
        reverse("review-save", args=[binh.pk]),
        {"s.tu_tuong": "Viết ở cửa sổ thứ nhất", "revision": revision},
        HTTP_HX_REQUEST="true",
    )
    assert "Đã lưu bản nháp lúc" in first.text
    stale = client.post(
        reverse("review-save", args=[binh.pk]),
        {"s.tu_tuong": "Cửa sổ thứ hai, cũ hơn", "revision": revision},
        HTTP_HX_REQUEST="true",
    )
    assert "đã được sửa ở nơi khác" in stale.text
    assert SelfReview.objects.get(subject=binh).content["tu_tuong"] == "Viết ở cửa sổ thứ nhất"


def test_the_autosave_answer_stays_small(client, province, binh, django_assert_max_num_queries):
    client.force_login(province.users["member"])
    client.post(reverse("review-start", args=[binh.pk]))
    # 26 when it built the whole page; 17 with the register's adverse facts; 11 since the
    # subject and the review are locked in one statement that also reads the cycle and person
    # (and the transaction's savepoint and release count here)
    with django_assert_max_num_queries(11):
        response = client.post(
            reverse("review-save", args=[binh.pk]),
            {"s.tu_tuong": "Đang viết", "r.fact.general_score": "27"},
            HTTP_HX_REQUEST="true",
        )
    assert "Đã lưu bản nháp lúc" in response.text


def autosave(client, subject, data):
    return client.post(reverse("review-save", args=[subject.pk]), data, HTTP_HX_REQUEST="true")


def test_an_invalid_score_is_marked_and_the_rest_of_the_draft_is_still_saved(
    client, province, binh
):
    client.force_login(province.users["member"])
    client.post(reverse("review-start", args=[binh.pk]))
    autosave(client, binh, {"s.tu_tuong": "Câu đầu.", "r.fact.general_score": "27"})
    response = autosave(
        client,
        binh,
        {"s.tu_tuong": "Câu đầu. Câu viết tiếp theo.", "r.fact.general_score": "9999"},
    )
    review = SelfReview.objects.get(subject=binh)
    # the sentence typed after the bad score is stored; the score keeps its last valid value
    assert review.content["tu_tuong"] == "Câu đầu. Câu viết tiếp theo."
    assert review.content["xep_loai"]["fact.general_score"] == "27"
    assert review.unsaved == {"r.fact.general_score": "9999"}
    # the panel says plainly what was not saved, never that the draft saves itself
    assert "Chưa lưu được:" in response.text
    assert "tự động lưu" not in response.text and "Đã lưu bản nháp lúc" not in response.text
    message = "Điểm nhóm tiêu chí chung (tối đa 30): phải là số từ 0 đến 30 (đang nhập 9999)."
    assert message in response.text
    # the mark beside the field, swapped in by htmx
    assert 'id="err-r-fact-general_score"' in response.text and "hx-swap-oob" in response.text

    page = client.get(reverse("review-edit", args=[binh.pk]))  # a reload
    assert "Câu đầu. Câu viết tiếp theo." in page.text
    field = page.text.split('name="r.fact.general_score"')[1].split("</div>")[0]
    assert 'value="9999"' in field and 'aria-invalid="true"' in field and message in field
    assert "Chưa lưu được:" in page.text and "tự động lưu" not in page.text

    fixed = autosave(
        client, binh, {"s.tu_tuong": "Câu đầu. Câu viết tiếp theo.", "r.fact.general_score": "28"}
    )
    review.refresh_from_db()
    assert review.content["xep_loai"]["fact.general_score"] == "28" and review.unsaved == {}
    assert "Đã lưu bản nháp lúc" in fixed.text and "Chưa lưu được" not in fixed.text
    # the mark beside the field is swapped out for an empty one
    assert (
        '<span class="field-error" id="err-r-fact-general_score" role="alert" hx-swap-oob="true"></span>'
        in fixed.text
    )


def test_text_over_the_limit_names_the_section_and_is_kept_as_typed(client, province, binh):
    client.force_login(province.users["member"])
    client.post(reverse("review-start", args=[binh.pk]))
    long_text = "Ưu điểm " * 3163 + "Ưu điểm."  # 25,312 characters
    response = autosave(client, binh, {"s.dao_duc": long_text, "s.ky_luat": "Chấp hành nghiêm."})
    review = SelfReview.objects.get(subject=binh)
    assert review.content["ky_luat"] == "Chấp hành nghiêm."
    assert review.content["dao_duc"] == "" and review.unsaved["s.dao_duc"] == long_text
    message = (
        "Mục 'Về phẩm chất đạo đức, lối sống, tinh thần nêu gương' dài quá 20.000 ký tự"
        " (đang có 25.312)."
    )
    assert message in unescape(response.text) and "Chưa lưu được:" in response.text
    page = client.get(reverse("review-edit", args=[binh.pk]))
    assert long_text in page.text and message in unescape(page.text)


def test_submitting_with_an_invalid_field_is_refused_with_the_marks(client, province, binh):
    client.force_login(province.users["member"])
    client.post(reverse("review-start", args=[binh.pk]))
    data = {
        **as_posted(written(binh)),
        "s.tu_tuong": "Kiên định.",
        "r.fact.general_score": "31",
        "proposed_tier": "HTTNV",
        "submit": "1",
    }
    response = client.post(reverse("review-save", args=[binh.pk]), data, follow=True)
    review = SelfReview.objects.get(subject=binh)
    assert review.status == ReviewStatus.DRAFT and review.version == 0
    assert review.content["tu_tuong"] == "Kiên định."  # the rest is saved as a draft
    assert "Chưa nộp." in response.text
    field = response.text.split('name="r.fact.general_score"')[1].split("</div>")[0]
    assert 'value="31"' in field and "phải là số từ 0 đến 30 (đang nhập 31)" in field


def test_a_save_refused_as_a_whole_says_not_saved(client, province, binh):
    client.force_login(province.users["member"])
    client.post(reverse("review-start", args=[binh.pk]))
    stale = autosave(client, binh, {"s.tu_tuong": "x", "revision": "2020-01-01T00:00:00+00:00"})
    assert "đã được sửa ở nơi khác" in stale.text and "Chưa lưu được." in stale.text
    assert "tự động lưu" not in stale.text


def test_the_print_shows_the_date_of_birth_only_to_those_who_may_see_it(client, province, door):
    """The agency head reads (and rates) the staff's state reviews, but the staff's personal
    fields are not theirs to see; the writer sees their own."""
    from kiemdiem.cycles.models import Track
    from kiemdiem.reviews import services

    hold_post(province.members["binh"], province.agency, title="Chủ tịch", role="head")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    staff = Subject.objects.get(cycle=cycle, person=door.employee, track=Track.STATE)
    services.review_start(subject=staff, actor=None)
    url = reverse("review-print", args=[staff.pk])

    client.force_login(province.users["member"])  # Bình, the agency's head
    printed = client.get(url)
    assert printed.status_code == 200 and "Đỗ Văn Em" in printed.text
    assert "07/07/1990" not in printed.text and "Ngày sinh" not in printed.text

    client.force_login(province.users["employee"])  # the writer
    assert "07/07/1990" in client.get(url).text


def test_the_explanation_shows_rule_codes_to_staff_only(client, province, binh):
    """Officials read the rules in words; the organization's staff also see the codes that
    tie a line to the rule pack."""
    client.force_login(province.users["member"])
    client.post(reverse("review-start", args=[binh.pk]))
    rating = {
        "r.fact.general_score": "27",
        "r.fact.task_score": "65",
        "r.fact.on_time_quality": "true",
        "r.fact.pct_tasks_done": "100",
        "r.fact.pct_tasks_exceeded": "40",
        "r.fact.pct_tasks_late": "0",
    }
    saved = client.post(
        reverse("review-save", args=[binh.pk]),
        {**as_posted(written(binh)), **rating},
        HTTP_HX_REQUEST="true",
    )
    codes = "Chi tiết kỹ thuật: gói R2025"
    assert 'id="why"' in saved.text and codes not in saved.text
    assert "[derive:" not in saved.text
    assert codes not in client.get(reverse("review-edit", args=[binh.pk])).text
    for who in ("staff_a", "inspector"):
        client.force_login(province.users[who])
        page = client.get(reverse("review-edit", args=[binh.pk])).text
        assert codes in page and "[derive:score" in page, who
    client.force_login(province.users["secretary"])
    assert codes not in client.get(reverse("review-edit", args=[binh.pk])).text


def test_the_page_shows_last_years_shortcomings_and_reports_on_each(client, province, binh):
    """The remedies section is read from the rows, and what the page posts becomes rows."""
    from kiemdiem.reviews import services, shortcomings
    from kiemdiem.testing import WRITTEN

    old = open_annual(province, 2024)
    subjects.subjects_generate(cycle=old, actor=None)
    before = Subject.objects.get(cycle=old, person=province.members["binh"], kind="party_member")
    review = services.review_start(subject=before, actor=None)
    content = {**WRITTEN, "han_che": "Chậm nộp đảng phí\nÍt phát biểu"}
    services.review_submit(review=review, content=content, proposed_tier="HTNV", actor=None)
    client.force_login(province.users["member"])
    client.post(reverse("review-start", args=[binh.pk]))
    page = client.get(reverse("review-edit", args=[binh.pk]))
    assert 'value="Chậm nộp đảng phí"' in page.text and 'value="Ít phát biểu"' in page.text
    autosave(
        client,
        binh,
        {
            "s.khac_phuc.r.0.shortcoming": "Chậm nộp đảng phí",
            "s.khac_phuc.r.0.remedy": "Nộp ngày 5 hằng tháng",
            "s.khac_phuc.r.0.done": "on",
            "s.khac_phuc.r.1.shortcoming": "Ít phát biểu",
            "s.khac_phuc.r.1.remedy": "",
        },
    )
    draft = SelfReview.objects.get(subject=binh)
    rows = shortcomings.reported(draft)
    assert [(r.text, r.status, r.remedy_report) for r in rows] == [
        ("Chậm nộp đảng phí", "remedied", "Nộp ngày 5 hằng tháng"),
        ("Ít phát biểu", "open", ""),
    ]
    page = client.get(reverse("review-edit", args=[binh.pk]))  # a reload shows the report
    assert "Nộp ngày 5 hằng tháng" in page.text
