"""The start page and the audit log: pages that span several apps.

The audit log page filters by unit, so it sits above ``orgtree``; the ``audit`` app itself
is below the tree (every app writes to the log).
"""

from django.contrib.auth.decorators import login_required

from kiemdiem.audit import registry
from kiemdiem.audit.display import describe
from kiemdiem.audit.policies import may_read_log
from kiemdiem.audit.selectors import log_list
from kiemdiem.common.views import paginate, query_id, render_page
from kiemdiem.decisions.selectors import queue
from kiemdiem.orgtree.models import CELL_KINDS
from kiemdiem.orgtree.policies import top_units
from kiemdiem.orgtree.selectors import unit_get, unit_list
from kiemdiem.people.selectors import member_count, people_count
from kiemdiem.reports.selectors import home_figures

QUEUE_SHOWN = 20


@login_required
def home(request):
    """The start page: where the user works and what their scope holds.

    A reader of whole levels (staff, deciders of a commune, a province, the country) sees the
    subjects of the newest cycle in their subtrees, read from the result summaries
    (``reports.selectors.home_figures``): no person is counted on the request. Anyone else —
    or before any cycle — sees the counts of the lists they summarise (the people list, the
    members of the cells the user can open), so the numbers and the pages agree.
    """
    user = request.user
    units = unit_list(user)
    waiting = queue(user)
    figures = home_figures(user)
    context = {
        "roots": top_units(user)[:20],
        "grants": user.grants.select_related("unit").order_by("unit__path"),
        "unit_count": units.count(),
        "cell_count": units.filter(kind__in=CELL_KINDS).count(),
        "figures": figures,
        "people_count": None if figures else people_count(user),
        "member_count": None if figures else member_count(user),
        # What waits for this decider, by unit, without drilling down the tree: the soonest
        # deadlines first, the rest summed up (a province decider may have hundreds of units).
        "queue": waiting[:QUEUE_SHOWN],
        "queue_rest": waiting[QUEUE_SHOWN:],
        "queue_total": sum(g.count for g in waiting),
    }
    return render_page(request, "home.html", context)


@login_required
def audit_log(request):
    """The audit log within the reader's scope, newest first."""
    if not may_read_log(request.user):
        return render_page(request, "403.html", {}, status=403)
    unit_id = query_id(request, "unit")
    unit = unit_get(request.user, unit_id) if unit_id else None
    action = request.GET.get("action", "")
    entries = log_list(request.user, unit=unit, action=action, actor=request.GET.get("actor", ""))
    page = paginate(request, entries)
    page.object_list = describe(page.object_list)
    context = {
        "page": page,
        "unit": unit,
        "action": action,
        "actions": registry.choices(),
    }
    return render_page(request, "audit/log.html", context, partial="results")
