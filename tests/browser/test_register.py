"""The register walked through in a browser: commune staff record a discipline decision with
its scan from the member's page; the member's self-review then shows it read-only and rates
her KHTNV by the rules."""

import os

import pytest
from playwright.sync_api import expect

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.reviews import services as review_services
from kiemdiem.testing import open_annual

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, name):
    folder = os.environ.get("KIEMDIEM_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_staff_record_a_discipline_and_the_member_sees_it_on_her_form(
    page, province, tmp_path
):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    binh = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    review_services.review_start(subject=binh, actor=None)
    scan = tmp_path / "quyet-dinh-ky-luat.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj\n")

    sign_in(page, "staff_a")
    page.goto(page.base_url + f"/people/{province.members['binh'].pk}/")
    page.get_by_role("link", name="Ghi quyết định, kết luận").click()
    page.locator("#id_kind").select_option("discipline")
    page.locator("#id_discipline_form").select_option("KHIEN_TRACH")
    page.locator("#id_decided_on").fill("01/09/2025")
    page.locator("#id_issuing_body").fill("Chi bộ thôn Đông")
    page.locator("#id_document_number").fill("05-QĐ/CB")
    page.locator("#id_year").fill("2025")
    page.locator("#id_summary").fill("Chậm đóng đảng phí 3 tháng liên tục.")
    page.locator("#id_files").set_input_files(str(scan))
    shot(page, "register-form")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã ghi vào sổ theo dõi.")).to_be_visible()
    expect(page.get_by_role("link", name="quyet-dinh-ky-luat.pdf")).to_be_visible()
    shot(page, "register-entry")
    page.get_by_role("link", name="Sổ theo dõi kỷ luật").first.click()
    expect(page.get_by_role("cell", name="Trần Thị Bình")).to_be_visible()
    shot(page, "register-list")
    page.goto(page.base_url + f"/people/{province.members['binh'].pk}/")
    expect(page.locator("#register")).to_contain_text("Khiển trách")
    shot(page, "register-person")

    page.context.clear_cookies()
    sign_in(page, "member")
    page.goto(page.base_url + f"/reviews/subjects/{binh.pk}/")
    facts = page.locator("#register-facts")
    expect(facts).to_contain_text("Theo sổ theo dõi kỷ luật, kết luận")
    expect(facts).to_contain_text("05-QĐ/CB")
    expect(page.locator("[name='r.fact.disciplined_in_year']")).to_have_count(0)
    if os.environ.get("KIEMDIEM_SCREENSHOTS"):  # the facts up close
        facts.screenshot(path=os.path.join(os.environ["KIEMDIEM_SCREENSHOTS"], "facts.png"))
    expect(page.locator("#panel .tier")).to_be_visible()
