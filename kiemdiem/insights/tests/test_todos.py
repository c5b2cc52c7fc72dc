"""Every role's start page leads with its to-dos and their deadlines (``common.todos``): a
member's self-review (not started, draft, sent back with the comment), a secretary's cell (the
collective report, the members who have not started), the staff's late stages, the decider's
queue, the signals first for a province's organization board; an app's provider plugs in
without the page knowing it."""

import datetime

import pytest
from django.urls import reverse

from kiemdiem.common import todos
from kiemdiem.cycles.models import Subject
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN

pytestmark = pytest.mark.django_db


def mine(user):
    return todos.todos_for(user, strict=True)


def codes(user):
    return [t.code for t in mine(user)]


def test_a_members_self_review_not_started_draft_sent_back_and_sent(province, cycle):
    member = province.users["member"]  # Bình, cell A1
    [todo] = [t for t in mine(member) if t.code == "reviews.mine"]
    assert todo.extra["state"] == "not_started" and "chưa bắt đầu" in todo.title
    assert todo.due == datetime.date(2025, 12, 10)  # the self_review stage of the plan
    subject = Subject.objects.get(pk=todo.extra["subject"])
    assert todo.url == reverse("review-edit", args=[subject.pk])
    review = reviews.review_start(subject=subject, actor=None)
    [todo] = [t for t in mine(member) if t.code == "reviews.mine"]
    assert todo.extra["state"] == "draft"
    review = reviews.review_submit(
        review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None
    )
    assert "reviews.mine" not in codes(member)
    reviews.review_return(
        review=review, comment="Bổ sung phần nhiệm vụ được giao", actor=province.users["staff_a"]
    )
    [todo] = [t for t in mine(member) if t.code == "reviews.mine"]
    assert todo.extra["state"] == "returned"
    assert "Bổ sung phần nhiệm vụ được giao" in todo.detail


def test_a_secretarys_cell_report_and_the_members_not_started(province, cycle):
    secretary = province.users["secretary"]  # An, head of cell A1
    found = mine(secretary)
    written = {t.extra["subject"] for t in found if t.code == "reviews.mine"}
    report = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    own = Subject.objects.get(cycle=cycle, person=province.members["an"])
    assert written == {report.pk, own.pk}
    [cell] = [t for t in found if t.code == "reviews.cell_not_started"]
    assert cell.items == ("Trần Thị Bình",) and cell.more == 0  # not An himself
    assert cell.due == datetime.date(2025, 12, 10)
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    reviews.review_start(subject=binh, actor=None)
    assert "reviews.cell_not_started" not in codes(secretary)


def test_staff_see_the_late_stages_of_their_subtree(province, cycle, settings):
    staff_b = province.users["staff_b"]
    late = [t for t in mine(staff_b) if t.code == "cycles.overdue"]
    # today (the test runs after 2025) both stages are past due in commune B
    assert {t.extra["stage"] for t in late} == {"self_review", "decision"}
    assert all(
        t.url == reverse("cycle-board", args=[cycle.pk, province.commune_b.pk]) for t in late
    )
    assert all(t.overdue_on(datetime.date.today()) for t in late)
    for subject in Subject.objects.filter(
        cycle=cycle, unit__path__startswith=province.commune_b.path
    ):
        review = reviews.review_start(subject=subject, actor=None)
        reviews.review_submit(
            review=review, content=_written(subject), proposed_tier="HTTNV", actor=None
        )
    late = [t for t in mine(staff_b) if t.code == "cycles.overdue"]
    assert {t.extra["stage"] for t in late} == {"decision"}
    Subject.objects.filter(cycle=cycle, unit__path__startswith=province.commune_b.path).update(
        tier="HTTNV", status="rated"
    )
    assert "cycles.overdue" not in codes(staff_b)
    assert "cycles.overdue" not in codes(province.users["member"])


def _written(subject):
    from kiemdiem.testing import written

    return written(subject)


def test_the_deciders_queue_and_the_province_boards_signals_first(province, cycle):
    from kiemdiem.decisions import services as decisions

    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    review = reviews.review_start(subject=binh, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    decisions.propose(subject=binh, tier="HTTNV", actor=None)
    decider = mine(province.users["decider"])
    assert decider[0].code == "insights.signals" and decider[0].pinned
    assert "decisions.queue" in [t.code for t in decider]
    staff_p = mine(province.users["staff_p"])
    assert staff_p[0].code == "insights.signals"
    assert "chưa tính" in staff_p[0].detail  # not computed yet
    assert "insights.signals" not in codes(province.users["staff_a"])  # a commune's staff
    assert "insights.signals" not in codes(province.users["member"])


def test_an_apps_provider_plugs_in_sorted_by_deadline_and_a_broken_one_is_left_out(province, cycle):
    member = province.users["member"]

    def asked(user):  # e.g. the opinions app: an opinion asked of the member's cell
        return [todos.Todo(code="opinions.asked", title="Góp ý", due=datetime.date(2025, 12, 1))]

    def broken(user):
        raise RuntimeError("down")

    todos.register("test.asked", asked)
    todos.register("test.broken", broken)
    try:
        found = todos.todos_for(member)
        assert [t.code for t in found][:2] == ["opinions.asked", "reviews.mine"]  # 1/12 < 10/12
        with pytest.raises(RuntimeError):
            todos.todos_for(member, strict=True)
    finally:
        todos.unregister("test.asked")
        todos.unregister("test.broken")


@pytest.mark.parametrize(
    "who, code",
    [
        ("member", "reviews.mine"),
        ("secretary", "reviews.cell_not_started"),
        ("staff_b", "cycles.overdue"),
        ("staff_p", "insights.signals"),
    ],
)
def test_the_start_page_leads_with_the_to_dos(client, province, cycle, who, code):
    client.force_login(province.users[who])
    page = client.get(reverse("home"))
    assert page.status_code == 200
    html = page.text
    assert f'data-code="{code}"' in html
    assert html.index('id="todos"') < html.index('class="stats"')
