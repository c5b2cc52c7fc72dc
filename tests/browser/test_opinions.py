"""Opinions and peer comments in the browser: B's staff ask Dung's residence cell (A1) for an
opinion; A1's secretary answers the QĐ 213 duties; the answer shows on the proposal row. Then,
at phone width, three comrades of Bình's cell comment on her: under the threshold she sees the
count only, over it the comments — never a name."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kiemdiem.accounts import services as accounts
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject
from kiemdiem.people import services as people
from kiemdiem.testing import POSTS_FROM, _member, open_annual

from .conftest import sign_in
from .test_reviews import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = datetime.date(2026, 12, 3)  # inside the opinions and meeting stages of 2026
PHONE = {"width": 375, "height": 800}


@pytest.fixture
def scene(province, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: DAY)
    dung = province.members["dung"]
    people.affiliation_start(
        person=dung, unit=province.cell_a1, kind="residence", valid_from=POSTS_FROM, actor=None
    )
    for name, (family, middle, given) in {
        "giang": ("Hoàng", "Văn", "Giang"),
        "hoa": ("Vũ", "Thị", "Hoa"),
        "khanh": ("Đặng", "Văn", "Khánh"),
    }.items():
        person = _member(family, middle, given, province.cell_a1)
        user = accounts.user_create(username=name, password="pass12345!", person=person, actor=None)
        accounts.grant_add(user=user, role="member", unit=province.cell_a1, actor=None)
    cycle = open_annual(province, 2026)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def _phone(browser, live_server):
    context = browser.new_context(locale="vi-VN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base_url = live_server.url
    return context, page


def test_request_answer_and_the_proposal_row(page, browser, live_server, province, scene):
    dung = Subject.objects.get(cycle=scene, person=province.members["dung"], track="party")
    sign_in(page, "staff_b")
    page.goto(f"{page.base_url}/subjects/{dung.pk}/opinions/")
    page.get_by_text("Đề nghị cho ý kiến", exact=True).first.click()
    page.get_by_label("Lấy ý kiến của").select_option("residence_cell")
    page.get_by_label("Hạn trả lời").fill("10/12/2026")
    page.get_by_role("button", name="Gửi đề nghị").click()
    expect(page.locator("#opinions")).to_contain_text("Chi bộ thôn Đông")
    expect(page.locator("#opinions")).to_contain_text("Đang chờ trả lời")
    shot(page, "opinions-subject")

    context, phone = _phone(browser, live_server)
    sign_in(phone, "secretary")
    phone.goto(phone.base_url + "/opinions/")
    phone.get_by_role("link", name="Trả lời").click()
    for duty in ("exemplary_conduct", "civic_duties", "attends_meetings", "keeps_contact"):
        phone.locator(f'input[name="duty_{duty}"][value="good"]').check()
    phone.get_by_label("Ý kiến", exact=True).fill("Đồng chí gương mẫu ở khu dân cư.")
    shot(phone, "opinions-answer-375")
    phone.get_by_role("button", name="Gửi ý kiến").click()
    expect(phone.get_by_text("Đã ghi nhận ý kiến của đồng chí.")).to_be_visible()
    context.close()

    page.goto(f"{page.base_url}/decisions/{scene.pk}/proposals/?unit={province.cell_b1.pk}")
    row = page.locator(f"#proposal-{dung.pk}")
    row.get_by_text("Ý kiến: 1").click()
    expect(row).to_contain_text("Đồng chí gương mẫu ở khu dân cư.")
    expect(row).to_contain_text("Thực hiện tốt")
    shot(page, "opinions-proposal-row")


def test_peer_comments_under_and_over_the_threshold_at_phone_width(
    browser, live_server, province, scene
):
    binh = Subject.objects.get(cycle=scene, person=province.members["binh"], track="party")
    texts = {
        "giang": "Nhiệt tình với công việc.",
        "hoa": "Cần đúng giờ hơn.",
        "khanh": "Gương mẫu.",
    }
    reader_context, reader = _phone(browser, live_server)
    sign_in(reader, "member")  # Bình herself
    for n, (name, text) in enumerate(texts.items(), start=1):
        context, phone = _phone(browser, live_server)
        sign_in(phone, name)
        phone.goto(phone.base_url + "/peer-comments/")
        phone.get_by_role("link", name="Trần Thị Bình").click()
        phone.get_by_label("Góp ý của đồng chí").fill(text)
        if n == 1:
            shot(phone, "peer-comment-375")
        phone.get_by_role("button", name="Gửi", exact=True).click()
        expect(phone.get_by_text("Đã ghi nhận góp ý của đồng chí.")).to_be_visible()
        context.close()
        reader.goto(f"{reader.base_url}/subjects/{binh.pk}/opinions/")
        section = reader.locator("#peer-comments")
        if n < 3:
            expect(section.locator("#peer-under")).to_contain_text(f"hiện có {n}")
            expect(section).not_to_contain_text(text)
        else:
            for said in texts.values():
                expect(section).to_contain_text(said)
            shot(reader, "peer-comments-shown-375")
    for name in ("Hoàng Văn Giang", "Vũ Thị Hoa", "Đặng Văn Khánh"):
        expect(reader.locator("#peer-comments")).not_to_contain_text(name)
    width = reader.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width  # nothing wider than the phone
    reader_context.close()
