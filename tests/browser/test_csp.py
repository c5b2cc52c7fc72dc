"""The Content-Security-Policy blocks nothing that the pages need: no "Refused to ..." on the
console (the ``page`` fixture fails the test on any), and the pages still work."""

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_main_pages_run_under_the_policy(page, province):
    page.goto(page.base_url + "/login/")
    sign_in(page, "staff_p")
    for path in ["/", "/units/", "/people/", "/cycles/", "/account/", "/account/tokens/"]:
        response = page.goto(page.base_url + path)
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
    # htmx still works: the tree opens a level, the search filters as one types.
    page.goto(page.base_url + "/units/")
    page.locator("summary", has_text="Đảng bộ tỉnh Thử").click()
    expect(page.get_by_role("link", name="Đảng bộ xã An Bình")).to_be_visible()
    page.get_by_role("searchbox").fill("ben thanh")
    expect(page.locator("#results")).to_contain_text("Bến Thành")
    assert page.csp_refusals == []


def test_api_docs_load_from_our_own_static_files(page, province):
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(page.base_url) else None,
    )
    sign_in(page, "staff_p")
    page.goto(page.base_url + "/api/docs/")
    expect(page.locator(".swagger-ui .title").first).to_contain_text("kiemdiem API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert outside == []
    assert page.csp_refusals == []


def test_a_user_revokes_a_token_and_signs_out_everywhere(page, province):
    from knox.models import AuthToken

    from .test_reviews import shot

    user = province.users["staff_b"]
    AuthToken.objects.create(user=user)
    AuthToken.objects.create(user=user)
    sign_in(page, "staff_b")
    page.goto(page.base_url + "/account/")
    shot(page, "account")
    page.get_by_role("link", name="Mã truy cập API của tôi").click()
    expect(page.locator("tbody tr")).to_have_count(2)
    shot(page, "account-tokens")
    page.get_by_role("button", name="Thu hồi").first.click()
    expect(page.locator(".messages")).to_contain_text("Đã thu hồi mã truy cập")
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Tài khoản của tôi").click()
    page.get_by_role("button", name="Đăng xuất mọi nơi").click()
    expect(page).to_have_url(page.base_url + "/login/")
    expect(page.locator(".messages")).to_contain_text("Đã đăng xuất mọi nơi")
    shot(page, "signed-out-everywhere")
    assert not AuthToken.objects.filter(user=user).exists()
    page.goto(page.base_url + "/account/")
    expect(page).to_have_url(page.base_url + "/login/?next=/account/")
