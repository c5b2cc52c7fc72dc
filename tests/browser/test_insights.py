"""Every role's start page leads with its to-dos, at phone and desktop width; the province
board's staff go from it to the signals of formalism, which explain themselves."""

import pytest
from playwright.sync_api import expect

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject
from kiemdiem.decisions import services as decisions
from kiemdiem.decisions.models import Decision
from kiemdiem.insights import services as insights
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, open_annual

from .conftest import sign_in
from .test_reviews import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def scene(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    m = province.members
    # Bình's review sent back with a comment; Cường's ready for the decider
    binh = Subject.objects.get(cycle=cycle, person=m["binh"])
    review = reviews.review_start(subject=binh, actor=None)
    review = reviews.review_submit(
        review=review, content=WRITTEN, proposed_tier="HTXSNV", actor=None
    )
    reviews.review_return(
        review=review,
        comment="Bổ sung sản phẩm cụ thể của nhiệm vụ",
        actor=province.users["staff_a"],
    )
    cuong = Subject.objects.get(cycle=cycle, person=m["cuong"])
    review = reviews.review_start(subject=cuong, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    decisions.propose(subject=cuong, tier="HTTNV", actor=None)
    # signals: An (head of A1) above his cell; an override in B1
    an = Subject.objects.get(cycle=cycle, person=m["an"])
    Decision.objects.create(subject=an, state="proposed", proposed_tier="HTXSNV")
    Subject.objects.filter(cycle=cycle, unit=province.cell_a1, person__isnull=True).update(
        tier="HTTNV", status="rated"
    )
    dung = Subject.objects.get(cycle=cycle, person=m["dung"])
    Subject.objects.filter(pk=dung.pk).update(tier="HTXSNV", status="rated")
    Decision.objects.create(
        subject=dung,
        state="decided",
        tier="HTXSNV",
        override_reason="Có thành tích đột xuất được Tỉnh ủy khen thưởng",
        overrides=[{"kind": "quota", "code": "Q", "text": "Vượt tỷ lệ 20% HTXSNV của chi bộ"}],
    )
    insights.signals_refresh(cycle=cycle, actor=None)
    return cycle


@pytest.mark.parametrize(
    "who, first",
    [
        ("member", "Bản tự kiểm điểm của tôi: bị trả lại"),
        ("secretary", "Bản tự kiểm điểm của tôi"),
        ("staff_b", "quá hạn tại"),
        ("decider", "Dấu hiệu nể nang, né tránh"),
        ("staff_p", "Dấu hiệu nể nang, né tránh"),
    ],
)
def test_each_roles_home_leads_with_its_to_dos(page, scene, who, first):
    sign_in(page, who)
    for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.goto(page.base_url + "/")
        todos = page.locator("#todos")
        expect(todos).to_be_visible()
        expect(todos.locator("li.todo").first).to_contain_text(first)
        # the to-dos come before the counts, and nothing spills sideways on a phone
        assert page.evaluate(
            "document.querySelector('#todos').getBoundingClientRect().top"
            " < document.querySelector('.stats').getBoundingClientRect().top"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        shot(page, f"insights-home-{who}-{name}")
    if who == "member":
        expect(page.locator("#todos")).to_contain_text("Bổ sung sản phẩm cụ thể của nhiệm vụ")
    if who == "decider":
        expect(page.locator("#todos")).to_contain_text("Chờ đồng chí quyết định")


def test_the_province_board_opens_the_signals_from_its_home(page, scene):
    sign_in(page, "staff_p")
    for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.goto(page.base_url + "/")
        page.locator("#todos li.todo").first.get_by_role("link", name="Xem các dấu hiệu").click()
        expect(page.get_by_role("heading", name="Dấu hiệu nể nang, né tránh")).to_be_visible()
        results = page.locator("#results")
        expect(results).to_contain_text("Người đứng đầu xếp loại cao hơn đơn vị")
        expect(results).to_contain_text("trong khi đơn vị do mình phụ trách chỉ xếp HTTNV")
        expect(results).to_contain_text("Vượt tỷ lệ 20% HTXSNV của chi bộ")
        expect(page.get_by_text("Tính đến")).to_be_visible()
        # the charts: by kind, and by unit below (communes A and B, one signal each)
        charts = page.locator("figure.chart-box svg.chart")
        expect(charts).to_have_count(2)
        expect(charts.first).to_be_visible()
        expect(charts.nth(1)).to_contain_text("Đảng bộ phường Bến Thành")
        assert charts.first.bounding_box()["width"] <= size["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        shot(page, f"insights-signals-{name}")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="So sánh các chức danh tương đương").first.click()
    page.get_by_label("Chức vụ").select_option("head.chi_bo_truc_thuoc")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("table")).to_contain_text("Nguyễn Văn An")
    chart = page.locator("figure.chart-box svg.chart")
    expect(chart).to_be_visible()
    expect(chart).to_contain_text("HTXSNV")
    shot(page, "insights-comparison-desktop")
    page.set_viewport_size(PHONE)
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "insights-comparison-phone")
