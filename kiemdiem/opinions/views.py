"""Opinions' pages: a subject's opinions file (requests, answers, peer comments under the
threshold rule, the chi ủy's comment and the conclusion), the request forms (one subject, a
whole cell), the inbox and answer page of those asked, and the peer comment pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404
from kiemdiem.common.forms import add_service_errors
from kiemdiem.common.views import render_page
from kiemdiem.cycles.models import ReviewCycle, Subject
from kiemdiem.opinions import policies, selectors, services
from kiemdiem.opinions.forms import (
    AnswerForm,
    CellRequestForm,
    NoteForm,
    PeerCommentForm,
    RequestForm,
)
from kiemdiem.opinions.models import Source
from kiemdiem.orgtree.selectors import unit_get
from kiemdiem.people.models import Person
from kiemdiem.reviews import notes
from kiemdiem.reviews.models import NoteKind
from kiemdiem.reviews.policies import may_write_note


def _subject(user, pk) -> Subject:
    return get_or_404(
        Subject.objects.select_related("cycle", "unit", "person"), user, Action.VIEW, pk=pk
    )


def _people_near(subject: Subject):
    """Whom a named-person request may go to: the people of the subject's unit and the unit
    above (a short list; anyone else is asked through the API)."""
    units = [subject.unit_id] + ([subject.unit.parent_id] if subject.unit.parent_id else [])
    return (
        Person.objects.filter(affiliations__unit_id__in=units, affiliations__valid_to__isnull=True)
        .exclude(pk=subject.person_id)
        .distinct()
        .order_by("sort_key", "pk")
    )


def _file_context(request, subject: Subject, *, form=None, note_forms=None) -> dict:
    user = request.user
    latest = notes.latest(subject)
    note_blocks = []
    for kind, label in NoteKind.choices:
        note = latest.get(kind)
        editable = may_write_note(user, subject, kind)
        bound = (note_forms or {}).get(kind)
        note_blocks.append(
            {
                "kind": kind,
                "label": label,
                "note": note,
                "history": list(notes.history(subject, kind))[1:] if note else [],
                "form": bound
                or (
                    NoteForm(initial={"revision": note.version if note else 0})
                    if editable
                    else None
                ),
            }
        )
    may_request = policies.may_request(user, subject) and subject.cycle.status == "open"
    return {
        "subject": subject,
        "rows": selectors.subject_file(user, subject),
        "may_request": may_request,
        "form": form or (RequestForm(people=_people_near(subject)) if may_request else None),
        "peer": selectors.peer_comments(user, subject),
        "missing": selectors.not_commented(user, subject),
        "notes": note_blocks,
        "window": services.peer_window(subject),
        "opinions_due": services.opinions_due(subject),
    }


@login_required
def subject_opinions(request, pk):
    subject = _subject(request.user, pk)
    return render_page(request, "opinions/subject.html", _file_context(request, subject))


@login_required
@require_POST
def request_add(request, pk):
    subject = _subject(request.user, pk)
    if not policies.may_request(request.user, subject):
        raise Http404
    form = RequestForm(request.POST, people=_people_near(subject))
    if form.is_valid():
        try:
            made, created = services.request_create(
                subject=subject,
                source=form.cleaned_data["source"],
                deadline=form.cleaned_data["deadline"],
                asked_person=form.person(),
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if created:
                messages.success(
                    request, _("Opinion requested from %(asked)s.") % {"asked": made.asked_name}
                )
            else:
                messages.info(
                    request,
                    _("%(asked)s was already asked; nothing new was made.")
                    % {"asked": made.asked_name},
                )
            return redirect("subject-opinions", subject.pk)
    context = _file_context(request, subject, form=form)
    return render_page(request, "opinions/subject.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def cell_requests(request, cycle_pk, unit_pk):
    cycle = get_or_404(ReviewCycle.objects.all(), request.user, Action.VIEW, pk=cycle_pk)
    unit = unit_get(request.user, unit_pk)
    if not policies.may_request_in(request.user, unit):
        raise Http404
    result = None
    form = CellRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.request_for_cell(
                    cycle=cycle, unit=unit, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
                status = 400
        else:
            status = 400
    context = {
        "cycle": cycle,
        "unit": unit,
        "form": form,
        "result": result,
        "subjects": Subject.objects.filter(cycle=cycle, unit=unit, person__isnull=False)
        .select_related("person")
        .order_by("person__sort_key", "pk"),
    }
    return render_page(request, "opinions/cell.html", context, status=status)


@login_required
def inbox(request):
    rows = selectors.inbox(request.user)
    return render_page(request, "opinions/inbox.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def answer(request, pk):
    asked = selectors.request_get(request.user, pk)
    if asked is None:
        raise Http404
    view = selectors.request_view(asked)
    may = policies.may_answer(request.user, asked) and asked.subject.cycle.status == "open"
    form = None
    status = 200
    if may:
        current = view.answer
        initial = {"revision": current.version if current else 0}
        if current:
            initial |= {
                "text": current.text,
                "state_tier": current.state_tier,
                "suggested_tier": current.suggested_tier,
                **{f"duty_{c}": r for c, r in (current.duties or {}).items()},
            }
        form = AnswerForm(request.POST or None, initial=initial, source=asked.source)
        if request.method == "POST":
            if form.is_valid():
                try:
                    services.answer(
                        request=asked,
                        actor=request.user,
                        text=form.cleaned_data["text"],
                        duties=form.duties(),
                        state_tier=form.cleaned_data.get("state_tier") or "",
                        suggested_tier=form.cleaned_data.get("suggested_tier") or "",
                        revision=form.cleaned_data["revision"],
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                    status = 400
                else:
                    messages.success(request, _("Your opinion was recorded."))
                    return redirect("opinion-answer", asked.pk)
            else:
                status = 400
    elif request.method == "POST":
        raise PermissionDenied
    context = {
        "view": view,
        "req": asked,
        "form": form,
        "residence": asked.source == Source.RESIDENCE_CELL,
    }
    return render_page(request, "opinions/answer.html", context, status=status)


@login_required
@require_POST
def note_write(request, pk, kind):
    subject = _subject(request.user, pk)
    if kind not in NoteKind.values or not may_write_note(request.user, subject, kind):
        raise Http404
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            notes.note_write(
                subject=subject,
                kind=kind,
                text=form.cleaned_data["text"],
                revision=form.cleaned_data["revision"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("subject-opinions", args=[subject.pk]) + f"#note-{kind}")
    context = _file_context(request, subject, note_forms={kind: form})
    return render_page(request, "opinions/subject.html", context, status=400)


# --- peer comments ----------------------------------------------------------------------------


@login_required
def peer_list(request):
    subjects = list(selectors.peer_subjects(request.user))
    for s in subjects:
        s.mine = selectors.own_comment(request.user, s) is not None
    return render_page(request, "opinions/peer_list.html", {"subjects": subjects})


@login_required
@require_http_methods(["GET", "POST"])
def peer_comment(request, pk):
    subject = selectors.peer_subjects(request.user).filter(pk=pk).first()
    if subject is None:
        raise Http404
    mine = selectors.own_comment(request.user, subject)
    form = PeerCommentForm(request.POST or None, initial={"text": mine.text if mine else ""})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.peer_comment_write(
                    subject=subject, actor=request.user, text=form.cleaned_data["text"]
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, getattr(error, "messages", None) or [str(error)])
                status = 400
            else:
                messages.success(request, _("Your comment was recorded."))
                return redirect("peer-comments")
        else:
            status = 400
    start, end = services.peer_window(subject)
    context = {"subject": subject, "form": form, "mine": mine, "start": start, "end": end}
    return render_page(request, "opinions/peer_comment.html", context, status=status)
