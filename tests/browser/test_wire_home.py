"""The start page leads with the meeting in session on a member's phone (check in, pinned)."""

import pytest

from kiemdiem.meetings.tests.scene import build

from .conftest import CHROMIUM, sign_in  # noqa: F401
from .test_meetings import PHONE, _context
from .test_reviews import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_sees_check_in_first_on_the_start_page(browser, live_server, province):
    build(province, n=3)  # the meeting is in session
    ctx, page = _context(browser, live_server, PHONE)
    try:
        sign_in(page, "m1")
        page.goto(live_server.url + "/")
        text = page.inner_text("main")
        assert "Điểm danh tại cuộc họp của" in text
        assert page.locator("a[href*='/check-in/']").count() >= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, "wire-home-check-in-360")
    finally:
        ctx.close()
