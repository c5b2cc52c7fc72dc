"""The decider's to-dos on the start page (``common.todos``): the queue of subjects ready to
decide (``selectors.queue``, one counting query), soonest deadline first.

A decider of a few units sees one line per unit, each opening the decision screen on it. A
province's decider waits on hundreds of units: one line per cycle then says how many subjects
in how many units, names the units with the soonest deadlines and opens the decision screen.
"""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse
from django.utils.translation import gettext as _

from kiemdiem.common.todos import Todo
from kiemdiem.decisions.selectors import queue

ONE_LINE_EACH = 3  # units of one cycle listed one by one; more are gathered in one line
NAMED = 6  # units named in a gathered line


def decide_queue(user) -> list[Todo]:
    by_cycle = defaultdict(list)
    for group in queue(user):  # soonest deadline first
        by_cycle[group.cycle.pk].append(group)
    out = []
    for groups in by_cycle.values():
        cycle = groups[0].cycle
        screen = reverse("decision-screen", args=[cycle.pk])
        if len(groups) <= ONE_LINE_EACH:
            out.extend(
                Todo(
                    code="decisions.queue",
                    title=_("Waiting for your decision"),
                    detail=_("%(unit)s: subjects ready to decide: %(n)s — %(cycle)s")
                    % {"unit": g.unit.name, "n": g.count, "cycle": cycle.name},
                    due=g.due,
                    url=f"{screen}?unit={g.unit.pk}",
                    action=_("Open the decision screen"),
                    extra={"count": g.count, "cycle": cycle.pk, "unit": g.unit.pk},
                )
                for g in groups
            )
            continue
        total = sum(g.count for g in groups)
        out.append(
            Todo(
                code="decisions.queue",
                title=_("Waiting for your decision"),
                detail=_("%(n)s subjects ready to decide in %(units)s units — %(cycle)s")
                % {"n": total, "units": len(groups), "cycle": cycle.name},
                due=min((g.due for g in groups if g.due), default=None),
                items=tuple(f"{g.unit.name} ({g.count})" for g in groups[:NAMED]),
                more=max(len(groups) - NAMED, 0),
                url=screen,
                action=_("Open the decision screen"),
                extra={"count": total, "cycle": cycle.pk, "units": len(groups)},
            )
        )
    return out
