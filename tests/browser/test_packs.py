"""A province pins its local rule set in the browser and everyone reads its rules in words; the
decision maker chooses the final tier of a leader rated in two places."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import PlaceDecision, Subject, SubjectKind, SubjectStatus
from kiemdiem.testing import open_annual

from .conftest import sign_in
from .test_reviews import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PACK = Path(__file__).parents[2] / "kiemdiem" / "cycles" / "tests" / "packs" / "R2025-P.toml"


def viewport(page, name):
    """``shot`` of what is on screen only (a long page's full shot is hard to read)."""
    folder = os.environ.get("KIEMDIEM_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"))


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def test_the_province_pins_its_rules_and_a_member_reads_them(page, province, cycle):
    call_command("load_rule_pack", str(PACK))
    sign_in(page, "staff_p")
    page.goto(f"{page.base_url}/cycles/{cycle.pk}/")
    page.get_by_label("Áp dụng bộ quy định của địa phương").select_option(
        label="R2025-P 2025.1-p.1 — Đảng bộ tỉnh Thử"
    )
    page.get_by_role("button", name="Áp dụng", exact=True).click()
    expect(page.get_by_text("Đã áp dụng bộ quy định R2025-P 2025.1-p.1")).to_be_visible()
    viewport(page, "cycle-detail")
    page.get_by_role("link", name="R2025-P").click()
    expect(page.get_by_role("heading", name="Bộ tiêu chí của Tỉnh ủy Thử")).to_be_visible()
    row = page.get_by_role("row", name="Ít nhất 40% nhiệm vụ hoàn thành vượt mức").first
    expect(row).to_contain_text("Tỷ lệ nhiệm vụ hoàn thành vượt mức (%) ≥ 40")
    expect(row).to_contain_text("HTXSNV")
    expect(row).to_contain_text("địa phương")
    shot(page, "pack-rules")
    viewport(page, "pack-rules-top")
    row.scroll_into_view_if_needed()
    viewport(page, "pack-rules-local")
    page.context.clear_cookies()
    sign_in(page, "member")  # Bình may view the cycle: she reads the same page
    page.goto(f"{page.base_url}/cycles/{cycle.pk}/")
    page.get_by_role("link", name="R2025-P").click()
    expect(page.get_by_text("điểm tối thiểu mức HTXSNV (95)").first).to_be_visible()


def test_the_decision_maker_chooses_between_two_places(page, province, cycle):
    an = province.members["an"]
    head = Subject.objects.get(cycle=cycle, person=an, kind=SubjectKind.HEAD)
    other = subjects.subject_add(
        cycle=cycle,
        kind=SubjectKind.LEADER,
        unit=province.commune_b,
        person=an,
        reason="Kiêm nhiệm",
        actor=None,
    )
    Subject.objects.filter(pk=head.pk).update(status=SubjectStatus.RATED, tier="HTNV")
    Subject.objects.filter(pk=other.pk).update(status=SubjectStatus.RATED, tier="HTTNV")
    sign_in(page, "decider")
    page.goto(f"{page.base_url}/cycles/{cycle.pk}/")
    page.get_by_role("link", name="1 người có kết quả xếp loại khác nhau").click()
    expect(page.get_by_text("Đang chờ cấp có thẩm quyền chọn")).to_be_visible()
    page.get_by_label("Mức xếp loại cuối cùng").select_option("HTNV")
    page.get_by_label("Lý do lựa chọn").fill("Theo kết luận của Ban Thường vụ")
    shot(page, "places")
    page.get_by_role("button", name="Ghi nhận mức xếp loại cuối cùng").click()
    expect(page.get_by_text("Đã ghi nhận mức xếp loại cuối cùng")).to_be_visible()
    assert PlaceDecision.objects.get().tier == "HTNV"
