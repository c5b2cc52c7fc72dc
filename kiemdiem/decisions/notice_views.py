"""Pages of notification, publication and complaints (docs/notices-publication-complaints.md).

* A unit's results in a cycle (``decision-results``): the deciding level sends the notices
  ("Gửi thông báo kết quả"), publishes the decided list and withdraws publications.
* "Kết quả xếp loại được công khai" (``published-list``, ``published-detail``): what is
  published to the signed-in user, on a phone-friendly page.
* A subject's result (``decision-result``): the tier, the reason, the complaint window, the
  complaints filed and their outcomes; the subject files a complaint there.
* The complaints queue of the level that decides them (``complaint-queue``,
  ``complaint-detail``), and a complaint's files, downloaded only through the policy.

Missing and forbidden look the same (404) wherever the object is outside what the user sees.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404
from kiemdiem.common.dates import today
from kiemdiem.common.forms import add_service_errors
from kiemdiem.common.views import paginate, render_page
from kiemdiem.cycles.models import ReviewCycle, SubjectKind, TierChoice
from kiemdiem.cycles.policies import subjects_to_rate
from kiemdiem.decisions import complaints, notices, policies, publications
from kiemdiem.decisions.models import Complaint, ComplaintStatus, Decision
from kiemdiem.decisions.notice_forms import ComplaintForm, HandleForm, PublishForm, WithdrawForm
from kiemdiem.orgtree.models import Unit
from kiemdiem.people.models import Affiliation

KIND_LABELS = dict(SubjectKind.choices)
TIER_LABELS = dict(TierChoice.choices)


def _cycle_unit(user, pk, unit_pk) -> tuple[ReviewCycle, Unit]:
    cycle = get_or_404(ReviewCycle.objects.select_related("root"), user, Action.VIEW, pk=pk)
    unit = get_or_404(Unit.objects.all(), user, Action.VIEW, pk=unit_pk)
    return cycle, unit


def _audience_units(unit: Unit):
    """The units a list may be shown to: the unit and its line below (active)."""
    return Unit.objects.filter(path__startswith=unit.path, valid_to__isnull=True).order_by("path")


def _decides_in(user, cycle, unit) -> bool:
    """Whether ``user`` decides some subject of ``unit``'s subtree in ``cycle``."""
    return subjects_to_rate(user).filter(cycle=cycle, unit__path__startswith=unit.path).exists()


@login_required
@require_http_methods(["GET", "POST"])
def decision_results(request, pk, unit_pk):
    """The unit's results: notify, publish, the publications and their withdrawal."""
    cycle, unit = _cycle_unit(request.user, pk, unit_pk)
    may_publish = policies.may_publish(request.user, unit)
    waiting = notices.notifiable(cycle=cycle, unit=unit, actor=request.user).count()
    decides = _decides_in(request.user, cycle, unit)
    if not may_publish and not decides:
        raise PermissionDenied
    units = _audience_units(unit) if may_publish else Unit.objects.none()
    day = today()
    form = PublishForm(
        request.POST if request.method == "POST" else None,
        units=units,
        initial={
            "audience_unit": unit.pk,
            "audience": "subtree",
            "starts_on": day,
            "ends_on": day.replace(day=min(day.day, 28)).replace(
                month=day.month % 12 + 1, year=day.year + (day.month == 12)
            ),
        },
    )
    if request.method == "POST":
        if not may_publish:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                publication = publications.publish(
                    cycle=cycle,
                    unit=unit,
                    audience=data["audience"],
                    audience_unit=units.get(pk=data["audience_unit"]),
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    title=data["title"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Published: %(title)s (%(count)s rows).")
                    % {"title": publication.title, "count": publication.row_count},
                )
                return redirect("decision-results", pk=cycle.pk, unit_pk=unit.pk)
    pubs = publications.manageable(request.user).filter(cycle=cycle, unit=unit)
    context = {
        "cycle": cycle,
        "unit": unit,
        "waiting": waiting,
        "decides": decides,
        "may_publish": may_publish,
        "decided": publications.listed(cycle, unit).count(),
        "not_notified": publications.not_notified(cycle, unit).count() if may_publish else 0,
        "form": form,
        "publications": pubs,
        "withdraw_form": WithdrawForm(),
        "days": notices.complaint_days(),
    }
    return render_page(request, "decisions/results.html", context)


@login_required
@require_POST
def decision_notify(request, pk, unit_pk):
    """ "Gửi thông báo kết quả": tell every decided subject there the actor decides."""
    cycle, unit = _cycle_unit(request.user, pk, unit_pk)
    if not _decides_in(request.user, cycle, unit):
        raise PermissionDenied
    if not notices.notifiable(cycle=cycle, unit=unit, actor=request.user).exists():
        messages.info(request, _("Every decided result here has already been notified."))
        return redirect("decision-results", pk=cycle.pk, unit_pk=unit.pk)
    done = notices.notify_scope(
        cycle=cycle, unit=unit, actor=request.user, base_url=request.build_absolute_uri("/")
    )
    messages.success(
        request,
        _("Results notified: %(subjects)s subjects; %(notices)s notices, %(emails)s e-mails.")
        % {"subjects": done.subjects, "notices": done.notices, "emails": done.emails},
    )
    return redirect("decision-results", pk=cycle.pk, unit_pk=unit.pk)


@login_required
@require_POST
def publication_withdraw(request, pk):
    publication = get_object_or_404(publications.manageable(request.user), pk=pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the reason for withdrawing."))
    else:
        try:
            publications.withdraw(
                publication=publication, reason=form.cleaned_data["reason"], actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Withdrawn: %(title)s.") % {"title": publication.title})
    return redirect("decision-results", pk=publication.cycle_id, unit_pk=publication.unit_id)


def _rows(page) -> list[dict]:
    return [
        {
            "name": row.name,
            "kind": row.kind,
            "unit": row.unit,
            "tier": row.tier,
            "kind_label": KIND_LABELS.get(row.kind, row.kind),
            "tier_label": TIER_LABELS.get(row.tier, row.tier),
        }
        for row in page
    ]


@login_required
def published_list(request):
    """ "Kết quả xếp loại được công khai": what is published to me now."""
    items = list(publications.published_to(request.user))
    return render_page(
        request,
        "decisions/published_list.html",
        {"items": items, "mine": _my_results(request.user)},
    )


def _my_results(user) -> list[Decision]:
    """The user's own notified results (and those of the units they head), newest first:
    where they read the reason and complain."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return []
    headed = Affiliation.objects.current().heads().filter(person_id=person_id).values("unit_id")
    return list(
        Decision.objects.filter(complaint_until__isnull=False)
        .filter(
            Q(subject__person_id=person_id)
            | Q(subject__person__isnull=True, subject__unit_id__in=headed)
        )
        .select_related("subject__cycle", "subject__unit")
        .order_by("-subject__cycle__year", "-pk")[:20]
    )


@login_required
def published_detail(request, pk):
    visible = publications.published_to(request.user) | publications.manageable(request.user)
    publication = get_object_or_404(visible.distinct(), pk=pk)
    search = request.GET.get("q", "").strip()[:100]
    # A province's list may hold 180 000 rows: one page of them at a time, in published order.
    page = paginate(request, publications.rows_of(publication, search), publications.PAGE)
    return render_page(
        request,
        "decisions/published_detail.html",
        {"publication": publication, "rows": _rows(page), "page": page, "search": search},
        partial="rows",
    )


# --- A subject's result and complaints ---------------------------------------------------


def _decision(user, pk) -> Decision:
    decision = get_object_or_404(
        Decision.objects.select_related("subject__person", "subject__unit", "subject__cycle"),
        pk=pk,
    )
    subject = decision.subject
    if not (
        policies.is_complainant(user, subject)
        or policies.DecisionPolicy(user, subject).may_decide
        or complaints.queue(user, open_only=False).filter(decision=decision).exists()
    ):
        raise Http404
    return decision


@login_required
@require_http_methods(["GET", "POST"])
def decision_result(request, pk):
    decision = _decision(request.user, pk)
    subject = decision.subject
    may_file = policies.may_file_complaint(request.user, subject)
    refusal = complaints.window_refusal(decision, today())
    if not refusal and decision.complaints.filter(status=ComplaintStatus.FILED).exists():
        refusal = _("Your complaint is waiting to be decided; you will be told the outcome.")
    form = ComplaintForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not may_file:
            raise PermissionDenied
        if form.is_valid():
            try:
                complaints.file_complaint(
                    decision=decision,
                    text=form.cleaned_data["text"],
                    files=form.cleaned_data["files"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Your complaint has been filed; it goes to %(level)s.")
                    % {"level": complaints.complaint_level(subject).name},
                )
                return redirect("decision-result", pk=decision.pk)
    context = {
        "decision": decision,
        "subject": subject,
        "label": notices.subject_label(subject),
        "tier_label": notices.tier_label(decision.tier) if decision.tier else "",
        "complaints": decision.complaints.select_related("handled_at_unit").prefetch_related(
            "files"
        ),
        "may_file": may_file,
        "refusal": refusal,
        "form": form,
        "level": complaints.complaint_level(subject),
    }
    return render_page(request, "decisions/result.html", context)


@login_required
def complaint_queue(request):
    show_all = request.GET.get("all") == "1"
    items = complaints.queue(request.user, open_only=not show_all)[:500]
    mine = complaints.mine(request.user)[:50]
    return render_page(
        request,
        "decisions/complaint_queue.html",
        {"items": items, "mine": mine, "show_all": show_all},
    )


def _complaint(user, pk) -> Complaint:
    complaint = get_object_or_404(
        Complaint.objects.select_related(
            "decision__subject__person",
            "decision__subject__unit",
            "decision__subject__cycle",
            "handled_at_unit",
        ),
        pk=pk,
    )
    if not policies.may_view_complaint(user, complaint):
        raise Http404
    return complaint


@login_required
@require_http_methods(["GET", "POST"])
def complaint_detail(request, pk):
    complaint = _complaint(request.user, pk)
    may_handle = policies.may_handle_complaint(request.user, complaint)
    form = HandleForm(request.POST or None, initial={"revision": complaint.decision.revision})
    if request.method == "POST":
        if not may_handle:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaints.handle_complaint(
                    complaint=complaint,
                    outcome=data["outcome"],
                    new_tier=data["new_tier"],
                    reason=data["outcome_reason"],
                    actor=request.user,
                    revision=data["revision"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The complaint has been decided and the subject told."))
                return redirect("complaint-detail", pk=complaint.pk)
    decision = complaint.decision
    context = {
        "complaint": complaint,
        "decision": decision,
        "label": notices.subject_label(decision.subject),
        "tier_label": notices.tier_label(decision.tier),
        "events": decision.events.all(),
        "may_handle": may_handle,
        "form": form,
    }
    return render_page(request, "decisions/complaint_detail.html", context)


@login_required
def complaint_file(request, pk, file_pk):
    complaint = _complaint(request.user, pk)
    return get_object_or_404(complaint.files.all(), pk=file_pk).download()
