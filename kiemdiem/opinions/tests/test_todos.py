"""The opinions app's to-dos on the start page: the requests asked of the user (their own
unit's or them by name) not answered yet, soonest first, a few named; and, while the window is
open, the comrades they have still to comment on."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kiemdiem.common import todos
from kiemdiem.cycles.models import Subject
from kiemdiem.opinions import selectors, services
from kiemdiem.opinions import todos as opinion_todos
from kiemdiem.opinions.models import OpinionRequest

D = datetime.date
SOURCES = [
    "residence_cell",
    "superior_committee",
    "inspection_commission",
    "employing_agency",
    "previous_cell",
]


def mine(user, code):
    return [t for t in todos.todos_for(user, strict=True) if t.code == code]


def _asked_of_a1(scene, province, n):
    """``n`` requests asked of cell A1 (whose secretary is An), stored as a read test needs
    them (distinct subject × source), deadlines 10/12 onwards."""
    subjects = [s for name, s in scene.subjects.items() if s is not None and name != "an"]
    made = []
    for i in range(n):
        subject = subjects[i % len(subjects)]
        made.append(
            OpinionRequest.objects.create(
                subject=subject,
                source=SOURCES[i // len(subjects)],
                asked_unit=province.cell_a1,
                deadline=D(2026, 12, 10) + datetime.timedelta(days=i),
            )
        )
    return made


def test_the_requests_asked_of_my_unit_soonest_first_a_few_named(scene, province):
    secretary = scene.users["secretary"]  # An, secretary of cell A1
    assert mine(secretary, "opinions.asked") == []
    made = _asked_of_a1(scene, province, 7)
    [todo] = mine(secretary, "opinions.asked")
    assert todo.due == D(2026, 12, 10) and todo.url == reverse("opinion-inbox")
    assert len(todo.items) == opinion_todos.NAMED and todo.more == 2
    assert todo.extra["requests"] == [r.pk for r in made[: opinion_todos.NAMED]]
    assert "7" in todo.title and province.cell_a1.name in todo.items[0]
    # answered: no longer to do
    assert made[0].source == "residence_cell"
    services.answer(
        request=made[0],
        text="Gương mẫu.",
        duties={
            "exemplary_conduct": "good",
            "civic_duties": "good",
            "attends_meetings": "good",
            "keeps_contact": "good",
        },
        actor=secretary,
        revision=0,
    )
    [todo] = mine(secretary, "opinions.asked")
    assert todo.due == D(2026, 12, 11) and todo.more == 1
    # not the staff of the province (their inbox covers it; it is not asked of their unit),
    # not a member of the cell, not the one the opinion is about
    assert mine(scene.users["staff_p"], "opinions.asked") == []
    assert mine(scene.users["giang"], "opinions.asked") == []
    binh = scene.users["member"]
    assert mine(binh, "opinions.asked") == []


def test_a_request_asked_of_me_by_name_and_overdue(scene, province, day):
    giang = scene.users["giang"]
    request, _created = services.request_create(
        subject=scene.subjects["binh"],
        source="individual",
        asked_person=province.members["giang"],
        deadline=D(2026, 12, 5),
        actor=scene.users["secretary"],
    )
    [todo] = mine(giang, "opinions.asked")
    assert todo.extra["requests"] == [request.pk] and "05/12/2026" in todo.items[0]
    day.set(D(2026, 12, 6))
    [todo] = mine(giang, "opinions.asked")
    assert todo.overdue_on(D(2026, 12, 6)) and "Trần Thị Bình" in todo.items[0]


def test_the_requests_are_read_in_a_fixed_number_of_queries(scene, province):
    secretary = scene.users["secretary"]
    reads = {}
    for n in (2, 10):
        OpinionRequest.objects.all().delete()
        _asked_of_a1(scene, province, n)
        with CaptureQueriesContext(connection) as read:
            [todo] = opinion_todos.asked_of_me(secretary)
        assert len(todo.items) + todo.more == n
        reads[n] = len(read)
    # the door's grants (once per user), the first few, the count behind "n more" — never one
    # query per request
    assert reads[2] <= 3 and reads[10] <= 3, reads


def test_the_comments_i_have_still_to_write_while_the_window_is_open(scene, day):
    giang = scene.users["giang"]
    others = selectors.peer_subjects(giang).count()
    assert others >= 3
    [todo] = mine(giang, "opinions.peer_comments")
    assert todo.extra["left"] == others and str(others) in todo.title
    assert todo.url == reverse("peer-comments") and todo.due == D(2026, 12, 20)
    services.peer_comment_write(subject=scene.subjects["binh"], actor=giang, text="Tốt.")
    [todo] = mine(giang, "opinions.peer_comments")
    assert todo.extra["left"] == others - 1
    # the meeting stage has ended: nothing more to write
    day.set(D(2026, 12, 21))
    assert mine(giang, "opinions.peer_comments") == []
    # before the opinions stage starts neither
    day.set(D(2026, 11, 19))
    assert mine(giang, "opinions.peer_comments") == []
    # someone with no cell has nothing to comment on
    assert mine(scene.users["staff_p"], "opinions.peer_comments") == []
    assert Subject.objects.filter(cycle=scene.cycle).exists()
