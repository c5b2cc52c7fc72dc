"""The opinions to-dos on the start page (``common.todos``).

* **Opinions asked of me** — the requests of an open cycle not answered yet that the user
  answers (``policies.answerable_q``, the inbox's condition) *and* that are theirs: asked of
  them by name, or of a unit where they hold a secretary's or staff grant themself (a
  provincial staff member's inbox covers the whole province; the to-do names only what is
  asked of their own unit — the reminders go to the nearest such user the same way). Soonest
  deadline first, a few named and "n more", linking to the inbox.
* **Comments on comrades** — while the opinions/meeting window of the governing plans is
  open (``services.peer_window``), how many of the others reviewed in the user's cells and
  collectives they have not commented on yet, linking to the list.

Bounded: the requests are one query for the first few (and one count when there are more);
the comments one count per (cycle, unit) of the user's own cells and two stage reads for the
window of each (a member belongs to one cell, a leader to a few collectives).
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import ROLE_ACTIONS, Action
from kiemdiem.common.dates import today
from kiemdiem.common.todos import Todo
from kiemdiem.cycles.models import CycleStatus, Subject
from kiemdiem.opinions import policies, selectors, services
from kiemdiem.opinions.models import OpinionRequest, PeerCommenter

NAMED = 5  # requests named
GROUPS = 4  # (cycle, unit) pairs of peer comments looked at
CHANGE_ROLES = [role for role, actions in ROLE_ACTIONS.items() if Action.CHANGE in actions]


def _mine(user):
    person_id = getattr(user, "person_id", None)
    own = Q(
        asked_unit_id__in=user.grants.filter(role__in=CHANGE_ROLES).values("unit_id"),
        asked_person__isnull=True,
    )
    if person_id:
        own |= Q(asked_person_id=person_id)
    return (
        OpinionRequest.objects.filter(policies.answerable_q(user))
        .filter(own, answers__isnull=True, subject__cycle__status=CycleStatus.OPEN)
        .order_by("deadline", "pk")
    )


def _fmt(day) -> str:
    return day.strftime("%d/%m/%Y")


def asked_of_me(user) -> list[Todo]:
    pending = _mine(user)
    rows = list(
        pending.select_related("subject__person", "subject__unit", "asked_unit", "asked_person")[
            : NAMED + 1
        ]
    )
    if not rows:
        return []
    more = 0
    if len(rows) > NAMED:
        more = pending.count() - NAMED
        rows = rows[:NAMED]
    total = len(rows) + more
    day = today()
    items = []
    for r in rows:
        who = r.subject.person.full_name if r.subject.person_id else r.subject.unit.name
        text = (
            _("%(who)s (%(unit)s), asked of %(asked)s — overdue since %(day)s")
            if r.deadline < day
            else _("%(who)s (%(unit)s), asked of %(asked)s — by %(day)s")
        )
        items.append(
            text
            % {
                "who": who,
                "unit": r.subject.unit.name,
                "asked": r.asked_name,
                "day": _fmt(r.deadline),
            }
        )
    return [
        Todo(
            code="opinions.asked",
            title=_("Opinions asked of you, not answered yet: %(n)s") % {"n": total},
            due=rows[0].deadline,
            items=tuple(items),
            more=more,
            url=reverse("opinion-inbox"),
            action=_("Answer"),
            extra={"requests": [r.pk for r in rows]},
        )
    ]


def peer_comments_to_write(user) -> list[Todo]:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return []
    done = PeerCommenter.objects.filter(person_id=person_id).values("subject_id")
    groups = list(
        selectors.peer_subjects(user)
        .exclude(pk__in=done)
        .order_by()
        .values("cycle_id", "unit_id")
        .annotate(n=Count("pk"))
        .order_by("cycle_id", "unit_id")[:GROUPS]
    )
    if not groups:
        return []
    day = today()
    left = 0
    due = None
    for group in groups:
        sample = (
            Subject.objects.filter(
                cycle_id=group["cycle_id"],
                unit_id=group["unit_id"],
                cycle__status=CycleStatus.OPEN,
            )
            .select_related("unit", "cycle")
            .first()
        )
        if sample is None:
            continue
        start, end = services.peer_window(sample)
        if (start is not None and day < start) or (end is not None and day > end):
            continue
        left += group["n"]
        if end is not None and (due is None or end < due):
            due = end
    if not left:
        return []
    return [
        Todo(
            code="opinions.peer_comments",
            title=_("Comrades to comment on before the meeting: %(n)s") % {"n": left},
            detail=_("Your cell's members comment on each other; your name is never shown."),
            due=due,
            url=reverse("peer-comments"),
            action=_("Comment"),
            extra={"left": left},
        )
    ]
