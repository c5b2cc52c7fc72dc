from django.contrib.auth.decorators import login_required

from kiemdiem.audit.display import describe
from kiemdiem.audit.policies import may_read_log
from kiemdiem.audit.registry import ACTIONS
from kiemdiem.audit.selectors import log_list
from kiemdiem.common.views import paginate, query_id, render_page
from kiemdiem.orgtree.selectors import unit_get


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
        "actions": sorted(ACTIONS.items()),
    }
    return render_page(request, "audit/log.html", context, partial="results")
