"""Web pages of the organization tree."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kiemdiem.accounts.models import Action
from kiemdiem.audit.display import describe
from kiemdiem.audit.selectors import log_for_object
from kiemdiem.common.dates import today
from kiemdiem.common.forms import add_service_errors
from kiemdiem.common.views import paginate, render_page
from kiemdiem.orgtree import policies, restructure, selectors, services
from kiemdiem.orgtree.forms import (
    AsOfForm,
    UnitCloseForm,
    UnitCreateForm,
    UnitForm,
    UnitMergeForm,
    UnitMoveForm,
    UnitSplitForm,
)
from kiemdiem.orgtree.models import UnitGroup
from kiemdiem.people.selectors import unit_roster, unit_split_people


@login_required
def tree(request):
    """The tree browser: the user's top units, expandable, and a search box."""
    q = request.GET.get("q", "").strip()
    results = None
    if q:
        results = paginate(request, selectors.unit_list(request.user, q=q).order_by("path"), 30)
    context = {"roots": policies.top_units(request.user), "q": q, "results": results}
    return render_page(request, "orgtree/tree.html", context, partial="results")


@login_required
def unit_children(request, pk):
    unit = selectors.unit_get(request.user, pk)
    context = {"children": selectors.children_of(request.user, unit)}
    return render_page(request, "orgtree/partials/children.html", context)


@login_required
def unit_detail(request, pk):
    unit = selectors.unit_get(request.user, pk)
    children = list(selectors.children_of(request.user, unit))
    context = {
        "unit": unit,
        "crumbs": selectors.breadcrumbs(unit),
        "collectives": [c for c in children if c.group == UnitGroup.COLLECTIVE],
        "children": [c for c in children if c.group != UnitGroup.COLLECTIVE],
        "roster": unit_roster(request.user, unit),
        "can_change": policies.may_change_unit(request.user, unit),
        "history": selectors.placement_history(unit),
        "log": describe(log_for_object(request.user, unit)[:20]),
    }
    return render_page(request, "orgtree/unit_detail.html", context)


@login_required
def unit_as_of(request, pk):
    unit = selectors.unit_get(request.user, pk)
    form = AsOfForm(request.GET or None)
    day = today()
    if form.is_valid() and form.cleaned_data["as_of"]:
        day = form.cleaned_data["as_of"]
    spans = selectors.subtree_as_of(request.user, unit, day)
    base_depth = spans[0].depth if spans else 0
    rows = [(span, span.depth - base_depth) for span in spans]
    context = {"unit": unit, "form": form, "day": day, "rows": rows}
    return render_page(request, "orgtree/as_of.html", context, partial="tree")


def _form_page(request, form, unit, title, submit_label=None):
    context = {
        "form": form,
        "title": title,
        "back_url": reverse("unit-detail", args=[unit.pk]),
        "back_label": unit.name,
        "submit_label": submit_label,
    }
    return render_page(request, "form_page.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request, pk):
    parent = selectors.unit_get(request.user, pk, Action.CHANGE)
    form = UnitCreateForm(request.POST or None, user=request.user, initial={"valid_from": today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.unit_create(
                code=data["code"],
                name=data["name"],
                short_name=data["short_name"],
                kind=data["kind"],
                parent=parent,
                managed_by=data["managed_by"],
                valid_from=data["valid_from"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Unit “%(name)s” created.") % {"name": unit.name})
            return redirect("unit-detail", pk=unit.pk)
    return _form_page(request, form, parent, _("New sub-unit"))


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, pk):
    unit = selectors.unit_get(request.user, pk, Action.CHANGE)
    initial = {
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "managed_by": unit.managed_by.code if unit.managed_by else "",
    }
    form = UnitForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.unit_update(
                unit=unit,
                code=data["code"],
                name=data["name"],
                short_name=data["short_name"],
                kind=data["kind"],
                managed_by=data["managed_by"],
                actor=request.user,
            )
        except ValidationError as error:
            unit.refresh_from_db()
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("unit-detail", pk=unit.pk)
    return _form_page(request, form, unit, _("Edit unit"))


def _restructure_view(request, pk, form_class, title, action):
    unit = selectors.unit_get(request.user, pk, Action.CHANGE)
    form = form_class(request.POST or None, user=request.user, initial={"effective": today()})
    if request.method == "POST" and form.is_valid():
        try:
            result, message = action(unit, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect("unit-detail", pk=result.pk)
    return _form_page(request, form, unit, title, submit_label=_("Confirm"))


@login_required
@require_http_methods(["GET", "POST"])
def unit_move(request, pk):
    def action(unit, data):
        moved = services.unit_move(
            unit=unit,
            new_parent=data["new_parent"],
            effective=data["effective"],
            actor=request.user,
        )
        return moved, _("Unit moved.")

    return _restructure_view(request, pk, UnitMoveForm, _("Move unit"), action)


@login_required
@require_http_methods(["GET", "POST"])
def unit_merge(request, pk):
    def action(unit, data):
        target = restructure.units_merge(
            sources=[unit], target=data["target"], effective=data["effective"], actor=request.user
        )
        return target, _("Unit merged.")

    return _restructure_view(request, pk, UnitMergeForm, _("Merge unit into another"), action)


@login_required
@require_http_methods(["GET", "POST"])
def unit_close(request, pk):
    def action(unit, data):
        closed = restructure.unit_close(unit=unit, effective=data["effective"], actor=request.user)
        return closed, _("Unit dissolved.")

    return _restructure_view(request, pk, UnitCloseForm, _("Dissolve unit"), action)


@login_required
@require_http_methods(["GET", "POST"])
def unit_split(request, pk):
    """Split a unit: name the new units, give each sub-unit and each person to one of them."""
    unit = selectors.unit_get(request.user, pk, Action.CHANGE)
    try:
        parts = min(max(int(request.GET.get("parts", 2)), 2), 10)
    except ValueError:
        parts = 2
    children = unit.children.filter(valid_to__isnull=True).order_by("name_sort_key")
    people = unit_split_people(unit)
    form = UnitSplitForm(
        request.POST or None,
        unit=unit,
        parts=parts,
        children=children,
        people=people,
        initial={"effective": today()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        split_parts = [
            restructure.SplitPart(
                code=data[f"code_{i}"], name=data[f"name_{i}"], kind=data[f"kind_{i}"]
            )
            for i in range(parts)
        ]
        for child in form.children:
            split_parts[int(data[f"child_{child.pk}"])].children.append(child)
        for person in form.people:
            split_parts[int(data[f"person_{person.pk}"])].people_ids.append(person.pk)
        try:
            new_units = restructure.unit_split(
                source=unit, parts=split_parts, effective=data["effective"], actor=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Unit split into: %(names)s.") % {"names": ", ".join(u.name for u in new_units)},
            )
            return redirect("unit-detail", pk=new_units[0].pk)
    context = {"unit": unit, "form": form, "parts": parts}
    return render_page(request, "orgtree/split.html", context, status=400 if form.errors else 200)
