"""Decisions in a real browser: the chi ủy proposes on the proposals page (htmx, row by row),
the decider finds the subject on their home page's queue and decides it."""

import pytest
from playwright.sync_api import expect

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.reviews import services as review_services
from kiemdiem.testing import open_annual, written

from .conftest import sign_in
from .test_reviews import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def test_the_cell_proposes_and_the_decider_decides_from_the_queue(page, province, cycle):
    binh = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    review = review_services.review_start(subject=binh, actor=None)
    review_services.review_submit(
        review=review, content=written(binh), proposed_tier="HTXSNV", actor=None
    )
    sign_in(page, "staff_a")
    page.goto(page.base_url + f"/cycles/{cycle.pk}/units/{province.cell_a1.pk}/")
    page.get_by_role("link", name="Đề xuất xếp loại").click()
    row = page.locator(f"#proposal-{binh.pk}")
    expect(row).to_contain_text("Trần Thị Bình")
    expect(row).to_contain_text("HTXSNV")  # self-proposed
    row.locator("select").select_option("HTTNV")
    row.locator("input[name=reason]").fill("Đúng tỷ lệ của chi bộ")
    row.get_by_role("button", name="Đề xuất").click()
    expect(page.locator(f"#proposal-{binh.pk}")).to_contain_text("Đúng tỷ lệ của chi bộ")
    shot(page, "proposals")
    page.get_by_role("button", name="Đăng xuất").click()

    sign_in(page, "decider")
    page.goto(page.base_url + "/")
    # the queue leads the decider's to-dos on the start page, a unit an item
    queue = page.locator('#todos li[data-code="decisions.queue"]', has_text="Chi bộ thôn Đông")
    expect(queue).to_contain_text("Chi bộ thôn Đông")
    shot(page, "home-queue")
    queue.get_by_role("link").click()
    page.get_by_role("link", name="Trần Thị Bình").click()
    expect(page.get_by_text("Đúng tỷ lệ của chi bộ").first).to_be_visible()
    expect(page.get_by_label("Mức xếp loại", exact=True)).to_have_value("HTTNV")  # proposed
    page.get_by_role("button", name="Quyết định", exact=True).click()
    expect(page.get_by_text("Đã ghi nhận quyết định xếp loại.")).to_be_visible()
    shot(page, "decision-subject")
    binh.refresh_from_db()
    assert binh.tier == "HTTNV"
