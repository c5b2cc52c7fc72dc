"""Remediation's pages: a unit's remedy items, the lists the regulations name (and their
export), the organizations to consolidate with their actions, and a person's tier history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.common.dates import today
from kiemdiem.common.forms import add_service_errors
from kiemdiem.common.views import paginate, render_page
from kiemdiem.cycles.models import CycleKind, ReviewCycle, Subject
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.selectors import unit_get
from kiemdiem.people.selectors import person_get
from kiemdiem.remediation import export, lists, policies, selectors, services
from kiemdiem.remediation.forms import ActionForm, ListForm, NamedItemForm, RemedyItemForm
from kiemdiem.reviews.models import ShortcomingSource, ShortcomingStatus

NAMED_SOURCES = [(c, label) for c, label in ShortcomingSource.choices]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def remedy_items(request, pk):
    unit = unit_get(request.user, pk)
    status = request.GET.get("status", "")
    status = status if status in ShortcomingStatus.values else ""
    source = request.GET.get("source", "")
    source = source if source in ShortcomingSource.values else ""
    year = _int(request.GET.get("year"))
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.remedy_items(
        request.user, unit, status=status, source=source, year=year, overdue=overdue
    )
    page = paginate(request, rows)
    on = today()
    for row in page:
        row.overdue = selectors.is_overdue(row, on)
        row.editable = policies.may_plan(request.user, row)
    context = {
        "unit": unit,
        "page": page,
        "status": status,
        "source": source,
        "year": year or "",
        "overdue": overdue,
        "statuses": ShortcomingStatus.choices,
        "sources": NAMED_SOURCES,
        "may_add": policies.may_build(request.user, unit),
    }
    return render_page(request, "remediation/items.html", context, partial="results")


@login_required
@require_http_methods(["GET", "POST"])
def remedy_item_edit(request, pk):
    row = selectors.remedy_item_get(request.user, pk)
    if not policies.may_plan(request.user, row):
        raise Http404
    status_editable = not row.reports.exists()
    initial = {
        "remedy_plan": row.remedy_plan,
        "owner": row.owner_id,
        "due_date": row.due_date,
        "status": row.status,
        "note": row.remedy_report,
    }
    form = RemedyItemForm(
        request.POST or None,
        initial=initial,
        unit=row.unit,
        current=row.owner,
        also=row.person,
        status_editable=status_editable,
    )
    back = reverse("remedy-items", args=[row.unit_id])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.remedy_item_update(
                shortcoming=row,
                actor=request.user,
                remedy_plan=data["remedy_plan"],
                owner=form.owner_person(),
                due_date=data["due_date"],
                status=data.get("status") if status_editable else None,
                note=data.get("note") or "",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Remedy item saved."))
            return redirect(back)
    context = {
        "form": form,
        "title": _("Remedy: %(text)s") % {"text": row.text[:80]},
        "intro": None
        if status_editable
        else _("A later self-review reports on this shortcoming: its status follows that report."),
        "back_url": back,
        "back_label": row.unit.name,
    }
    return render_page(request, "form_page.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def remedy_item_add(request, pk):
    unit = unit_get(request.user, pk)
    if not policies.may_build(request.user, unit):
        raise Http404
    subjects = (
        restrict(Subject.objects.all(), request.user, Action.CHANGE)
        .filter(unit__path__startswith=unit.path, cycle__kind=CycleKind.ANNUAL)
        .select_related("cycle", "person", "unit")
        .order_by("-cycle__period_end", "unit__path", "person__sort_key")
    )
    chosen = _int(request.GET.get("subject"))
    # From a person's or a decision's page the subject is given; otherwise the latest 500.
    subjects = subjects.filter(pk=chosen) if chosen else subjects[:500]
    form = NamedItemForm(request.POST or None, subjects=subjects, unit=unit)
    back = reverse("remedy-items", args=[unit.pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        subject = next((s for s in subjects if s.pk == data["subject"]), None)
        try:
            if subject is None:
                raise ValidationError({"subject": _("Choose from the list.")})
            services.remedy_item_add(
                subject=subject,
                actor=request.user,
                source=data["source"],
                source_ref=data["source_ref"],
                text=data["text"],
                remedy_plan=data["remedy_plan"],
                owner=form.owner_person(),
                due_date=data["due_date"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Shortcoming added."))
            return redirect(back)
    context = {
        "form": form,
        "title": _("A shortcoming named by a meeting or a decision"),
        "intro": _(
            "It is carried into the person's (or the collective's) self-review of the next "
            "cycle, to be reported on like the review's own."
        ),
        "back_url": back,
        "back_label": unit.name,
    }
    return render_page(request, "form_page.html", context, status=400 if form.errors else 200)


def _list_params(request, unit):
    data = request.GET.copy()
    data.setdefault("list", "khtnv")
    data.setdefault("track", "party")
    if not data.get("year"):
        last = ReviewCycle.objects.filter(kind=CycleKind.ANNUAL).order_by("-year").first()
        data["year"] = str(last.year if last else today().year)
    form = ListForm(data)
    if not form.is_valid():
        return form, None
    d = form.cleaned_data
    years, rows = lists.build(request.user, unit, d["list"], d["year"], d["track"], n=d["years"])
    return form, (d, years, rows)


@login_required
def tier_lists(request, pk):
    unit = unit_get(request.user, pk)
    form, built = _list_params(request, unit)
    context = {"unit": unit, "form": form, "lists": lists.LISTS, "status": 200}
    if built is not None:
        d, years, rows = built
        context |= {
            "kind": d["list"],
            "title": lists.title_of(d["list"], d["track"]),
            "state": d["track"] == "state",
            "years": years,
            "rows": [(r, r.tier_list(years)) for r in rows],
            "persons": d["list"] != "orgs_running",
            "query": request.GET.urlencode(),
        }
    return render_page(
        request, "remediation/lists.html", context, status=200 if built is not None else 400
    )


@login_required
def tier_lists_export(request, pk):
    unit = unit_get(request.user, pk)
    form, built = _list_params(request, unit)
    if built is None:
        return HttpResponse(_("Choose a list and a year."), status=400)
    d, years, rows = built
    title = f"{lists.title_of(d['list'], d['track'])} — {d['year']}"
    data = export.workbook(request.user, title, unit, years, rows, d["list"] != "orgs_running")
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="danh-sach-{d["list"]}-{d["year"]}.xlsx"'
    )
    return response


@login_required
def consolidation_list(request, pk):
    unit = unit_get(request.user, pk)
    cycles = list(
        ReviewCycle.objects.filter(kind=CycleKind.ANNUAL).order_by("-year", "-period_end")[:10]
    )
    cycle = next((c for c in cycles if c.pk == _int(request.GET.get("cycle"))), None)
    cycle = cycle or (cycles[0] if cycles else None)
    rows = list(selectors.consolidations(request.user, unit, cycle)) if cycle else []
    editable = policies.changeable_consolidations(request.user, rows)  # one query, not per row
    for row in rows:
        row.editable = row.pk in editable
    context = {
        "unit": unit,
        "cycles": cycles,
        "cycle": cycle,
        "rows": rows,
        "may_build": cycle is not None and policies.may_build(request.user, unit),
        "today": today(),
    }
    return render_page(request, "remediation/consolidation.html", context)


@login_required
@require_POST
def consolidation_build(request, pk):
    unit = unit_get(request.user, pk)
    cycle = ReviewCycle.objects.filter(pk=_int(request.POST.get("cycle"))).first()
    if cycle is None or not policies.may_build(request.user, unit):
        raise Http404
    try:
        built = services.consolidation_build(cycle=cycle, unit=unit, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(n)s organizations on the list.") % {"n": len(built)})
    return redirect(f"{reverse('consolidation-list', args=[unit.pk])}?cycle={cycle.pk}")


def _action_page(request, consolidation, action=None):
    if not policies.may_change_consolidation(request.user, consolidation):
        raise Http404
    initial = {}
    if action is not None:
        initial = {
            "text": action.text,
            "owner": action.owner_id,
            "due_date": action.due_date,
            "status": action.status,
            "result": action.result,
        }
    form = ActionForm(
        request.POST or None,
        initial=initial,
        unit=consolidation.unit,
        current=action.owner if action else None,
    )
    if action is None:  # a new action is planned; how it went is recorded later
        del form.fields["status"], form.fields["result"]
    # Back to the list the clerk came from (a commune's), when it covers this unit.
    origin = (
        restrict(Unit.objects.all(), request.user, Action.VIEW)
        .filter(pk=_int(request.GET.get("from")) or consolidation.unit_id)
        .first()
    )
    if origin is None or not consolidation.unit.path.startswith(origin.path):
        origin = consolidation.unit
    back = f"{reverse('consolidation-list', args=[origin.pk])}?cycle={consolidation.cycle_id}"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if action is None:
                services.consolidation_action_add(
                    consolidation=consolidation,
                    actor=request.user,
                    text=data["text"],
                    owner=form.owner_person(),
                    due_date=data["due_date"],
                )
            else:
                services.consolidation_action_update(
                    action=action,
                    actor=request.user,
                    text=data["text"],
                    owner=form.owner_person(),
                    due_date=data["due_date"],
                    status=data["status"],
                    result=data["result"],
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Action saved."))
            return redirect(back)
    context = {
        "form": form,
        "title": _("Consolidation of %(unit)s: an action") % {"unit": consolidation.unit.name},
        "back_url": back,
        "back_label": origin.name,
    }
    return render_page(request, "form_page.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def consolidation_action_add(request, pk):
    return _action_page(request, selectors.consolidation_get(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def consolidation_action_edit(request, pk):
    action = selectors.action_get(request.user, pk)
    return _action_page(request, action.consolidation, action)


@login_required
def person_tiers(request, pk):
    """A person's tier history: a page of its own, and the section of the person's page
    (htmx loads it there)."""
    person = person_get(request.user, pk)
    rows = lists.history(request.user, person)
    own = getattr(request.user, "person_id", None) == person.pk
    for row in rows:  # staff may add what a meeting or a decision named (never for themselves)
        row["may_name"] = not own and policies.may_build(request.user, row["subject"].unit)
    context = {"person": person, "rows": rows, "remedied": ShortcomingStatus.REMEDIED}
    return render_page(request, "remediation/person_tiers.html", context, partial="history")
