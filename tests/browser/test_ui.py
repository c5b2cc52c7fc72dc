"""A real browser: sign in, browse the tree, search, add a person, a bad date, language."""

import re

import pytest
from playwright.sync_api import expect

from kiemdiem.people.models import Person

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_browses_the_tree_and_opens_a_cell(page, province):
    sign_in(page, "staff_p")
    expect(page.get_by_role("heading", level=1)).to_contain_text("staff_p")
    page.get_by_role("link", name="Tổ chức", exact=True).first.click()
    page.locator("summary", has_text="Đảng bộ tỉnh Thử").click()
    expect(page.get_by_role("link", name="Đảng bộ xã An Bình")).to_be_visible()
    page.locator("summary", has_text="Đảng bộ xã An Bình").click()
    page.get_by_role("link", name="Chi bộ thôn Đông").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chi bộ thôn Đông")
    # members listed the Vietnamese way: An before Bình
    rows = page.locator("section", has_text="Đảng viên").locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("Nguyễn Văn An")
    expect(rows.nth(1)).to_contain_text("Trần Thị Bình")


def test_search_finds_units_without_diacritics(page, province):
    sign_in(page, "staff_p")
    page.goto(page.base_url + "/units/")
    page.get_by_role("searchbox").fill("ben thanh")
    expect(page.locator("#results")).to_contain_text("Đảng bộ phường Bến Thành")
    expect(page).to_have_url(re.compile(r"q=ben"))


def field(page, label):
    """A form field by its visible label (required fields carry a trailing "*")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\s*\*?$"))


def test_secretary_adds_a_member_and_sees_a_clear_error_first(page, province):
    sign_in(page, "secretary")
    page.goto(page.base_url + f"/units/{province.cell_a1.pk}/people/new/")
    field(page, "Họ").fill("Hoàng")
    field(page, "Tên").fill("Yến")
    field(page, "Ngày sinh").fill("31/02/1990")
    field(page, "Ngày vào Đảng").fill("02/09/2015")
    field(page, "Từ ngày").fill("01/01/2024")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".error").first).to_contain_text("Ngày 31/02/1990 không tồn tại.")
    assert not Person.objects.filter(given_name="Yến").exists()
    field(page, "Ngày sinh").fill("28/02/1990")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoàng Yến")
    assert Person.objects.get(given_name="Yến").birth_date.isoformat() == "1990-02-28"


def test_member_sees_only_their_own_record(page, province):
    sign_in(page, "member")
    page.goto(page.base_url + "/people/")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Trần Thị Bình")
    response = page.goto(page.base_url + f"/people/{province.members['an'].pk}/")
    assert response.status == 404


def test_language_switch_is_remembered(page, province):
    sign_in(page, "inspector")
    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("link", name="Organizations")).to_be_visible()
    page.goto(page.base_url + "/people/")
    expect(page.get_by_role("heading", level=1)).to_have_text("People")


def test_the_menu_folds_behind_one_button_on_a_phone(page, province):
    sign_in(page, "staff_p")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(page.base_url + "/")
    menu = page.get_by_role("button", name="Danh mục")
    nav = page.locator("#main-nav")
    expect(menu).to_be_visible()
    expect(nav).to_be_hidden()  # the to-dos come first on a phone
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Kỳ kiểm điểm")).to_be_visible()
    menu.click()
    expect(nav).to_be_hidden()
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(menu).to_be_hidden()  # a desktop shows the menu unfolded
    expect(nav.get_by_role("link", name="Kỳ kiểm điểm")).to_be_visible()
