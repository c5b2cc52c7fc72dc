"""The decision screen in a real browser: the decider of commune A sees the members' pool over
its quota, the rows beyond it marked, and deciding the screen as proposed asks for the reason
for the override; with it written, the decisions are recorded."""

import pytest
from playwright.sync_api import expect

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.decisions import services
from kiemdiem.decisions.models import Decision
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, _member, open_annual

from .conftest import sign_in
from .test_reviews import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_decider_decides_the_screen_over_the_quota_with_a_reason(page, province):
    for given in ("Giang", "Hà", "Khánh", "Lan"):
        _member("Đỗ", "Thị", given, province.cell_a1)
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    members = Subject.objects.filter(cycle=cycle, kind=SubjectKind.PARTY_MEMBER).select_related(
        "person"
    )
    for s in members:
        if not s.unit.path.startswith(province.commune_a.path):
            continue
        review = reviews.review_start(subject=s, actor=None)
        reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
        tier = "HTXSNV" if s.person.given_name in ("Bình", "Giang") else "HTTNV"
        services.propose(subject=s, tier=tier, reason="Chi ủy đề xuất", actor=None)
    sign_in(page, "decider")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(
        f"{page.base_url}/decisions/{cycle.pk}/screen/?unit={province.commune_a.pk}&group=members"
    )
    expect(page.get_by_role("heading", name="Màn hình quyết định")).to_be_visible()
    expect(page.locator(".ds-pool.exceeded")).to_contain_text("Vượt tỷ lệ")
    expect(page.locator("tr.over")).to_have_count(2)
    shot(page, "decision-screen")
    page.get_by_role("button", name="Quyết định").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Nhóm có vị trí, vai trò, chức năng tương đồng"
    )
    page.get_by_label("Lý do quyết định vượt tỷ lệ hoặc vượt mức trần").fill(
        "Hai đồng chí có thành tích đột xuất được Tỉnh ủy khen thưởng"
    )
    shot(page, "decision-screen-refused")
    page.get_by_role("button", name="Quyết định").click()
    expect(page.locator(".ds-table")).to_contain_text("Vượt quy định")
    assert Decision.objects.filter(subject__cycle=cycle, state="decided").count() == 6
    shot(page, "decision-screen-decided")
