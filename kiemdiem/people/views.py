"""Web pages about people, and the restructuring of units that moves them (merge, split,
dissolve: ``people/restructure.py``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404
from kiemdiem.audit.display import describe
from kiemdiem.audit.selectors import log_for_object
from kiemdiem.common.dates import today
from kiemdiem.common.forms import add_service_errors
from kiemdiem.common.views import paginate, query_id, render_page
from kiemdiem.orgtree.forms import UnitCloseForm, UnitMergeForm, UnitSplitForm
from kiemdiem.orgtree.selectors import unit_get
from kiemdiem.orgtree.views import unit_change_page
from kiemdiem.people import hooks, policies, restructure, selectors, services
from kiemdiem.people.forms import (
    AffiliationForm,
    EndAffiliationForm,
    MembershipForm,
    NewPersonForm,
    PersonForm,
    StatusForm,
    TransferForm,
)
from kiemdiem.people.models import Affiliation
from kiemdiem.people.services import PERSON_FIELDS


@login_required
def person_list(request):
    unit_id = query_id(request, "unit")
    unit = unit_get(request.user, unit_id) if unit_id else None
    q = request.GET.get("q", "").strip()
    people = selectors.person_list(request.user, unit=unit, q=q).prefetch_related(
        selectors.prefetch_current_cells()
    )
    context = {"page": paginate(request, people), "q": q, "unit": unit}
    return render_page(request, "people/person_list.html", context, partial="results")


@login_required
def person_detail(request, pk):
    person = selectors.person_get(request.user, pk)
    member = getattr(person, "membership", None)
    affiliations = list(selectors.person_affiliations(person))
    for affiliation in affiliations:
        affiliation.can_end = affiliation.valid_to is None and policies.may_end_affiliation(
            request.user, affiliation
        )
    context = {
        "person": person,
        "member": member,
        "status": member.status_on() if member else None,
        "statuses": member.statuses.order_by("-valid_from") if member else [],
        "affiliations": affiliations,
        "authorities": person.authorities.select_related("authority").order_by("-valid_from"),
        "can_change": policies.may_change_person(request.user, person),
        "can_add_affiliation": policies.may_add_affiliation(request.user, person),
        "show_personal": policies.may_view_personal(request.user, person),
        "log": describe(log_for_object(request.user, person)[:20]),
        "sections": hooks.person_sections(request, person),
    }
    return render_page(request, "people/person_detail.html", context)


def _form(request, context, *forms_):
    """Render the shared form page; 400 when any form has errors."""
    status = 400 if any(f.errors for f in forms_ if f is not None) else 200
    return render_page(request, "form_page.html", context, status=status)


def _changeable_person(user, pk):
    """A person whose details, membership and cell ``user`` may change (else 404)."""
    person = selectors.person_get(user, pk)
    if not policies.may_change_person(user, person):
        raise Http404
    return person


def _back_to(person):
    return {"back_url": reverse("person-detail", args=[person.pk]), "back_label": person.full_name}


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request, unit_pk):
    unit = unit_get(request.user, unit_pk, Action.CHANGE)
    initial = {"since": today(), "kind": "cell" if unit.is_cell else "employment"}
    form = NewPersonForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        membership = None
        if data["is_member"]:
            membership = {
                k: data[k] for k in ("admitted_on", "official_on", "card_number", "occupation")
            }
        try:
            person = services.person_enrol(
                unit=unit,
                kind=data["kind"],
                valid_from=data["since"],
                person_fields={k: data[k] for k in PERSON_FIELDS},
                membership=membership,
                title=data["title"],
                state_category=data["state_category"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s added.") % {"name": person.full_name})
            return redirect("person-detail", pk=person.pk)
    context = {
        "form": form,
        "title": _("Add a person to %(unit)s") % {"unit": unit},
        "back_url": reverse("unit-detail", args=[unit.pk]),
        "back_label": unit.name,
    }
    return _form(request, context, form)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    person = _changeable_person(request.user, pk)
    initial = {name: getattr(person, name) for name in PERSON_FIELDS}
    form = PersonForm(request.POST or None, user=request.user, initial=initial)
    member = getattr(person, "membership", None)
    member_form = None
    if member is not None:
        member_initial = {
            "admitted_on": member.admitted_on,
            "official_on": member.official_on,
            "card_number": member.card_number,
            "occupation": member.occupation,
        }
        member_form = MembershipForm(request.POST or None, initial=member_initial, prefix="m")
    valid = form.is_valid() & (member_form is None or member_form.is_valid())
    if request.method == "POST" and valid:
        try:
            with transaction.atomic():
                services.person_update(
                    person=person,
                    actor=request.user,
                    **{k: form.cleaned_data[k] for k in PERSON_FIELDS},
                )
                if member_form is not None:
                    services.member_update(
                        member=member, actor=request.user, **member_form.cleaned_data
                    )
        except ValidationError as error:
            person.refresh_from_db()
            add_service_errors(form if not member_form else member_form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("person-detail", pk=person.pk)
    context = {
        "form": form,
        "member_form": member_form,
        "title": _("Edit person"),
        **_back_to(person),
    }
    return _form(request, context, form, member_form)


def _person_action(request, pk, form_class, title, run, *, needs_user=False, person=None):
    person = person or _changeable_person(request.user, pk)
    kwargs = {"user": request.user} if needs_user else {}
    form = form_class(
        request.POST or None, initial={"effective": today(), "valid_from": today()}, **kwargs
    )
    if request.method == "POST" and form.is_valid():
        try:
            message = run(person, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect("person-detail", pk=person.pk)
    context = {"form": form, "title": title, "submit_label": _("Confirm"), **_back_to(person)}
    return _form(request, context, form)


@login_required
@require_http_methods(["GET", "POST"])
def person_status(request, pk):
    def run(person, data):
        member = services.membership_of(person)
        services.member_status_change(member=member, actor=request.user, **data)
        return _("Status changed.")

    return _person_action(request, pk, StatusForm, _("Change membership status"), run)


@login_required
@require_http_methods(["GET", "POST"])
def person_transfer(request, pk):
    def run(person, data):
        services.member_transfer(person=person, actor=request.user, **data)
        return _("Member transferred.")

    return _person_action(
        request, pk, TransferForm, _("Transfer to another cell"), run, needs_user=True
    )


@login_required
@require_http_methods(["GET", "POST"])
def affiliation_add(request, pk):
    def run(person, data):
        unit, kind, valid_from = data.pop("unit"), data.pop("kind"), data.pop("valid_from")
        services.affiliation_start(
            person=person, unit=unit, kind=kind, valid_from=valid_from, actor=request.user, **data
        )
        return _("Saved.")

    # A post or registration in a unit the user may change, for anyone linked to their
    # subtree (the form only offers those units; the service checks again).
    person = selectors.person_get(request.user, pk, Action.CHANGE)
    return _person_action(
        request,
        pk,
        AffiliationForm,
        _("Add a post or affiliation"),
        run,
        needs_user=True,
        person=person,
    )


@login_required
@require_http_methods(["GET", "POST"])
def affiliation_end(request, pk):
    affiliation = get_or_404(
        Affiliation.objects.select_related("person", "unit"), request.user, Action.CHANGE, pk=pk
    )
    if not policies.may_end_affiliation(request.user, affiliation):
        raise Http404
    form = EndAffiliationForm(request.POST or None, initial={"valid_to": today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.affiliation_end(
                affiliation=affiliation, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("person-detail", pk=affiliation.person_id)
    context = {
        "form": form,
        "title": _("End: %(what)s") % {"what": affiliation},
        "submit_label": _("Confirm"),
        **_back_to(affiliation.person),
    }
    return _form(request, context, form)


@login_required
@require_http_methods(["GET", "POST"])
def unit_merge(request, pk):
    def action(unit, data):
        target = restructure.units_merge(
            sources=[unit], target=data["target"], effective=data["effective"], actor=request.user
        )
        return target, _("Unit merged.")

    return unit_change_page(request, pk, UnitMergeForm, _("Merge unit into another"), action)


@login_required
@require_http_methods(["GET", "POST"])
def unit_close(request, pk):
    def action(unit, data):
        closed = restructure.unit_close(unit=unit, effective=data["effective"], actor=request.user)
        return closed, _("Unit dissolved.")

    return unit_change_page(request, pk, UnitCloseForm, _("Dissolve unit"), action)


@login_required
@require_http_methods(["GET", "POST"])
def unit_split(request, pk):
    """Split a unit: name the new units, give each sub-unit and each person to one of them."""
    unit = unit_get(request.user, pk, Action.CHANGE)
    try:
        parts = min(max(int(request.GET.get("parts", 2)), 2), 10)
    except ValueError:
        parts = 2
    children = unit.children.filter(valid_to__isnull=True).order_by("name_sort_key")
    people = selectors.unit_split_people(unit)
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
