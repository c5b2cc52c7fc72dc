"""The insights pages: the signals of formalism (stored rows, "as of" their computation) and
the comparison of equivalent positions (with its Excel export)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kiemdiem.common.views import paginate, query_id, render_page
from kiemdiem.cycles.models import TierChoice
from kiemdiem.insights import charts, comparison, exporters, jobs, policies, selectors
from kiemdiem.insights.explain import explain
from kiemdiem.insights.models import SignalKind
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.policies import top_units
from kiemdiem.orgtree.selectors import unit_get


def _denied(request):
    return render_page(request, "403.html", {}, status=403)


def _scopes(user) -> list[Unit]:
    """The units offered as sub-scopes: the user's top units and the units right under them."""
    tops = list(top_units(user)[:10])
    under = Unit.objects.filter(parent__in=tops, valid_to__isnull=True).order_by("path")[:200]
    return sorted([*tops, *under], key=lambda u: u.path)


def _cycle(request):
    """The cycle the query names (404 when the user cannot see it), else the newest visible."""
    cycle_id = query_id(request, "cycle")
    cycle = selectors.pick_cycle(request.user, cycle_id)
    if cycle is None and cycle_id is not None:
        raise Http404
    return cycle


def _within(request):
    unit_id = query_id(request, "unit")
    return unit_get(request.user, unit_id) if unit_id else None


@login_required
def signals_page(request):
    user = request.user
    if not policies.may_read(user):
        return _denied(request)
    cycle = _cycle(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in SignalKind.values else ""
    within = _within(request)
    context = {
        "cycles": selectors.cycles(user),
        "cycle": cycle,
        "kinds": SignalKind.choices,
        "kind": kind,
        "kind_label": dict(SignalKind.choices).get(kind, ""),
        "within": within,
        "scopes": _scopes(user),
    }
    if cycle is not None:
        counts = selectors.signal_counts(user, cycle, within=within)
        shown = counts.get(kind, 0) if kind else sum(counts.values())
        page = paginate(
            request, selectors.signal_list(user, cycle, kind=kind, within=within), count=shown
        )
        for s in page.object_list:
            s.text = explain(s)
        by_kind = [(code, label, counts.get(code, 0)) for code, label in SignalKind.choices]
        below, itself = selectors.signals_below(user, cycle, kind=kind, within=within)
        context |= {
            "run": selectors.run_of(cycle),
            "page": page,
            "counts": by_kind,
            "charts": charts.signal_charts(by_kind, below, itself),
            "total": sum(counts.values()),
            "may_refresh": policies.may_refresh(user, cycle),
            "queued": jobs.waiting(cycle.pk),
        }
    return render_page(request, "insights/signals.html", context, partial="results")


@login_required
@require_POST
def signals_refresh(request):
    user = request.user
    cycle = selectors.pick_cycle(user, query_id(request, "cycle"))
    if cycle is None or not policies.may_refresh(user, cycle):
        raise Http404
    job = jobs.queue_for(cycle.pk, owner=user)
    if job is None:
        messages.info(request, _("A computation of these signals is already waiting."))
    else:
        messages.success(request, _("The signals will be computed again in a moment."))
    return redirect(reverse("insights-signals") + f"?cycle={cycle.pk}")


def _comparison(request):
    """The comparison the query asks for, or (None, error)."""
    user = request.user
    cycle = _cycle(request)
    kind = request.GET.get("kind", "head.dang_bo_xa")
    tier = request.GET.get("tier", "")
    tier = tier if tier in TierChoice.values else ""
    sort = request.GET.get("sort", "percentile")
    sort = sort if sort in comparison.SORTS else "percentile"
    within = _within(request)
    directly = request.GET.get("direct") == "1" and within is not None
    if cycle is None:
        return None, _("No review cycle concerns your units yet.")
    if comparison.parse_kind(kind) is None:
        return None, _("Choose a kind of post.")
    result = comparison.compare(
        user, cycle, kind, within=within, directly_under=directly, tier=tier, sort=sort
    )
    return result, ""


@login_required
def comparison_page(request):
    user = request.user
    if not policies.may_read(user):
        return _denied(request)
    result, error = _comparison(request)
    within = _within(request)
    context = {
        "cycles": selectors.cycles(user),
        "cycle": result.cycle if result else None,
        "kinds": comparison.position_kinds(),
        "kind": request.GET.get("kind", "head.dang_bo_xa"),
        "tiers": TierChoice.choices,
        "tier": request.GET.get("tier", ""),
        "sort": request.GET.get("sort", "percentile"),
        "sorts": [
            ("percentile", _("Percentile")),
            ("points", _("Points")),
            ("name", _("Name")),
            ("unit", _("Unit")),
        ],
        "within": within,
        "direct": request.GET.get("direct") == "1",
        "scopes": _scopes(user),
        "result": result,
        "chart": charts.comparison_chart(result) if result else None,
        "error": error,
        "query": request.GET.urlencode(),
    }
    return render_page(request, "insights/comparison.html", context, status=400 if error else 200)


@login_required
def comparison_export(request):
    if not policies.may_read(request.user):
        return _denied(request)
    result, error = _comparison(request)
    if result is None:
        return HttpResponse(error, status=400)
    within = _within(request)
    exporter = exporters.ComparisonExporter()
    data = exporter.render(result, scope_name=within.name if within else "")
    response = HttpResponse(data, content_type=exporter.content_type)
    name = f"so-sanh-{result.kind.replace('.', '-')}-{result.cycle.year}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
