"""A results report in the browser: the province's staff open the province's report, drill
down to a commune, whose staff submit it; the province sees it submitted. At 375 px the page
does not scroll sideways (the wide table scrolls inside its card) and the charts are drawn; the
report with its charts is taken as a Word file from the page's button."""

import pytest
from playwright.sync_api import expect

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject
from kiemdiem.testing import open_annual

from .conftest import sign_in
from .test_reviews import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    Subject.objects.filter(cycle=cycle, person=province.members["binh"]).update(
        status="rated", tier="HTTNV"
    )
    return cycle


def test_a_report_drilled_down_and_submitted(page, province, cycle):
    sign_in(page, "staff_a")
    page.goto(f"{page.base_url}/reports/{cycle.pk}/{province.commune_a.pk}/")
    expect(page.get_by_role("heading", name="Báo cáo kết quả: Đảng bộ xã An Bình")).to_be_visible()
    page.get_by_label("Ghi chú").fill("Số liệu đầy đủ")
    page.get_by_role("button", name="Nộp báo cáo lên cấp trên").click()
    expect(page.locator("#submission")).to_contain_text("Đã nộp")
    response = page.goto(f"{page.base_url}/reports/{cycle.pk}/{province.province.pk}/")
    assert response.status == 404  # the commune's staff never open the province
    page.context.clear_cookies()
    sign_in(page, "staff_p")
    page.goto(f"{page.base_url}/reports/")
    expect(page.get_by_role("heading", name="Báo cáo kết quả: Đảng bộ tỉnh Thử")).to_be_visible()
    row = page.get_by_role("row", name="Đảng bộ xã An Bình")
    expect(row).to_contain_text("Đã nộp")
    expect(page.locator("svg.chart").first).to_be_visible()
    shot(page, "reports-province")
    # the report with its charts as a Word file: the reader's job, its result to download
    page.get_by_role("button", name="Báo cáo kèm biểu đồ (Word)").click()
    expect(page.get_by_role("link", name="Tải kết quả")).to_be_visible()
    page.go_back()
    page.goto(f"{page.base_url}/reports/")
    row = page.get_by_role("row", name="Đảng bộ xã An Bình")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Báo cáo kết quả: Đảng bộ xã An Bình")).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    wide = page.evaluate("document.scrollingElement.scrollWidth")
    assert wide <= 376, wide
    shot(page, "reports-commune-phone")
