"""The organization staff's to-dos on the start page (``common.todos``): the stages of an open
cycle whose deadline has passed in the subtree they look after, while something there is still
not done (a self-review not submitted, a subject not rated). Each links to the progress board,
which says which units are late and by how much.

Bounded: per staff grant (a few) and open cycle (a few), the cycle's due dates (one query) and,
per stage past due, one ``EXISTS`` — never a count of the subtree (the counts on the start page
are the reports' summaries).
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Role
from kiemdiem.common.dates import today
from kiemdiem.common.todos import Todo
from kiemdiem.cycles import board
from kiemdiem.cycles.models import CycleStatus, ReviewCycle, StageKind, Subject, SubjectStatus
from kiemdiem.cycles.selectors import cycle_list

GRANTS = 3
CYCLES = 3
STAFF_ROLES = (Role.STAFF, Role.ADMIN)


def overdue_stages(user) -> list[Todo]:
    grants = list(
        user.grants.filter(role__in=STAFF_ROLES, unit__valid_to__isnull=True)
        .select_related("unit")
        .order_by("unit__path")[:GRANTS]
    )
    if not grants:
        return []
    cycles = list(
        cycle_list(user)
        .filter(status=CycleStatus.OPEN)
        .select_related("root")
        .order_by("-year", "code")[:CYCLES]
    )
    day = today()
    out = []
    for cycle in cycles:
        for grant in grants:
            unit = grant.unit
            if not _concerns(cycle, unit):
                continue
            dues = board.Dues(cycle, unit)
            for stage, late in (
                (StageKind.SELF_REVIEW, board.review_open_q() & board.WRITES_REVIEW),
                (StageKind.DECISION, Q()),
            ):
                passed = dues.passed_q(stage, unit.path, day)
                if passed is None:
                    continue
                subjects = Subject.objects.filter(
                    cycle=cycle, unit__path__startswith=unit.path, status=SubjectStatus.PENDING
                )
                if stage == StageKind.SELF_REVIEW:
                    subjects = board.with_reviews(subjects, cycle)
                if not subjects.filter(passed, late).exists():
                    continue
                due = dues.due(unit.path, stage)
                out.append(
                    Todo(
                        code="cycles.overdue",
                        title=(
                            _("Self-reviews overdue in %(unit)s")
                            if stage == StageKind.SELF_REVIEW
                            else _("Ratings overdue in %(unit)s")
                        )
                        % {"unit": unit.name},
                        detail=_("%(cycle)s: the deadline has passed and some units are not done.")
                        % {"cycle": cycle.name},
                        due=due,
                        url=reverse("cycle-board", args=[cycle.pk, unit.pk]),
                        action=_("See the late units"),
                        extra={"cycle": cycle.pk, "unit": unit.pk, "stage": stage},
                    )
                )
    return out


def _concerns(cycle: ReviewCycle, unit) -> bool:
    root = cycle.root.path
    return unit.path.startswith(root) or root.startswith(unit.path)
