"""The register's pages: the list for a unit's subtree with filters, an entry with its
documents, add / edit / annul, attachments downloaded through the policy; and the section on a
person's page (``people.hooks``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kiemdiem.common.forms import add_service_errors
from kiemdiem.common.uploads import refused_uploads
from kiemdiem.common.views import paginate, query_id, render_page
from kiemdiem.orgtree.policies import top_units
from kiemdiem.orgtree.selectors import unit_get
from kiemdiem.people.policies import changeable_people
from kiemdiem.people.selectors import person_get, person_list
from kiemdiem.register import policies, selectors, services
from kiemdiem.register.forms import AnnulForm, AttachForm, EntryForm, FilterForm
from kiemdiem.register.models import RegisterEntry, RegisterFile
from kiemdiem.register.services import EDITABLE


def _entry(user, pk: int) -> RegisterEntry:
    """An entry the user may read (404 otherwise: missing and forbidden look the same)."""
    entry = (
        policies.visible_entries(user).select_related("person", "unit", "entered_by").filter(pk=pk)
    ).first()
    if entry is None:
        raise Http404
    return entry


def _changeable(user, pk: int) -> RegisterEntry:
    """An entry the user may change (a reader who may not gets 404, as on the edit page)."""
    entry = _entry(user, pk)
    if not policies.may_change_entry(user, entry):
        raise Http404
    return entry


@login_required
def entry_list(request):
    if not policies.may_list(request.user):
        raise Http404
    unit_id = query_id(request, "unit")
    unit = unit_get(request.user, unit_id) if unit_id else None
    filters = FilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    entries = selectors.entry_list(
        request.user,
        unit=unit,
        kind=params.get("kind") or "",
        year=params.get("year"),
        annulled=bool(params.get("annulled")),
    )
    if params.get("q"):
        entries = entries.filter(person__in=person_list(request.user, q=params["q"]).values("pk"))
    context = {
        "page": paginate(request, entries),
        "unit": unit,
        "units": top_units(request.user)[:20],
        "filters": filters,
        "may_record": policies.may_record_somewhere(request.user),
    }
    return render_page(request, "register/entry_list.html", context, partial="results")


def _form_page(request, form, *, title: str, back_url: str, back_label: str, status=200):
    context = {"form": form, "title": title, "back_url": back_url, "back_label": back_label}
    return render_page(request, "register/entry_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request):
    user = request.user
    if not policies.may_record_somewhere(user):
        raise Http404
    person_id, unit_id = query_id(request, "person"), query_id(request, "unit")
    person = person_get(user, person_id) if person_id else None
    unit = unit_get(user, unit_id) if unit_id else None
    if person is not None and not policies.may_record_for(user, person=person):
        raise PermissionDenied
    people = []
    if person is None:
        people = changeable_people(user).order_by("sort_key", "pk")
        if unit is not None:
            people = people.filter(pk__in=person_list(user, unit=unit).values("pk"))
        people = people[:500]
    initial = {"track": "party"}
    if unit is not None and person is None:
        initial["unit"] = unit.code
    form = EntryForm(
        request.POST or None,
        request.FILES or None,
        user=user,
        people=people,
        fixed_person=person,
        initial=initial,
    )
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            files = data.pop("files", [])
            target = {"person": person} if person is not None else {}
            chosen = data.pop("person", None)
            chosen_unit = data.pop("unit", None)
            if person is None:
                if chosen:
                    target = {"person": get_object_or_404(people.model, pk=chosen)}
                    if target["person"].pk not in {p.pk for p in people}:
                        raise PermissionDenied
                else:
                    target = {"unit": chosen_unit}
            try:
                entry = services.entry_record(actor=user, files=files, **target, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied:
                form.add_error(
                    None, _("You may not record in the register for this person or unit.")
                )
            else:
                messages.success(request, _("The entry was recorded in the register."))
                return redirect("register-entry", entry.pk)
        form.refused_errors(refused_uploads(request))
    back = (
        (reverse("person-detail", args=[person.pk]), person.full_name)
        if person is not None
        else (reverse("register-list"), _("Register of discipline and conclusions"))
    )
    title = _("Record a decision or conclusion")
    if person is not None:
        title = _("Record a decision or conclusion about %(name)s") % {"name": person.full_name}
    return _form_page(
        request,
        form,
        title=title,
        back_url=back[0],
        back_label=back[1],
        status=400 if form.errors else 200,
    )


@login_required
def entry_detail(request, pk):
    entry = _entry(request.user, pk)
    may_change = policies.may_change_entry(request.user, entry) and not entry.annulled
    context = {
        "entry": entry,
        "files": entry.files.defer("content").order_by("pk"),
        "may_change": may_change,
        "attach_form": AttachForm() if may_change else None,
        "annul_form": AnnulForm() if may_change else None,
    }
    return render_page(request, "register/entry_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request, pk):
    entry = _entry(request.user, pk)
    if entry.annulled or not policies.may_change_entry(request.user, entry):
        raise Http404
    initial = {name: getattr(entry, name) for name in EDITABLE}
    form = EntryForm(request.POST or None, user=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k in EDITABLE}
        try:
            services.entry_update(entry=entry, actor=request.user, **changes)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The entry was changed."))
            return redirect("register-entry", entry.pk)
    return _form_page(
        request,
        form,
        title=_("Change the entry"),
        back_url=reverse("register-entry", args=[entry.pk]),
        back_label=str(entry),
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def entry_annul(request, pk):
    entry = _changeable(request.user, pk)
    form = AnnulForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the entry is annulled."))
        return redirect("register-entry", entry.pk)
    try:
        services.entry_annul(entry=entry, reason=form.cleaned_data["reason"], actor=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("The entry was annulled; it no longer counts."))
    return redirect("register-entry", entry.pk)


@login_required
@require_POST
def file_attach(request, pk):
    entry = _changeable(request.user, pk)
    form = AttachForm(request.POST, request.FILES)
    valid = form.is_valid()
    form.refused_errors(refused_uploads(request))
    if valid and not form.errors:
        try:
            services.file_attach(entry=entry, files=form.cleaned_data["files"], actor=request.user)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("The documents were attached."))
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    return redirect("register-entry", entry.pk)


@login_required
def file_download(request, pk):
    row = RegisterFile.objects.select_related("entry__person", "entry__unit").filter(pk=pk).first()
    if row is None or not policies.may_view_entry(request.user, row.entry):
        raise Http404
    return row.download()


def person_section(request, person) -> str:
    """The person's entries on their page, for those entitled to read them (else nothing)."""
    user = request.user
    if not policies.may_list_person(user, person):
        return ""
    entries = selectors.person_entries(user, person)
    may_record = policies.may_record_for(user, person=person)
    if not entries and not may_record:
        return ""
    return render_to_string(
        "register/person_section.html",
        {"entries": entries, "person": person, "may_record": may_record},
        request=request,
    )
