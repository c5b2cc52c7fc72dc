"""Web pages of the organization tree.

Merging, splitting and dissolving a unit move its people too: those pages are ``people``'s
(``people/restructure.py``); the unit page shows the unit's people through ``orgtree.pages``.
"""

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
from kiemdiem.common.memo import memo_fragment
from kiemdiem.common.views import paginate, render_page
from kiemdiem.orgtree import policies, selectors, services
from kiemdiem.orgtree.forms import AsOfForm, UnitCreateForm, UnitForm, UnitMoveForm
from kiemdiem.orgtree.models import UnitGroup
from kiemdiem.orgtree.pages import unit_page_parts


@login_required
def tree(request):
    """The tree browser: the user's top units, expandable, and a search box."""
    q = request.GET.get("q", "").strip()
    results = None
    if q:
        results = paginate(request, selectors.unit_list(request.user, q=q), 30)
    context = {"roots": policies.top_units(request.user), "q": q, "results": results}
    return render_page(request, "orgtree/tree.html", context, partial="results")


@login_required
def unit_children(request, pk):
    unit = selectors.unit_get(request.user, pk)
    context = {"children": selectors.children_of(request.user, unit)}
    return render_page(request, "orgtree/partials/children.html", context)


@login_required
def unit_detail(request, pk):
    """A unit: its leaders, sub-units, people, history and recent changes. The door opens the
    unit on every request; what the page shows of it is a memo of the reader
    (``common.memo``): at most a minute old, recomputed as soon as the reader writes."""
    unit = selectors.unit_get(request.user, pk)

    def build():
        children = list(selectors.children_of(request.user, unit))
        return {
            "unit": unit,
            "crumbs": selectors.breadcrumbs(unit),
            "collectives": [c for c in children if c.group == UnitGroup.COLLECTIVE],
            "children": [c for c in children if c.group != UnitGroup.COLLECTIVE],
            "can_change": policies.may_change_unit(request.user, unit),
            "history": selectors.placement_history(unit),
            "log": describe(log_for_object(request.user, unit)[:20]),
            **unit_page_parts(request.user, unit),  # the roster, from people
        }

    body = memo_fragment(request, f"unit:{unit.pk}", "orgtree/partials/unit_body.html", build)
    return render_page(request, "orgtree/unit_detail.html", {"unit": unit, "body": body})


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


def unit_change_page(request, pk, form_class, title, action):
    """A change to one unit: its form, then ``action(unit, data)`` → (unit to show, message).

    The move page here and people's restructuring pages (merge, dissolve) share it.
    """
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

    return unit_change_page(request, pk, UnitMoveForm, _("Move unit"), action)
