"""The meetings to-dos on the start page (``common.todos``).

* **At the meeting now** (pinned: it is happening) — a member on the roll of a meeting in
  session: not checked in yet → check in; checked in with a vote and a secret ballot open
  that they have not voted on → vote (the subjects named).
* **The cell's meeting** — for a cell the user is the secretary of (a secretary's grant, or
  its head) and may schedule for: a meeting scheduled in the next ``SOON`` days (its date and
  place, linking to it); or, while the meeting stage of the governing plan is open, no meeting
  scheduled at all in the open cycle (linking to the cell's meetings, to schedule one).

Bounded: the user's roll rows in meetings in session (a few) and one query for their open
ballots; the cells (five at most), the open cycles, the cells' meetings and the plans' meeting
stages in one query each.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kiemdiem.accounts.models import Role
from kiemdiem.common.dates import today
from kiemdiem.common.todos import Todo
from kiemdiem.cycles.models import CycleStatus, ReviewCycle, Stage, StageKind
from kiemdiem.meetings import policies
from kiemdiem.meetings.models import (
    Attendance,
    Meeting,
    MeetingStatus,
    Presence,
    Question,
    QuestionStatus,
    VoteMethod,
    Voter,
)
from kiemdiem.orgtree.models import CELL_KINDS, Unit, ancestor_paths
from kiemdiem.people.models import Affiliation

MEETINGS = 3  # meetings in session looked at
CELLS = 5
CYCLES = 2
SOON = 7  # days ahead a scheduled meeting is shown


def _fmt(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def at_the_meeting(user) -> list[Todo]:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return []
    rows = list(
        Attendance.objects.filter(person_id=person_id, meeting__status=MeetingStatus.OPEN)
        .select_related("meeting__unit")
        .order_by("meeting__starts_at", "meeting_id")[:MEETINGS]
    )
    if not rows:
        return []
    voting = [r.meeting_id for r in rows if r.with_vote]
    ballots: dict[int, list[Question]] = {}
    if voting:
        for q in (
            Question.objects.filter(
                item__meeting_id__in=voting,
                status=QuestionStatus.OPEN,
                method=VoteMethod.SECRET,
            )
            .exclude(pk__in=Voter.objects.filter(person_id=person_id).values("question_id"))
            .select_related("item__subject__person", "item__subject__unit")
            .order_by("item__position", "pk")
        ):
            ballots.setdefault(q.item.meeting_id, []).append(q)
    day = today()
    out = []
    for row in rows:
        meeting = row.meeting
        if row.presence == Presence.EXPECTED:
            out.append(
                Todo(
                    code="meetings.check_in",
                    title=_("Check in at the meeting of %(unit)s") % {"unit": meeting.unit.name},
                    detail=_("In session since %(when)s, %(place)s")
                    % {
                        "when": _fmt(meeting.opened_at or meeting.starts_at),
                        "place": meeting.place,
                    },
                    due=day,
                    pinned=True,
                    url=reverse("meeting-check-in", args=[meeting.pk]),
                    action=_("Check in"),
                    extra={"meeting": meeting.pk},
                )
            )
            continue
        open_ballots = ballots.get(meeting.pk, [])
        if not open_ballots:
            continue
        names = tuple(
            q.item.subject.person.full_name
            if q.item.subject.person_id
            else q.item.subject.unit.name
            for q in open_ballots
        )
        out.append(
            Todo(
                code="meetings.vote",
                title=_("Vote at the meeting of %(unit)s") % {"unit": meeting.unit.name},
                detail=_("A secret ballot is open."),
                due=day,
                pinned=True,
                items=names,
                url=reverse("meeting-vote", args=[open_ballots[0].pk]),
                action=pgettext("to-do", "Vote"),
                extra={"meeting": meeting.pk, "questions": [q.pk for q in open_ballots]},
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
    cells = Unit.objects.filter(q, kind__in=CELL_KINDS, valid_to__isnull=True).order_by("path")
    return [c for c in cells[:CELLS] if policies.may_schedule(user, c)]


def cell_meeting(user) -> list[Todo]:
    cells = _cells(user)
    if not cells:
        return []
    cycles = list(
        ReviewCycle.objects.filter(status=CycleStatus.OPEN)
        .select_related("root")
        .order_by("-year", "-pk")[:CYCLES]
    )
    pairs = [(c, u) for c in cycles for u in cells if u.path.startswith(c.root.path)]
    if not pairs:
        return []
    meetings: dict[tuple[int, int], list[Meeting]] = {}
    for m in Meeting.objects.filter(
        cycle_id__in={c.pk for c, _u in pairs}, unit_id__in={u.pk for _c, u in pairs}
    ).order_by("starts_at", "pk"):
        meetings.setdefault((m.cycle_id, m.unit_id), []).append(m)
    paths = {p for _c, u in pairs for p in ancestor_paths(u.path, include_self=True)}
    stages: dict[tuple[int, str], Stage] = {
        (s.plan.cycle_id, s.plan.unit.path): s
        for s in Stage.objects.filter(
            plan__cycle_id__in={c.pk for c, _u in pairs},
            plan__unit__path__in=paths,
            kind=StageKind.MEETING,
        ).select_related("plan__unit")
    }
    day = today()
    out = []
    for cycle, cell in pairs:
        found = meetings.get((cycle.pk, cell.pk), [])
        soon = [
            m
            for m in found
            if m.status == MeetingStatus.PLANNED
            and day <= timezone.localtime(m.starts_at).date() <= day + datetime.timedelta(days=SOON)
        ]
        if soon:
            m = soon[0]
            out.append(
                Todo(
                    code="meetings.upcoming",
                    title=_("Review meeting of %(unit)s at %(when)s")
                    % {"unit": cell.name, "when": _fmt(m.starts_at)},
                    detail=f"{cycle.name} — {m.place}",
                    due=timezone.localtime(m.starts_at).date(),
                    url=reverse("meeting", args=[m.pk]),
                    action=pgettext("to-do", "Open the meeting"),
                    extra={"meeting": m.pk, "cycle": cycle.pk, "unit": cell.pk},
                )
            )
            continue
        if found:
            continue
        stage = next(
            (
                stages[(cycle.pk, p)]
                for p in reversed(ancestor_paths(cell.path, include_self=True))
                if (cycle.pk, p) in stages
            ),
            None,
        )
        if stage is None or not (stage.starts_on <= day <= stage.due_on):
            continue
        out.append(
            Todo(
                code="meetings.schedule",
                title=_("Schedule the review meeting of %(unit)s") % {"unit": cell.name},
                detail=_("%(cycle)s — the meeting stage runs until %(day)s.")
                % {"cycle": cycle.name, "day": stage.due_on.strftime("%d/%m/%Y")},
                due=stage.due_on,
                url=reverse("meetings", args=[cell.pk]),
                action=_("Schedule"),
                extra={"cycle": cycle.pk, "unit": cell.pk},
            )
        )
    return out
