"""The self-review to-dos on the start page (``common.todos``).

* **Mine** — each review the user writes in an open cycle (their own, and the reports of the
  units they head: a cell's secretary writes the cell's collective report): not started, a
  draft, or sent back with the comment; due on the ``self_review`` stage of the nearest plan.
* **My cell's members** — for a cell the user heads or holds a secretary's grant on: the
  members whose self-review is not started yet, named (a cell is a few dozen people).

Bounded: the user's own subjects (a handful), and per cell one query for the first names.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Role
from kiemdiem.common.todos import Todo
from kiemdiem.cycles.board import Dues
from kiemdiem.cycles.models import CycleStatus, StageKind, Subject, SubjectStatus
from kiemdiem.orgtree.models import CELL_KINDS, Unit
from kiemdiem.people.models import Affiliation
from kiemdiem.reviews import policies
from kiemdiem.reviews.models import ReviewStatus, SelfReview

NAMED = 6  # members named per cell
CELLS = 5  # cells listed


class _DueCache:
    def __init__(self):
        self.dues: dict[int, Dues] = {}

    def due(self, subject: Subject):
        if subject.cycle_id not in self.dues:
            self.dues[subject.cycle_id] = Dues(subject.cycle, subject.unit)
        return self.dues[subject.cycle_id].due(subject.unit.path, StageKind.SELF_REVIEW)


def my_reviews(user) -> list[Todo]:
    rows = (
        policies.subjects_written_by(user)
        .filter(cycle__status=CycleStatus.OPEN, status=SubjectStatus.PENDING)
        .select_related("cycle", "unit", "person")
        .order_by("cycle__code", "kind", "pk")
        .distinct()[:20]
    )
    rows = list(rows)
    reviews = {r.subject_id: r for r in SelfReview.objects.filter(subject__in=[s.pk for s in rows])}
    dues = _DueCache()
    out = []
    for subject in rows:
        review = reviews.get(subject.pk)
        if review is not None and review.status == ReviewStatus.SUBMITTED:
            continue
        own = subject.person_id is not None
        if review is None:
            state = _("not started")
        elif review.status == ReviewStatus.RETURNED:
            state = _("sent back")
        else:
            state = _("draft")
        title = (
            _("My self-review: %(state)s") % {"state": state}
            if own
            else _("Collective report of %(unit)s: %(state)s")
            % {"unit": subject.unit.name, "state": state}
        )
        detail = f"{subject.cycle.name} — {subject.get_kind_display()}, {subject.unit.name}"
        if review is not None and review.status == ReviewStatus.RETURNED and review.return_comment:
            detail += " — " + _("Comment: %(comment)s") % {"comment": review.return_comment}
        out.append(
            Todo(
                code="reviews.mine",
                title=title,
                detail=detail,
                due=dues.due(subject),
                url=reverse("review-edit", args=[subject.pk]),
                action=_("Write") if review is None or not review.version else _("Continue"),
                extra={
                    "subject": subject.pk,
                    "state": "not_started" if review is None else review.status,
                },
            )
        )
    return out


def _cells(user) -> list[Unit]:
    person_id = getattr(user, "person_id", None)
    q = Q(pk__in=user.grants.filter(role=Role.SECRETARY).values("unit_id"))
    if person_id:
        q |= Q(
            pk__in=Affiliation.objects.current()
            .heads()
            .filter(person_id=person_id)
            .values("unit_id")
        )
    return list(
        Unit.objects.filter(q, kind__in=CELL_KINDS, valid_to__isnull=True).order_by("path")[:CELLS]
    )


def cell_members_not_started(user) -> list[Todo]:
    out = []
    dues = _DueCache()
    for cell in _cells(user):
        pending = (
            Subject.objects.filter(
                unit=cell,
                person__isnull=False,
                cycle__status=CycleStatus.OPEN,
                status=SubjectStatus.PENDING,
                review__isnull=True,
            )
            .exclude(person_id=getattr(user, "person_id", None))  # their own is in "mine"
            .select_related("person", "cycle", "unit")
            .order_by("cycle__code", "person__sort_key", "pk")
        )
        first = pending.first()
        if first is None:
            continue
        pending = pending.filter(cycle_id=first.cycle_id)  # the earliest open cycle's
        rows = list(pending[: NAMED + 1])
        more = 0
        if len(rows) > NAMED:
            more = pending.count() - NAMED  # one cell: a few dozen rows at most
            rows = rows[:NAMED]
        out.append(
            Todo(
                code="reviews.cell_not_started",
                title=_("Members of %(cell)s who have not started their self-review")
                % {"cell": cell.name},
                detail=rows[0].cycle.name,
                due=dues.due(rows[0]),
                items=tuple(s.person.full_name for s in rows),
                more=more,
                url=reverse("cycle-unit", args=[rows[0].cycle_id, cell.pk]),
                action=_("Open the cell's progress"),
                extra={"cell": cell.pk, "subjects": [s.pk for s in rows]},
            )
        )
    return out
