"""The start page and the audit log: pages that span several apps.

The audit log page filters by unit, so it sits above ``orgtree``; the ``audit`` app itself
is below the tree (every app writes to the log).
"""

from django.contrib.auth.decorators import login_required

from kiemdiem.audit import registry
from kiemdiem.audit.display import describe
from kiemdiem.audit.policies import may_read_log
from kiemdiem.audit.selectors import log_list
from kiemdiem.common import todos
from kiemdiem.common.dates import today
from kiemdiem.common.memo import memo_fragment
from kiemdiem.common.views import paginate, query_id, render_page
from kiemdiem.orgtree.models import CELL_KINDS
from kiemdiem.orgtree.policies import top_units
from kiemdiem.orgtree.selectors import unit_get, unit_list
from kiemdiem.people.selectors import member_count, people_count
from kiemdiem.reports.selectors import home_figures


@login_required
def home(request):
    """The start page: first what the user has to do next, with the deadlines (every app's
    to-do providers, ``common.todos``: a member's self-review, a secretary's cell, the staff's
    late stages, the decider's queue, the signals for a province's organization board); then
    where the user works and what their scope holds.

    A reader of whole levels (staff, deciders of a commune, a province, the country) sees the
    subjects of the newest cycle in their subtrees, read from the result summaries
    (``reports.selectors.home_figures``): no person is counted on the request. Anyone else —
    or before any cycle — sees the counts of the lists they summarise (the people list, the
    members of the cells the user can open), so the numbers and the pages agree.
    """
    user = request.user

    def build():
        units = unit_list(user)
        figures = home_figures(user)
        day = today()
        return {
            "roots": top_units(user)[:20],
            "grants": user.grants.select_related("unit").order_by("unit__path"),
            # What to do next, soonest deadline first (the decider's queue is one provider).
            "todos": [(t, t.overdue_on(day)) for t in todos.todos_for(user)],
            "unit_count": units.count(),
            "cell_count": units.filter(kind__in=CELL_KINDS).count(),
            "figures": figures,
            "people_count": None if figures else people_count(user),
            "member_count": None if figures else member_count(user),
        }

    # What the page reads of the data is a memo of the user (``common.memo``): at most a
    # minute old, recomputed as soon as the user writes anything.
    context = {"body": memo_fragment(request, "home", "web/home_body.html", build)}
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
