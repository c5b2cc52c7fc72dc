"""The signed-in user's notifications: list, open (marks read), mark read, mark all read.

A user only ever sees their own notices (``notifications.policies``: there is no unit scope to
pass through the permission door).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kiemdiem.common.views import paginate, render_page
from kiemdiem.notifications import policies, services


@login_required
def notification_list(request):
    notices = policies.own_notices(request.user).order_by("-created_at", "-pk")
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    context = {
        "page": paginate(request, notices),
        "unread_only": unread_only,
        "unread": services.unread_count(request.user),
    }
    return render_page(request, "notifications/notification_list.html", context)


def _safe(request, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@login_required
@require_POST
def notification_read(request, pk):
    """Mark one notice read; with ``open`` go on to what it is about."""
    notice = get_object_or_404(policies.own_notices(request.user), pk=pk)
    services.mark_read(notice=notice, user=request.user)
    if request.POST.get("open") and _safe(request, notice.url):
        return redirect(notice.url)
    back = request.POST.get("next", "")
    return redirect(back if _safe(request, back) else "notification-list")


@login_required
@require_POST
def notification_read_all(request):
    count = services.mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications marked as read."))
    return redirect("notification-list")
