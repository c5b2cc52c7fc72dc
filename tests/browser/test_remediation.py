"""The lists the regulations name and a person's tiers across the years, in the browser: the
commune's staff open the lists and download one; Bình's page shows her tiers, with the
shortcoming a decision named and whether it was remedied."""

import datetime

import pytest
from playwright.sync_api import expect

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.remediation import services
from kiemdiem.testing import open_annual

from .conftest import sign_in
from .test_reviews import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def years(province):
    out = {}
    for year in (2023, 2024, 2025):
        cycle = open_annual(province, year)
        subjects.subjects_generate(cycle=cycle, actor=None)
        Subject.objects.filter(cycle=cycle).update(tier="HTTNV", status="rated")
        out[year] = cycle
    m = province.members
    for year in (2024, 2025):
        Subject.objects.filter(cycle=out[year], person=m["binh"]).update(tier="KHTNV")
    Subject.objects.filter(cycle=out[2025], person=m["cuong"]).update(tier="KHTNV")
    Subject.objects.filter(cycle=out[2025], unit=province.cell_a2, person__isnull=True).update(
        tier="KHTNV"
    )
    for year in (2023, 2024, 2025):
        Subject.objects.filter(cycle=out[year], person=m["an"]).update(tier="HTXSNV")
    binh_2024 = Subject.objects.get(
        cycle=out[2024], person=m["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    row = services.remedy_item_add(
        subject=binh_2024,
        actor=None,
        source="decision",
        source_ref="QĐ 15-QĐ/ĐU",
        text="Không hoàn thành chỉ tiêu phát triển đảng viên",
        due_date=datetime.date(2025, 6, 30),
    )
    services.remedy_item_update(
        shortcoming=row,
        actor=None,
        remedy_plan="Kèm cặp quần chúng ưu tú",
        owner=m["an"],
        due_date=row.due_date,
        status="not_remedied",
    )
    return out


def test_the_lists_and_a_persons_tiers(page, province, years):
    sign_in(page, "staff_a")
    page.goto(f"{page.base_url}/units/{province.commune_a.pk}/lists/?list=khtnv_twice&year=2025")
    expect(
        page.get_by_role("heading", name="Đảng viên 2 năm liền KHTNV — chi bộ xem xét")
    ).to_be_visible()
    expect(page.get_by_role("row", name="Trần Thị Bình")).to_contain_text("KHTNV")
    shot(page, "remediation-lists-khtnv-twice")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về dạng Excel").click()
    assert download.value.suggested_filename == "danh-sach-khtnv_twice-2025.xlsx"
    page.get_by_label("Danh sách").select_option("htxsnv_running")
    page.get_by_label("Số năm liền").fill("3")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("row", name="Nguyễn Văn An")).to_contain_text("HTXSNV")
    shot(page, "remediation-lists-htxsnv")
    page.goto(f"{page.base_url}/people/{province.members['binh'].pk}/")
    history = page.locator("#tier-history")
    expect(history).to_contain_text("Không hoàn thành chỉ tiêu phát triển đảng viên")
    expect(history).to_contain_text("Không khắc phục")
    history.scroll_into_view_if_needed()
    shot(page, "remediation-person-tiers")
    page.goto(f"{page.base_url}/units/{province.commune_a.pk}/remedies/")
    row = page.get_by_role("row", name="Không hoàn thành chỉ tiêu phát triển đảng viên")
    expect(row).to_contain_text("Nguyễn Văn An")
    expect(row).to_contain_text("quá hạn")
    shot(page, "remediation-items")


def test_the_commune_lists_its_organizations_to_consolidate(page, province, years):
    sign_in(page, "staff_a")
    page.goto(f"{page.base_url}/units/{province.commune_a.pk}/consolidation/")
    page.get_by_role("button", name="Lập danh sách theo kết quả xếp loại đã quyết định").click()
    expect(page.get_by_text("Danh sách có 1 tổ chức.")).to_be_visible()
    page.get_by_role("link", name="Thêm việc cần làm").first.click()
    page.get_by_label("Việc cần làm").fill("Kiện toàn chi ủy, phân công đảng viên kèm cặp")
    page.get_by_label("Người chịu trách nhiệm").select_option(label="Lê Văn Cường")
    page.get_by_label("Thời hạn").fill("31/03/2026")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu việc cần làm.")).to_be_visible()
    expect(page.get_by_role("link", name="← Đảng bộ xã An Bình")).to_be_visible()  # back home
    row = page.get_by_role("row", name="Kiện toàn chi ủy, phân công đảng viên kèm cặp")
    expect(row).to_contain_text("Lê Văn Cường")
    expect(row).to_contain_text("31/03/2026")
    shot(page, "remediation-consolidation")
