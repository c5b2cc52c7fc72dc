"""The decision screen's page: the rows of a scope, its pools and caps, and "Quyết định" for
the whole screen (``finalizing.finalize``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404
from kiemdiem.common.views import query_id, render_page
from kiemdiem.cycles.models import ReviewCycle, SubjectKind, TierChoice
from kiemdiem.decisions import finalizing
from kiemdiem.decisions import screen as screens
from kiemdiem.orgtree.models import Unit

FILTERS = ("unit", "kind", "tier", "problems")


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def decision_screen(request, cycle_pk):
    cycle = get_or_404(
        ReviewCycle.objects.select_related("root"), request.user, Action.VIEW, pk=cycle_pk
    )
    unit_pk = query_id(request, "unit")
    if unit_pk is None:
        raise Http404
    unit = get_object_or_404(Unit, pk=unit_pk)
    group = request.GET.get("group", "members")
    filters = {k: request.GET.get("f_" + k, "") for k in FILTERS}
    query_id(request, "f_unit")  # a bad id is a bad request, named
    sort = request.GET.get("sort", "unit")
    errors: list[str] = []
    posted: dict[int, str] = {}
    if request.method == "POST":
        view = screens.screen(cycle=cycle, unit=unit, group=group, user=request.user)
        for row in view.rows:
            tier = request.POST.get(f"tier-{row.subject.pk}", "")
            if tier and not row.decided:
                posted[row.subject.pk] = tier
        revisions = {
            pk: rev for pk in posted if (rev := _int(request.POST.get(f"rev-{pk}", ""))) is not None
        }
        try:
            finalizing.finalize(
                cycle=cycle,
                rows=posted,
                reason=request.POST.get("reason", ""),
                override_reason=request.POST.get("override_reason", ""),
                revisions=revisions,
                actor=request.user,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(
                request,
                _("%(count)s subjects decided.") % {"count": len(posted)},
            )
            return redirect(request.get_full_path())
    view = screens.screen(
        cycle=cycle, unit=unit, group=group, user=request.user, filters=filters, sort=sort
    )
    # Rendered once per page, not once per row: 500 rows × 4 tiers of lazy labels is most of
    # the template's time otherwise (bench/decisions/RESULTS.md).
    tiers = [(value, str(label)) for value, label in TierChoice.choices]
    options = {
        chosen: format_html_join(
            "",
            '<option value="{}" title="{}"{}>{}</option>',
            ((v, label, mark_safe(" selected") if v == chosen else "", v) for v, label in tiers),
        )
        for chosen in ["", *TierChoice.values]
    }
    kind_labels = {k: str(label) for k, label in SubjectKind.choices}
    for row in view.rows:
        row.chosen = posted.get(row.subject.pk) or row.tier  # type: ignore[attr-defined]
        row.options = options.get(row.chosen, options[""])  # type: ignore[attr-defined]
        # Text, not numbers: the template would localise every id (a format lookup each).
        row.key, row.rev = str(row.subject.pk), str(row.revision)  # type: ignore[attr-defined]
        row.kind_label = kind_labels.get(row.subject.kind, row.subject.kind)  # type: ignore[attr-defined]
        row.pool_view = view.pools[row.pool_index] if row.pool_index is not None else None  # type: ignore[attr-defined]
    context = {
        "cycle": cycle,
        "view": view,
        "group": group,
        "groups": screens.GROUPS,
        "group_label": screens.GROUPS[group],
        "filters": filters,
        "sort": sort,
        "tiers": tiers,
        "kinds": [(k, kind_labels.get(k, k)) for k in view.kinds],
        "units": view.units,
        "errors": errors,
        "posted": posted,
        "undecided": sum(1 for r in view.rows if not r.decided),
        "show_override": bool(errors) or view.problems,
        "post": request.POST if request.method == "POST" else {},
    }
    return render_page(request, "decisions/screen.html", context)
