"""A cell meeting in real browsers: the secretary (desktop) opens the meeting and shows the
room code; members check in on their phones (360 px) with it, then vote on a secret ballot
at once from their own browser contexts; a probationary member gets no ballot; the count
reaches the minutes and the proposals page."""

import pytest
from playwright.sync_api import expect

from kiemdiem.meetings.models import OptionCount, Question
from kiemdiem.meetings.tests.scene import build

from .conftest import CHROMIUM, sign_in  # noqa: F401
from .test_reviews import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def _context(browser, live_server, viewport):
    context = browser.new_context(locale="vi-VN", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base_url = live_server.url
    refused = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.csp_refusals = refused
    return context, page


def test_a_cell_meeting_with_phones_checking_in_and_voting(browser, live_server, province):
    scene = build(province, n=4, open_=False)
    meeting = scene.meeting
    contexts = []
    try:
        ctx, secretary = _context(browser, live_server, {"width": 1280, "height": 900})
        contexts.append(ctx)
        sign_in(secretary, "secretary")
        secretary.goto(f"{live_server.url}/meetings/{meeting.pk}/")
        secretary.get_by_role("button", name="Khai mạc cuộc họp").click()
        expect(secretary.get_by_text("Đang họp").first).to_be_visible()
        secretary.goto(f"{live_server.url}/meetings/{meeting.pk}/code/")
        code = secretary.locator(".room-code").inner_text().strip()
        assert len(code) == 6 and secretary.locator(".room-qr svg").count() == 1
        shot(secretary, "meetings-room-code")

        phones = {}
        for name in ("member", "m1", "m2", "m3", "probation"):
            ctx, phone = _context(browser, live_server, PHONE)
            contexts.append(ctx)
            sign_in(phone, name)
            phone.goto(f"{live_server.url}/meetings/{meeting.pk}/check-in/")
            phone.get_by_label("Nhập mã đang hiển thị trong phòng họp").fill(code)
            phone.get_by_role("button", name="Điểm danh").click()
            expect(phone.get_by_text("Bạn đã điểm danh.").first).to_be_visible()
            phones[name] = phone
        shot(phones["m1"], "meetings-checked-in-360")
        # The page fits the phone: no horizontal scrolling.
        assert phones["m1"].evaluate("document.documentElement.scrollWidth") <= 360

        secretary.goto(f"{live_server.url}/meetings/{meeting.pk}/")
        expect(secretary.get_by_text("đủ số lượng theo quy định")).to_be_visible()
        item = meeting.agenda.order_by("position").last()
        secretary.locator(f"#item-{item.pk}").get_by_role("button", name="Mở bỏ phiếu kín").click()
        question = Question.objects.get(item=item)
        shot(secretary, "meetings-meeting-desktop")

        choices = {"member": "HTTNV", "m1": "HTTNV", "m2": "HTNV", "m3": "HTTNV"}
        for name in choices:  # every phone shows the ballot before anyone votes
            phones[name].goto(f"{live_server.url}/votes/{question.pk}/")
        shot(phones["m2"], "meetings-ballot-360")
        for name, option in choices.items():
            phones[name].get_by_label(option, exact=True).check()
        for name in choices:
            phones[name].get_by_role("button", name="Bỏ phiếu (không sửa được)").click()
        for name in choices:
            expect(phones[name].get_by_text("Phiếu của bạn đã được ghi nhận").first).to_be_visible()
        # The probationary member has no ballot.
        phones["probation"].goto(f"{live_server.url}/votes/{question.pk}/")
        expect(phones["probation"].get_by_text("Chỉ đảng viên chính thức").first).to_be_visible()
        # A second vote from a page opened before is refused.
        phones["m1"].goto(f"{live_server.url}/votes/{question.pk}/")
        expect(phones["m1"].get_by_text("Bạn đã bỏ phiếu nội dung này").first).to_be_visible()

        secretary.goto(f"{live_server.url}/meetings/{meeting.pk}/")
        secretary.locator(f"#item-{item.pk}").get_by_placeholder("Ban kiểm phiếu").fill(
            "Tổ kiểm phiếu"
        )
        secretary.locator(f"#item-{item.pk}").get_by_role(
            "button", name="Kết thúc và kiểm phiếu"
        ).click()
        question.refresh_from_db()
        counts = dict(OptionCount.objects.filter(question=question).values_list("option", "count"))
        assert counts["HTTNV"] == 3 and counts["HTNV"] == 1 and question.result == "HTTNV"
        secretary.goto(f"{live_server.url}/meetings/{meeting.pk}/count-minutes/")
        expect(secretary.get_by_text("Tổ kiểm phiếu").first).to_be_visible()
        shot(secretary, "meetings-count-minutes")
        for ctx_page in [secretary, *phones.values()]:
            assert not ctx_page.csp_refusals, ctx_page.csp_refusals
    finally:
        for ctx in contexts:
            ctx.close()
