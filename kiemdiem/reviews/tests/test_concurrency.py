"""Review writes under real concurrent transactions (PostgreSQL: row locks do nothing on SQLite).

One thread holds a write open inside its transaction; another connection does the next write.
A write that must not wait runs with a short ``lock_timeout``, so waiting fails it instead of
hanging; a write that must wait is seen waiting in ``pg_stat_activity``.
"""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from kiemdiem.cycles import services as cycles
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus
from kiemdiem.reviews import services
from kiemdiem.reviews.models import SelfReview
from kiemdiem.testing import open_annual

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
]


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def review_of(cycle, person):
    subject = Subject.objects.get(cycle=cycle, person=person, kind=SubjectKind.PARTY_MEMBER)
    return services.review_start(subject=subject, actor=None)


class Held(threading.Thread):
    """Runs ``write`` in its own transaction on its own connection and keeps the transaction
    (and its locks) open until ``release()``."""

    def __init__(self, write):
        super().__init__(daemon=True)
        self.write = write
        self.ready = threading.Event()
        self.done = threading.Event()
        self.error = None

    def run(self):
        try:
            with transaction.atomic():
                self.write()
                self.ready.set()
                self.done.wait(20)
        except Exception as error:  # noqa: BLE001 - handed to the test
            self.error = error
        finally:
            self.ready.set()
            connections.close_all()

    def release(self):
        self.done.set()
        self.join(20)


def test_a_save_does_not_wait_for_another_subjects_review_held_open(cycle, province):
    binh = review_of(cycle, province.members["binh"])
    cuong = review_of(cycle, province.members["cuong"])
    held = Held(
        lambda: services.review_save(
            review=binh, content={"tu_tuong": "Bình đang viết"}, proposed_tier="", actor=None
        )
    )
    held.start()
    assert held.ready.wait(20) and held.error is None
    try:
        with transaction.atomic():
            connection.cursor().execute("SET LOCAL lock_timeout = '2s'")
            # Before: FOR UPDATE over the join locked the cycle row, and this waited.
            services.review_save(
                review=cuong, content={"tu_tuong": "Cường viết"}, proposed_tier="", actor=None
            )
    finally:
        held.release()
    assert held.error is None
    assert SelfReview.objects.get(pk=cuong.pk).content["tu_tuong"] == "Cường viết"
    assert SelfReview.objects.get(pk=binh.pk).content["tu_tuong"] == "Bình đang viết"


def test_two_saves_of_one_review_take_turns(cycle, province):
    binh = review_of(cycle, province.members["binh"])
    held = Held(
        lambda: services.review_save(
            review=binh, content={"tu_tuong": "Cửa sổ thứ nhất"}, proposed_tier="", actor=None
        )
    )
    held.start()
    assert held.ready.wait(20)
    try:
        with pytest.raises(Exception, match="lock timeout"), transaction.atomic():
            connection.cursor().execute("SET LOCAL lock_timeout = '300ms'")
            services.review_save(
                review=binh, content={"tu_tuong": "Cửa sổ thứ hai"}, proposed_tier="", actor=None
            )
    finally:
        held.release()
    assert SelfReview.objects.get(pk=binh.pk).content["tu_tuong"] == "Cửa sổ thứ nhất"


def waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_save_waits_for_a_close_in_flight_and_then_sees_the_cycle_closed(cycle, province):
    binh = review_of(cycle, province.members["binh"])
    Subject.objects.filter(cycle=cycle).update(status=SubjectStatus.RATED, tier="HTTNV")
    closing = Held(lambda: cycles.cycle_close(cycle=cycle, actor=None))
    closing.start()
    assert closing.ready.wait(20) and closing.error is None
    outcome = {}

    def save():
        try:
            services.review_save(
                review=binh, content={"tu_tuong": "Quá muộn"}, proposed_tier="", actor=None
            )
        except ValidationError as error:
            outcome["error"] = " ".join(error.messages)
        finally:
            connections.close_all()

    writer = threading.Thread(target=save, daemon=True)
    writer.start()
    for _ in range(100):  # the writer reaches the cycle row and waits there
        if waiting_on_a_lock():
            break
        time.sleep(0.05)
    assert waiting_on_a_lock() == 1 and writer.is_alive()
    closing.release()
    writer.join(20)
    assert closing.error is None
    # It waited for the close and was refused because the cycle closed, not by chance.
    assert "đã đóng" in outcome["error"]
    assert "tu_tuong" not in SelfReview.objects.get(pk=binh.pk).content


def test_a_close_waits_for_a_save_in_flight(cycle, province):
    binh = review_of(cycle, province.members["binh"])
    held = Held(
        lambda: services.review_save(
            review=binh, content={"tu_tuong": "Đang lưu"}, proposed_tier="", actor=None
        )
    )
    held.start()
    assert held.ready.wait(20) and held.error is None
    try:
        with pytest.raises(Exception, match="lock timeout"), transaction.atomic():
            connection.cursor().execute("SET LOCAL lock_timeout = '300ms'")
            cycles.cycle_close(cycle=cycle, actor=None)
    finally:
        held.release()
    assert SelfReview.objects.get(pk=binh.pk).content["tu_tuong"] == "Đang lưu"


def test_a_save_locks_the_subject_before_the_review(cycle, province):
    """The lock order of every write (docs/cycles.md): cycle, subject, review. A save that
    waits for its subject holds no lock on the review yet, so nothing can deadlock with a
    write that holds the subject and then takes the review."""
    binh = review_of(cycle, province.members["binh"])
    holder = Held(lambda: Subject.objects.select_for_update(no_key=True).get(pk=binh.subject_id))
    holder.start()
    assert holder.ready.wait(20) and holder.error is None
    outcome = {}

    def save():
        try:
            services.review_save(
                review=binh, content={"tu_tuong": "Sau khi chờ"}, proposed_tier="", actor=None
            )
            outcome["saved"] = True
        finally:
            connections.close_all()

    writer = threading.Thread(target=save, daemon=True)
    writer.start()
    try:
        for _ in range(100):  # the writer reaches the subject row and waits there
            if waiting_on_a_lock():
                break
            time.sleep(0.05)
        assert waiting_on_a_lock() == 1 and writer.is_alive()
        with transaction.atomic():  # the review is free: the writer waits before taking it
            SelfReview.objects.select_for_update(nowait=True).get(pk=binh.pk)
    finally:
        holder.release()
    writer.join(20)
    assert outcome == {"saved": True}
    assert SelfReview.objects.get(pk=binh.pk).content["tu_tuong"] == "Sau khi chờ"


def test_the_autosave_commits_without_waiting_for_the_disk_and_only_itself(cycle, province):
    binh = review_of(cycle, province.members["binh"])
    seen = {}
    with transaction.atomic():
        services.review_save(
            review=binh, content={"tu_tuong": "Gõ"}, proposed_tier="", actor=None, keep_valid=True
        )
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen["autosave"] = cursor.fetchone()[0]
    with transaction.atomic():
        services.review_save(review=binh, content={"tu_tuong": "Lưu"}, proposed_tier="", actor=None)
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen["save"] = cursor.fetchone()[0]
    assert seen == {"autosave": "off", "save": "on"}
