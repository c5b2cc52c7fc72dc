"""Two deciders race for the last HTXSNV place of a pool (PostgreSQL: row locks do nothing on
SQLite). The first holds its finalize open; the second waits on the pool row, then counts the
first one's decision and is refused with the pool named — nothing of it written."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.decisions import finalizing, services
from kiemdiem.decisions.models import Decision
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, _member, open_annual

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
]


class Held(threading.Thread):
    """Runs ``write`` in its own transaction on its own connection; ``hold`` keeps the
    transaction (and its locks) open until ``release()``."""

    def __init__(self, write, hold=True):
        super().__init__(daemon=True)
        self.write, self.hold = write, hold
        self.ready = threading.Event()
        self.done = threading.Event()
        self.error = None

    def run(self):
        try:
            with transaction.atomic():
                self.write()
                self.ready.set()
                if self.hold:
                    self.done.wait(20)
        except Exception as error:  # noqa: BLE001 - handed to the test
            self.error = error
        finally:
            self.ready.set()
            connections.close_all()

    def release(self):
        self.done.set()
        self.join(20)


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def test_two_deciders_never_both_take_the_last_htxsnv_place(province):
    for given in ("Giang", "Hà", "Khánh", "Lan"):
        _member("Đỗ", "Thị", given, province.cell_a1)
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    found = {
        s.person.given_name: s
        for s in Subject.objects.filter(cycle=cycle, kind=SubjectKind.PARTY_MEMBER).select_related(
            "person"
        )
        if s.unit.path.startswith(province.commune_a.path)
    }
    for s in found.values():
        review = reviews.review_start(subject=s, actor=None)
        reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    # Four decided HTTNV; Bình and Cường proposed HTTNV: one HTXSNV place (floor(0.2 × 5)).
    settled = {found[n].pk: "HTTNV" for n in ("Giang", "Hà", "Khánh", "Lan")}
    finalizing.finalize(cycle=cycle, rows=settled, actor=None)
    for name in ("Bình", "Cường"):
        services.propose(subject=found[name], tier="HTTNV", actor=None)
    decider, admin = province.users["decider"], province.users["admin"]

    first = Held(
        lambda: finalizing.finalize(
            cycle=cycle, rows={found["Bình"].pk: "HTXSNV"}, reason="Nổi bật", actor=decider
        )
    )
    first.start()
    assert first.ready.wait(20) and first.error is None
    second = Held(
        lambda: finalizing.finalize(
            cycle=cycle, rows={found["Cường"].pk: "HTXSNV"}, reason="Nổi bật", actor=admin
        ),
        hold=False,
    )
    second.start()
    deadline = time.monotonic() + 10
    while not waiting_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert waiting_for_a_lock()  # the second decider waits on the pool row
    first.release()
    second.join(20)
    assert first.error is None
    assert isinstance(second.error, ValidationError)
    assert "Nhóm có vị trí, vai trò, chức năng tương đồng" in " ".join(second.error.messages)
    assert Decision.objects.get(subject=found["Bình"]).tier == "HTXSNV"
    cuong = Decision.objects.get(subject=found["Cường"])
    assert (cuong.state, cuong.tier) == ("proposed", "")
    assert (
        Decision.objects.filter(subject__cycle=cycle, tier="HTXSNV", state="decided").count() == 1
    )
