"""Web pages of review cycles: the list, a cycle with its plans, a unit's plan and subjects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kiemdiem.accounts.permissions import can, get_or_404
from kiemdiem.common.dates import today
from kiemdiem.common.forms import add_service_errors
from kiemdiem.common.views import paginate, render_page
from kiemdiem.cycles import selectors, services, subjects
from kiemdiem.cycles.forms import CycleOpenForm, ReturnForm, StagesForm
from kiemdiem.cycles.models import Plan, ReviewCycle
from kiemdiem.orgtree.selectors import breadcrumbs, unit_get


@login_required
def cycle_list(request):
    cycles = selectors.cycle_list(request.user).annotate(plan_count=Count("plans"))
    return render_page(request, "cycles/cycle_list.html", {"page": paginate(request, cycles)})


def _cycle(user, pk) -> ReviewCycle:
    return get_or_404(ReviewCycle.objects.select_related("root"), user, "view", pk=pk)


@login_required
def cycle_detail(request, pk):
    cycle = _cycle(request.user, pk)
    plans = selectors.plan_list(request.user, cycle)
    counts = selectors.subject_counts(request.user, cycle)
    context = {
        "cycle": cycle,
        "packs": cycle.packs.order_by("track", "pack_id"),
        "plans": plans,
        "counts": counts,
        "can_change": can(request.user, "change", cycle.root),
    }
    return render_page(request, "cycles/cycle_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cycle_open(request, unit_pk):
    root = unit_get(request.user, unit_pk, "change")
    year = today().year
    form = CycleOpenForm(
        request.POST or None,
        initial={
            "year": year,
            "kind": "annual",
            "period_start": today().replace(month=1, day=1),
            "period_end": today().replace(month=12, day=31),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cycle = services.cycle_open(
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                year=data["year"],
                quarter=data["quarter"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                root=root,
                stages=form.windows(),
                guidance=data["guidance"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Cycle “%(name)s” opened.") % {"name": cycle.name})
            return redirect("cycle-detail", pk=cycle.pk)
    context = {
        "form": form,
        "unit": root,
        "title": _("Open a review cycle at %(unit)s") % {"unit": root},
    }
    return render_page(
        request, "cycles/stages_form.html", context, status=400 if form.errors else 200
    )


@login_required
def cycle_unit(request, pk, unit_pk):
    """One unit in a cycle: its plan (or the parent's), and the subjects reviewed there."""
    cycle = _cycle(request.user, pk)
    unit = unit_get(request.user, unit_pk)
    plan = Plan.objects.filter(cycle=cycle, unit=unit).prefetch_related("stages").first()
    parent_plan = plan.parent if plan else services.parent_plan_for(cycle, unit)
    rows = selectors.subjects_with_prerequisites(request.user, cycle, unit)
    context = {
        "cycle": cycle,
        "unit": unit,
        "crumbs": breadcrumbs(unit),
        "plan": plan,
        "parent_plan": parent_plan,
        "rows": rows,
        "can_change": can(request.user, "change", unit),
        "can_return": parent_plan is not None
        and plan is not None
        and can(request.user, "change", parent_plan.unit),
        "children": selectors.child_progress(request.user, cycle, unit),
    }
    return render_page(request, "cycles/cycle_unit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_issue(request, pk, unit_pk):
    cycle = _cycle(request.user, pk)
    unit = unit_get(request.user, unit_pk, "change")
    plan = Plan.objects.filter(cycle=cycle, unit=unit).first()
    initial = {}
    if plan:
        initial["guidance"] = plan.guidance
        for stage in plan.stages.all():
            initial[f"{stage.kind}_from"], initial[f"{stage.kind}_due"] = (
                stage.starts_on,
                stage.due_on,
            )
    form = StagesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if plan:
                services.plan_revise(
                    plan=plan,
                    stages=form.windows(),
                    guidance=form.cleaned_data["guidance"],
                    actor=request.user,
                )
            else:
                services.plan_issue(
                    cycle=cycle,
                    unit=unit,
                    stages=form.windows(),
                    guidance=form.cleaned_data["guidance"],
                    actor=request.user,
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Plan issued."))
            return redirect("cycle-unit", pk=cycle.pk, unit_pk=unit.pk)
    parent = services.parent_plan_for(cycle, unit)
    context = {
        "form": form,
        "unit": unit,
        "cycle": cycle,
        "parent_plan": parent,
        "title": _("Plan of %(unit)s for %(cycle)s") % {"unit": unit, "cycle": cycle},
    }
    return render_page(
        request, "cycles/stages_form.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def plan_return(request, pk, unit_pk):
    cycle = _cycle(request.user, pk)
    plan = get_or_404(
        Plan.objects.select_related("parent__unit", "unit"),
        request.user,
        "view",
        cycle=cycle,
        unit_id=unit_pk,
    )
    if plan.parent is None or not can(request.user, "change", plan.parent.unit):
        return render_page(request, "403.html", {}, status=403)
    form = ReturnForm(request.POST)
    if form.is_valid():
        services.plan_return(plan=plan, comment=form.cleaned_data["comment"], actor=request.user)
        messages.success(request, _("The plan was sent back to %(unit)s.") % {"unit": plan.unit})
    else:
        messages.error(request, _("Say what needs changing."))
    return redirect("cycle-unit", pk=cycle.pk, unit_pk=unit_pk)


@login_required
@require_POST
def subjects_generate(request, pk):
    cycle = _cycle(request.user, pk)
    if not can(request.user, "change", cycle.root):  # a root-level act, like opening the cycle
        raise Http404
    try:
        count = subjects.subjects_generate(cycle=cycle, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(n)d subjects listed from the registry.") % {"n": count})
    return redirect(reverse("cycle-detail", args=[cycle.pk]))
