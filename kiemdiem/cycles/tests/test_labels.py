"""Labels read right: "Mở" for the action, a plain tab title, "Chờ xếp loại" as on the board."""

import re

import pytest
from django.urls import reverse

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, employ, hold_post, open_annual

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(province):
    # An heads the agency where Dung works: An rates Dung's state self-assessment.
    hold_post(province.members["an"], province.agency, title="Chủ tịch", role="head")
    employ(province.members["dung"], province.agency, title="Văn thư")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def _title(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1)


def test_my_reviews_of_an_agency_head_has_a_plain_title_and_open_buttons(client, province, cycle):
    client.force_login(province.users["secretary"])  # An
    page = client.get(reverse("review-mine")).content.decode()
    title = _title(page)
    assert title.strip() == "Bản kiểm điểm của tôi · kiemdiem", title[:200]
    assert "Phạm Thị Dung" in page  # the staff to rate are listed once, in the page
    buttons = re.findall(r'<a class="button" href="[^"]+">([^<]+)</a>', page)
    assert "Mở" in buttons and "Đang mở" not in buttons


def test_the_units_page_says_waiting_for_the_rating_for_a_submitted_report(client, province, cycle):
    binh = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    review = reviews.review_start(subject=binh, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    client.force_login(province.users["staff_a"])
    page = client.get(reverse("cycle-unit", args=[cycle.pk, province.cell_a1.pk])).content.decode()
    rows = {
        name: cells
        for name, cells in re.findall(r"<tr><td>(?:<a [^>]*>)?([^<]+)(.*?)</tr>", page, re.S)
    }
    assert "Chờ xếp loại" in rows["Trần Thị Bình"]
    assert "Chờ xếp loại" not in rows["Nguyễn Văn An"]  # not submitted: still to be reviewed
    board = client.get(
        reverse("cycle-board-subjects", args=[cycle.pk, province.cell_a1.pk]),
        {"stage": "decision", "state": "pending"},
    ).content.decode()
    assert "Chờ xếp loại" in board
