"""Secret ballots under real concurrent transactions (PostgreSQL): 50 members voting at once
lose and duplicate nothing; one member voting twice at once counts once."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from kiemdiem.meetings import services
from kiemdiem.meetings.models import OptionCount, Voter
from kiemdiem.meetings.tests.scene import build, check_in_all

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
]


def _at_once(calls):
    barrier = threading.Barrier(len(calls))
    errors: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(30)
            call()
        except Exception as error:  # noqa: BLE001 - handed to the test
            errors[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


def test_fifty_members_vote_at_once(province):
    scene = build(province, n=48)  # + An and Bình: 50 official members
    check_in_all(scene)
    item = scene.meeting.agenda.order_by("position").last()
    question = services.ballot_open(item=item, actor=scene.users["secretary"])
    names = [f"m{i}" for i in range(1, 49)] + ["secretary", "member"]
    options = question.options
    choice = {n: options[i % len(options)] for i, n in enumerate(names)}
    errors = _at_once(
        [
            (
                lambda n=n: services.ballot_cast(
                    question=question, option=choice[n], actor=scene.users[n]
                )
            )
            for n in names
        ]
    )
    assert errors == [None] * 50
    counts = dict(OptionCount.objects.filter(question=question).values_list("option", "count"))
    expected = {o: sum(1 for n in names if choice[n] == o) for o in options}
    assert counts == expected and sum(counts.values()) == 50
    assert Voter.objects.filter(question=question).count() == 50
    closed = services.ballot_close(question=question, actor=scene.users["secretary"])
    assert closed.cast == 50 and closed.voters == 50


def test_one_member_twice_at_once_counts_once(province):
    scene = build(province, n=3)
    check_in_all(scene)
    item = scene.meeting.agenda.order_by("position").last()
    question = services.ballot_open(item=item, actor=scene.users["secretary"])
    errors = _at_once(
        [
            lambda: services.ballot_cast(
                question=question, option="HTTNV", actor=scene.users["m1"]
            ),
            lambda: services.ballot_cast(question=question, option="HTNV", actor=scene.users["m1"]),
        ]
    )
    assert sum(e is None for e in errors) == 1
    assert all(e is None or isinstance(e, ValidationError) for e in errors)
    counts = dict(OptionCount.objects.filter(question=question).values_list("option", "count"))
    assert sum(counts.values()) == 1
    assert Voter.objects.filter(question=question).count() == 1
