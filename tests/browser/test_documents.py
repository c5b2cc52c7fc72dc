"""The documents page as a commune's staff member uses it: the exporters offered, a decision
list started from its form, the job's page with the download; at phone width and desktop."""

import pytest
from playwright.sync_api import expect

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.decisions import services as decisions
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, open_annual

from .conftest import sign_in
from .test_reviews import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [375, 1280])
def test_a_decision_list_from_the_documents_page(page, province, settings, tmp_path, width):
    settings.VAR_DIR = tmp_path
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    binh = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    review = reviews.review_start(subject=binh, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    decisions.decide(subject=binh, tier="HTTNV", reason="Tốt", actor=None)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, "staff_a")
    page.goto(page.base_url + "/documents/")
    expect(page.get_by_role("heading", name="Văn bản", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Danh sách đề nghị / quyết định xếp loại")).to_be_visible()
    shot(page, f"documents-{width}")
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow  # nothing wider than the phone
    page.get_by_role("link", name="Danh sách đề nghị / quyết định xếp loại").click()
    page.get_by_label("Kỳ kiểm điểm").select_option(str(cycle.pk))
    page.get_by_label("Mã đơn vị").fill("Z9")  # a unit that does not exist
    page.get_by_role("button", name="Xuất", exact=True).click()
    expect(page.get_by_text("Z9")).to_be_visible()  # the field says what is wrong
    page.get_by_label("Mã đơn vị").fill("A")
    page.get_by_label("Định dạng").select_option("xlsx")
    shot(page, f"documents-run-{width}")
    page.get_by_role("button", name="Xuất", exact=True).click()
    page.wait_for_url("**/jobs/*/")
    expect(page.get_by_role("link", name="Tải kết quả")).to_be_visible()
    shot(page, f"documents-job-{width}")
