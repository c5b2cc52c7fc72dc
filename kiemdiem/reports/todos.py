"""The reports to-dos on the start page (``common.todos``), for those who submit a level's
report (a grant that changes the unit: the level's staff, a cell's secretary).

For each unit the user's own grants are on (a few) and each open cycle that covers it:

* **Our report** — the level's report not yet submitted upward, once its subjects are all
  decided (nothing left in the rating, read from the summaries) or the plan's end (the last
  stage's due date of the nearest plan) is within ``SOON`` days; due on that date.
* **The units below** — under the same condition, the units directly below that have not
  submitted theirs (a few named, "n more"), from the ``ReportSubmission`` rows.

Bounded: the grants, the open cycles, one roll-up statement for all the (cycle, unit) pairs,
the submissions of those units, and per pair the plan's stages and the first few units below
(with a count when there are more). Nothing counts subjects live.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import ROLE_ACTIONS, Action, Grant
from kiemdiem.accounts.permissions import restrict
from kiemdiem.common.dates import today
from kiemdiem.common.todos import Todo
from kiemdiem.cycles.models import CycleStatus, Stage
from kiemdiem.cycles.tallies import rollup
from kiemdiem.orgtree.models import Unit, ancestor_paths
from kiemdiem.reports import policies, selectors
from kiemdiem.reports.models import ReportSubmission, SubmissionStatus

UNITS = 3  # units of the user's grants looked at
CYCLES = 2  # open cycles looked at
NAMED = 5  # units below named
SOON = 7  # days before the plan's end when the report is due anyway
CHANGE_ROLES = [role for role, actions in ROLE_ACTIONS.items() if Action.CHANGE in actions]


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _plan_end(cycle, unit) -> datetime.date | None:
    """The last due date of the nearest plan at or above ``unit`` in ``cycle``."""
    rows = Stage.objects.filter(
        plan__cycle=cycle, plan__unit__path__in=ancestor_paths(unit.path, include_self=True)
    ).values_list("plan__unit__path", "due_on")
    by_path: dict[str, datetime.date] = {}
    for path, due in rows:
        by_path[path] = max(due, by_path.get(path, due))
    if not by_path:
        return None
    return by_path[max(by_path, key=len)]


def reports_to_send(user) -> list[Todo]:
    grants = (
        Grant.objects.filter(user=user, role__in=CHANGE_ROLES, unit__valid_to__isnull=True)
        .select_related("unit")
        .order_by("unit__path")
    )
    units: list[Unit] = []
    for grant in grants[: UNITS * 2]:
        if grant.unit not in units and policies.may_submit(user, grant.unit):
            units.append(grant.unit)
    units = units[:UNITS]
    if not units:
        return []
    cycles = list(
        selectors.visible_cycles(user)
        .filter(status=CycleStatus.OPEN)
        .select_related("root")
        .order_by("-year", "-period_start", "-pk")[:CYCLES]
    )
    pairs = [(c, u) for c in cycles for u in units if u.path.startswith(c.root.path)]
    if not pairs:
        return []
    counts = rollup([c.pk for c, _u in pairs], [u for _c, u in pairs], key=selectors.REPORT_KEY)
    submitted = set(
        ReportSubmission.objects.filter(
            cycle_id__in=[c.pk for c, _u in pairs],
            unit_id__in=[u.pk for _c, u in pairs],
            status=SubmissionStatus.SUBMITTED,
        ).values_list("cycle_id", "unit_id")
    )
    day = today()
    out: list[Todo] = []
    for cycle, unit in pairs:
        total = selectors.table(counts[(cycle.pk, unit.pk)]).total
        decided = total.total > 0 and total.pending == 0
        end = _plan_end(cycle, unit)
        near = end is not None and end - datetime.timedelta(days=SOON) <= day
        if not (decided or near):
            continue
        url = reverse("report", args=[cycle.pk, unit.pk])
        reason = (
            _("Every subject of %(unit)s is decided.") % {"unit": unit.name}
            if decided
            else _("The plan ends on %(day)s.") % {"day": _fmt(end)}
        )
        if unit.parent_id is not None and (cycle.pk, unit.pk) not in submitted:
            out.append(
                Todo(
                    code="reports.own",
                    title=_("Submit the report of %(unit)s to the level above")
                    % {"unit": unit.name},
                    detail=f"{cycle.name} — {reason}",
                    due=end,
                    url=url,
                    action=_("Open the report"),
                    extra={"cycle": cycle.pk, "unit": unit.pk, "decided": decided},
                )
            )
        below = (
            restrict(Unit.objects.filter(parent=unit, valid_to__isnull=True), user, Action.VIEW)
            .exclude(
                pk__in=ReportSubmission.objects.filter(
                    cycle=cycle, unit__parent=unit, status=SubmissionStatus.SUBMITTED
                ).values("unit_id")
            )
            .order_by("name_sort_key", "pk")
        )
        rows = list(below[: NAMED + 1])
        if not rows:
            continue
        more = 0
        if len(rows) > NAMED:
            more = below.count() - NAMED
            rows = rows[:NAMED]
        out.append(
            Todo(
                code="reports.below",
                title=_("Units below %(unit)s that have not submitted their report")
                % {"unit": unit.name},
                detail=f"{cycle.name} — {reason}",
                due=end,
                items=tuple(u.name for u in rows),
                more=more,
                url=url,
                action=_("Open the report"),
                extra={"cycle": cycle.pk, "unit": unit.pk, "units": [u.pk for u in rows]},
            )
        )
    return out
