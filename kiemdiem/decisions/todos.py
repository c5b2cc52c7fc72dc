"""The decider's to-dos on the start page (``common.todos``): the queue of subjects ready to
decide, by cycle and unit, soonest deadline first (``selectors.queue``, one counting query).

The first few units each have a line that opens the decision screen on them; a province's
decider waits on hundreds, so the rest are summed up in one line that opens the screen of the
cycle (a start page, not the list: the decision screen is the list)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kiemdiem.common.todos import Todo
from kiemdiem.decisions.selectors import queue

SHOWN = 5  # units with a line of their own
NAMED = 6  # units named in the line that sums up the rest


def _named(rest) -> tuple[str, ...]:
    """The next units and their counts, then how many more units (not people: the start
    page's "and N more" speaks of people)."""
    names = [f"{g.unit.name} ({g.count})" for g in rest[:NAMED]]
    if len(rest) > NAMED:
        names.append(_("and %(n)s other units") % {"n": len(rest) - NAMED})
    return tuple(names)


def decide_queue(user) -> list[Todo]:
    groups = queue(user)
    out = []
    for g in groups[:SHOWN]:
        out.append(
            Todo(
                code="decisions.queue",
                title=_("Waiting for your decision"),
                detail=_("%(unit)s: subjects ready to decide: %(n)s — %(cycle)s")
                % {"unit": g.unit.name, "n": g.count, "cycle": g.cycle.name},
                due=g.due,
                url=reverse("decision-screen", args=[g.cycle.pk]) + f"?unit={g.unit.pk}",
                action=_("Open the decision screen"),
                extra={"count": g.count, "cycle": g.cycle.pk, "unit": g.unit.pk},
            )
        )
    rest = groups[SHOWN:]
    if rest:
        out.append(
            Todo(
                code="decisions.queue",
                title=_("Waiting for your decision"),
                detail=_("Units not listed: %(n)s; subjects ready in all: %(total)s.")
                % {"n": len(rest), "total": sum(g.count for g in groups)},
                due=min((g.due for g in rest if g.due), default=None),
                items=_named(rest),
                url=reverse("decision-screen", args=[rest[0].cycle.pk]),
                action=_("Open the decision screen"),
            )
        )
    return out
