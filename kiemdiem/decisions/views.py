"""Web pages of decisions: a subject's decision (decide, decide again, re-open, carry over,
propose, its history), the advisory body's proposals page, and the decision screen's address.

Every write goes through ``decisions.services`` (or ``cycles.services.subject_carry_over``);
a refusal becomes the page's error messages.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404, restrict
from kiemdiem.common.views import htmx_partial, query_id, render_page
from kiemdiem.cycles import services as cycles
from kiemdiem.cycles.models import CycleStatus, ReviewCycle, Subject, SubjectStatus, TierChoice
from kiemdiem.cycles.selectors import cycle_list, prerequisites
from kiemdiem.decisions import selectors, services
from kiemdiem.decisions.models import DecisionState
from kiemdiem.decisions.policies import DecisionPolicy
from kiemdiem.orgtree.selectors import unit_get
from kiemdiem.people.selectors import person_get
from kiemdiem.reviews.models import SelfReview


def _subject(user, pk) -> Subject:
    return get_or_404(
        Subject.objects.select_related("cycle", "unit", "person"), user, Action.VIEW, pk=pk
    )


def _revision(request) -> int | None:
    value = request.POST.get("revision", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


@login_required
def subject_decision(request, subject_pk):
    """One subject's decision: the proposal, what it waits for, the forms the reader may use,
    and the history (who, when, state, tier, reason, override)."""
    subject = _subject(request.user, subject_pk)
    policy = DecisionPolicy(request.user, subject)
    decision = selectors.decision_of(subject)
    state = decision.state if decision else ""
    is_open = subject.cycle.status == CycleStatus.OPEN
    pending = subject.status == SubjectStatus.PENDING
    contested = state == DecisionState.CONTESTED
    may_decide = policy.may_decide
    context = {
        "subject": subject,
        "cycle": subject.cycle,
        "decision": decision,
        "revision": decision.revision if decision else 0,
        "history": selectors.history(subject),
        "review": SelfReview.objects.filter(subject=subject).first(),
        "waits_for": list(prerequisites(subject).select_related("person", "unit"))
        if may_decide and pending
        else [],
        "offers_decide": may_decide and ((pending and is_open) or contested),
        "offers_reopen": may_decide and bool(decision and decision.holds_tier),
        "offers_carry_over": may_decide and pending and is_open,
        "offers_propose": policy.may_propose and pending and is_open,
        "contested": contested,
        "tiers": TierChoice.choices,
    }
    # The review page loads the history alone (htmx): reviews sits below decisions.
    return render_page(request, "decisions/subject.html", context, partial="history")


def _write(request, subject: Subject, write, success: str):
    try:
        write()
        messages.success(request, success)
    except ValidationError as error:
        for text in _messages_of(error):
            messages.error(request, text)
    return redirect("decision-subject", subject.pk)


@login_required
@require_POST
def subject_decide(request, subject_pk):
    subject = _subject(request.user, subject_pk)
    if not DecisionPolicy(request.user, subject).may_decide:
        raise Http404
    return _write(
        request,
        subject,
        lambda: services.decide(
            subject=subject,
            tier=request.POST.get("tier", ""),
            reason=request.POST.get("reason", ""),
            actor=request.user,
            revision=_revision(request),
        ),
        _("The decision was recorded."),
    )


@login_required
@require_POST
def subject_reopen(request, subject_pk):
    subject = _subject(request.user, subject_pk)
    if not DecisionPolicy(request.user, subject).may_decide:
        raise Http404
    return _write(
        request,
        subject,
        lambda: services.reopen(
            subject=subject,
            reason=request.POST.get("reason", ""),
            actor=request.user,
            source="correction",
            revision=_revision(request),
        ),
        _("The rating was re-opened; decide it again with the reason."),
    )


@login_required
@require_POST
def subject_carry_over(request, subject_pk):
    subject = _subject(request.user, subject_pk)
    if not DecisionPolicy(request.user, subject).may_decide:
        raise Http404
    return _write(
        request,
        subject,
        lambda: cycles.subject_carry_over(
            subject=subject, reason=request.POST.get("reason", ""), actor=request.user
        ),
        _("The subject was carried over, undecided this cycle."),
    )


@login_required
@require_POST
def subject_propose(request, subject_pk):
    subject = _subject(request.user, subject_pk)
    if not DecisionPolicy(request.user, subject).may_propose:
        raise Http404
    return _write(
        request,
        subject,
        lambda: services.propose(
            subject=subject,
            tier=request.POST.get("tier", ""),
            reason=request.POST.get("reason", ""),
            actor=request.user,
            revision=_revision(request),
        ),
        _("The proposal was recorded."),
    )


@login_required
def person_tiers(request, person_pk):
    """The person's decided tiers, cycle by cycle, as far as the reader sees their subjects
    (the person's page loads it; the multi-year history with its lists is remediation's)."""
    person = person_get(request.user, person_pk)
    rows = restrict(selectors.decided_tiers(person), request.user, Action.VIEW)
    context = {"person": person, "rows": rows}
    if htmx_partial(request):
        return render(request, "decisions/person_tiers.html#tiers", context)
    return render_page(request, "decisions/person_tiers.html", context)


# --- the proposals page ----------------------------------------------------------------------


def _cycle(user, pk) -> ReviewCycle:
    cycle = cycle_list(user).filter(pk=pk).select_related("root").first()
    if cycle is None:
        raise Http404
    return cycle


@login_required
def proposals(request, cycle_pk):
    """The advisory body's page (§6 step 7): for each subject of the unit, the self-proposed
    tier, the engine's tier and why, the state tier, the meeting's vote (issue #13), and a
    proposal with its reason."""
    cycle = _cycle(request.user, cycle_pk)
    unit_id = query_id(request, "unit")
    if unit_id is None:
        raise Http404
    unit = unit_get(request.user, unit_id)
    rows = selectors.proposal_rows(request.user, cycle, unit)
    context = {
        "cycle": cycle,
        "unit": unit,
        "rows": rows,
        "tiers": TierChoice.choices,
        "any_proposable": any(r.may_propose for r in rows),
    }
    return render_page(request, "decisions/proposals.html", context)


@login_required
@require_POST
def proposal_row(request, cycle_pk, unit_pk, subject_pk):
    """The htmx form of one row: records the proposal and answers the row again (with the
    refusal, a stale page included, shown in the row)."""
    cycle = _cycle(request.user, cycle_pk)
    unit = unit_get(request.user, unit_pk)
    rows = selectors.proposal_rows(request.user, cycle, unit, only=subject_pk)
    if not rows or not DecisionPolicy(request.user, rows[0].subject).may_propose:
        raise Http404
    errors: list[str] = []
    try:
        services.propose(
            subject=rows[0].subject,
            tier=request.POST.get("tier", ""),
            reason=request.POST.get("reason", ""),
            actor=request.user,
            revision=_revision(request),
        )
    except ValidationError as error:
        errors = _messages_of(error)
    except PermissionDenied:
        raise Http404 from None
    (row,) = selectors.proposal_rows(request.user, cycle, unit, only=subject_pk)
    row.errors = errors
    context = {"cycle": cycle, "unit": unit, "row": row, "tiers": TierChoice.choices}
    if request.headers.get("HX-Request"):
        return render(request, "decisions/proposals.html#row", context)
    for text in errors:
        messages.error(request, text)
    if not errors:
        messages.success(request, _("The proposal was recorded."))
    return redirect(f"{reverse('decision-proposals', args=[cycle.pk])}?unit={unit.pk}")
