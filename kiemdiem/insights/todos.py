"""The start page's first line for the staff of a provincial organization board: the signals
of formalism of the newest cycle, with how many there are and "as of" when (stored rows only)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Role
from kiemdiem.common.todos import Todo
from kiemdiem.insights import selectors
from kiemdiem.orgtree.models import UnitKind

# Whose start page leads with the signals: a grant over a provincial party committee (its
# organization board works there) — staff, deciders, inspectors; and the administrators.
ROLES = (Role.STAFF, Role.DECIDER, Role.INSPECTOR, Role.ADMIN)


def signals_link(user) -> list[Todo]:
    province = user.grants.filter(
        role__in=ROLES, unit__kind=UnitKind.PROVINCIAL_COMMITTEE, unit__valid_to__isnull=True
    ).exists()
    if not province and not user.is_superuser:
        return []
    cycle = selectors.pick_cycle(user, None)
    if cycle is None:
        return []
    run = selectors.run_of(cycle)
    if run is None:
        detail = _("%(cycle)s: not computed yet.") % {"cycle": cycle.name}
    else:
        total = sum(selectors.signal_counts(user, cycle).values())
        detail = _("%(cycle)s: %(n)s signals, as of %(at)s.") % {
            "cycle": cycle.name,
            "n": total,
            "at": timezone.localtime(run.computed_at).strftime("%H:%M %d/%m/%Y"),
        }
    return [
        Todo(
            code="insights.signals",
            title=_("Signals of formalism"),
            detail=detail,
            url=reverse("insights-signals") + f"?cycle={cycle.pk}",
            action=_("Open the signals"),
            pinned=True,
        )
    ]
