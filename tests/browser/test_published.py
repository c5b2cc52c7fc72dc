"""A member reads the published results on a phone and complains about their own rating; the
level above decides the complaint (decisions/notice_views.py)."""

import datetime

import pytest
from playwright.sync_api import expect

from kiemdiem.common.dates import today
from kiemdiem.cycles import subjects
from kiemdiem.decisions import notices, publications
from kiemdiem.decisions.tests.test_notices import decided, member
from kiemdiem.testing import open_annual

from .conftest import sign_in
from .test_reviews import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_reads_the_published_list_on_a_phone_and_complains(page, province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    decided(member(cycle, province, "binh"), "HTNV", "Chậm nộp đảng phí hai tháng")
    decided(member(cycle, province, "cuong"), "HTXSNV", "Nổi bật trong phong trào")
    notices.notify_scope(cycle=cycle, unit=province.province, actor=None)
    publications.publish(
        cycle=cycle,
        unit=province.commune_a,
        audience="subtree",
        starts_on=today(),
        ends_on=today() + datetime.timedelta(days=10),
        actor=None,
    )
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in(page, "member")
    page.goto(page.base_url + "/published/")
    shot(page, "published-list-phone")
    page.get_by_role("link", name="Kết quả xếp loại chất lượng của Đảng bộ xã An Bình").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kết quả xếp loại chất lượng")
    expect(page.get_by_role("cell", name="Lê Văn Cường")).to_be_visible()
    expect(page.get_by_role("cell", name="HTXSNV")).to_be_visible()
    # nothing wider than the phone: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "published-phone")
    # her own result, from the notice
    page.goto(page.base_url + "/notifications/")
    page.get_by_role("button", name="Mở").first.click()
    expect(page.get_by_text("Chậm nộp đảng phí hai tháng")).to_be_visible()
    page.get_by_label("Nội dung khiếu nại").fill("Tôi đã nộp đủ, có biên lai của chi bộ.")
    page.get_by_role("button", name="Gửi đơn khiếu nại").click()
    expect(page.get_by_text("Đơn khiếu nại đã được gửi")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "complaint-phone")
    expect(page.get_by_text("đang chờ giải quyết")).to_be_visible()  # no second form
    # the province decides it: the queue, the complaint, a changed tier
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "decider")
    page.get_by_role("link", name="Khiếu nại").first.click()
    page.get_by_role("link", name="Trần Thị Bình").click()
    page.get_by_label("Thay đổi kết quả").check()
    page.get_by_label("Mức xếp loại mới").select_option("HTTNV")
    page.get_by_label("Lý do").fill("Biên lai cho thấy đã nộp đủ đúng hạn.")
    page.get_by_role("button", name="Ghi nhận kết luận").click()
    expect(page.get_by_text("Đã giải quyết khiếu nại")).to_be_visible()
    expect(page.get_by_text("Hoàn thành tốt nhiệm vụ (HTTNV)")).to_be_visible()
    shot(page, "complaint-decided")
    # the results page of commune A
    page.goto(page.base_url + f"/cycles/{cycle.pk}/units/{province.commune_a.pk}/results/")
    expect(page.get_by_role("heading", name="Thông báo kết quả")).to_be_visible()
    shot(page, "results-decider")
