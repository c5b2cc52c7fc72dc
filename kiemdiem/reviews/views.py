"""Web pages of self-reviews: write (autosaved), submit, amend, send back, print. The rating is
decided on the decisions app's page (``decision-subject``), linked from the review page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404, restrict
from kiemdiem.common import memo
from kiemdiem.common.views import render_page
from kiemdiem.cycles import policies as cycle_policies
from kiemdiem.cycles.models import CycleStatus, Subject, SubjectStatus, TierChoice
from kiemdiem.documents import heading
from kiemdiem.orgtree.selectors import breadcrumbs
from kiemdiem.people.policies import may_view_personal
from kiemdiem.reviews import (
    catalogue,
    engine,
    forms,
    hooks,
    notes,
    policies,
    services,
    shortcomings,
)
from kiemdiem.reviews.models import ReviewStatus, SelfReview
from kiemdiem.reviews.policies import ReviewPolicy

# Criterion levels as the guides name them (XS / T / TB / K).
LEVEL_CHOICES = [
    ("XS", gettext_lazy("Excellent (XS)")),
    ("T", gettext_lazy("Good (T)")),
    ("TB", gettext_lazy("Average (TB)")),
    ("K", gettext_lazy("Weak (K)")),
]

# Discipline forms for individuals (QĐ 69-QĐ/TW), as the engine names them.
DISCIPLINE_CHOICES = [
    ("NONE", gettext_lazy("No discipline")),
    ("KHIEN_TRACH", gettext_lazy("Reprimand (khiển trách)")),
    ("CANH_CAO", gettext_lazy("Warning (cảnh cáo)")),
    ("CACH_CHUC", gettext_lazy("Dismissal from post (cách chức)")),
    ("KHAI_TRU", gettext_lazy("Expulsion (khai trừ)")),
]


def _subject(user, pk) -> Subject:
    return get_or_404(
        Subject.objects.select_related("cycle", "unit", "person"), user, Action.VIEW, pk=pk
    )


def _messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def _context(request, subject: Subject, review: SelfReview | None, errors=()):
    user = request.user
    policy = ReviewPolicy(user, subject, review)
    writable = policy.offers_edit
    form = catalogue.forms()[review.form_key] if review else None
    collective = None
    if subject.person_id and subject.unit.group == "collective":
        collective = (
            restrict(SelfReview.objects.select_related("subject"), user)
            .filter(
                subject__cycle=subject.cycle,
                subject__unit=subject.unit,
                subject__person__isnull=True,
                version__gt=0,
            )
            .first()
        )
    linkable = []
    if review and not subject.person_id and policy.may_link:
        linkable = list(
            SelfReview.objects.filter(
                subject__cycle=subject.cycle,
                subject__unit=subject.unit,
                subject__person__isnull=False,
                status=ReviewStatus.SUBMITTED,
            ).select_related("subject__person")
        )
    collective_sections = []
    if collective is not None:
        collective_form = catalogue.forms()[collective.form_key]
        shown = collective.content
        if collective.status != ReviewStatus.SUBMITTED:  # being amended: the version in force
            shown = collective.versions.exclude(kind="returned").order_by("-number").first().content
        collective_sections = forms.section_views(collective_form, shown, [], editable=False)
    field_errors = services.unsaved_errors(review) if writable else {}
    return {
        "subject": subject,
        "cycle": subject.cycle,
        "review": review,
        "form": form,
        "facts": hooks.review_facts(subject),
        "sections": forms.section_views(
            form,
            shortcomings.content_for_page(review),
            engine.inputs_of(subject) or [],
            writable,
            unsaved=review.unsaved if writable else None,
            errors=field_errors,
        )
        if review
        else [],
        "field_errors": field_errors,
        "result": services.live_result(review, codes=policy.shows_rule_codes) if review else {},
        "writable": writable,
        "may_start": policy.offers_start,
        "may_amend": policy.offers_amend,
        "may_return": policy.offers_return,
        # The rating is decided on the decisions page (decisions sits above reviews): the same
        # predicate as ``DecisionPolicy.may_decide`` (``cycles.policies.may_rate``).
        "may_decide": policy.may_rate,
        "collective": collective,
        "collective_sections": collective_sections,
        "level_choices": LEVEL_CHOICES,
        "discipline_choices": DISCIPLINE_CHOICES,
        "collective_pending": services.collective_pending(subject) if writable else None,
        "linkable": linkable,
        "linked": set(review.linked_reviews.values_list("pk", flat=True)) if review else set(),
        "suggestions": subject.suggestions.select_related("raised_by"),
        "may_suggest": policy.offers_suggest,
        "versions": review.versions.select_related("created_by") if review else [],
        "tiers": TierChoice.choices,
        "errors": errors,
        "register": engine.register_shown(subject, user) if review else None,
    }


def _act(request, subject: Subject, write, success: str = ""):
    """Run one service write for the page: its refusal becomes the page's error messages."""
    try:
        write()
        if success:
            messages.success(request, success)
    except ValidationError as error:
        for text in _messages_of(error):
            messages.error(request, text)
    return redirect("review-edit", subject.pk)


@login_required
def review_mine(request):
    """The reviews the signed-in person writes: their own, and the reports of units they head."""
    rows = (
        policies.subjects_written_by(request.user)
        .filter(cycle__status=CycleStatus.OPEN)
        .select_related("cycle", "unit", "person", "review")
        .order_by("-cycle__year", "cycle__code", "kind")
        .distinct()
    )
    return render_page(
        request, "reviews/mine.html", {"rows": rows, "to_rate": _to_rate(request.user)}
    )


def _to_rate(user):
    """For an agency head: the staff's state-track self-assessments waiting for their rating."""
    return (
        cycle_policies.rated_as_agency_head(user)
        .filter(status=SubjectStatus.PENDING, cycle__status=CycleStatus.OPEN)
        .select_related("cycle", "unit", "person", "review")
        .order_by("cycle__code", "unit__name_sort_key", "person__sort_key")
    )


@login_required
def review_edit(request, subject_pk):
    subject = _subject(request.user, subject_pk)
    review = SelfReview.objects.filter(subject=subject).first()
    return render_page(request, "reviews/review.html", _context(request, subject, review))


@login_required
@require_POST
def review_start(request, subject_pk):
    subject = _subject(request.user, subject_pk)
    if not ReviewPolicy(request.user, subject).may_write:
        raise Http404
    return _act(
        request, subject, lambda: services.review_start(subject=subject, actor=request.user)
    )


def _writable_review(request, subject_pk) -> tuple[Subject, SelfReview]:
    """The subject and its review, for a write: the policy's ``may_write`` decides (the writer,
    or staff of the subject's unit — both see the subject, so the door's read would only ask
    again); anything else is a 404, as the door answers. One query for the hot path of every
    autosave."""
    try:  # what the policy reads (the service reads the rest under its locks); get, not
        # first(): no ORDER BY to plan on every autosave
        subject = Subject.objects.select_related("unit", "review").get(pk=subject_pk)
    except Subject.DoesNotExist:
        raise Http404 from None
    review = getattr(subject, "review", None)
    if review is None or not ReviewPolicy(request.user, subject).may_write:
        raise Http404
    review.subject = subject
    return subject, review


@login_required
@require_POST
def review_save(request, subject_pk):
    """Save the draft: the page's autosave (htmx, answers with the rating panel and the marks
    beside the fields) and the Save and Submit buttons.

    A field that cannot be saved (a number out of range, text over the limit) does not stop the
    rest of the draft: it keeps its saved value, what was typed stays in it (and is kept in
    ``review.unsaved``, so a reload shows it again), its error is shown beside it and the panel
    says plainly what was not saved. Submitting with such a field is refused."""
    subject, review = _writable_review(request, subject_pk)
    form = catalogue.forms()[review.form_key]
    content = forms.content_from_post(form, request.POST)
    errors: list[str] = []
    marked_before = set(review.unsaved)
    tier = request.POST.get("proposed_tier", "")
    revision = request.POST.get("revision") or None
    submit = "submit" in request.POST
    try:
        review = services.review_save(
            review=review,
            content=content,
            proposed_tier=tier,
            actor=request.user,
            revision=revision,
            keep_valid=True,
        )
        if submit and not review.field_errors:
            review = services.review_submit(
                review=review, actor=request.user, revision=services.revision_of(review)
            )
            messages.success(request, _("Your review has been submitted."))
    except ValidationError as error:
        errors = _messages_of(error)
    field_errors = getattr(review, "field_errors", None)
    if field_errors is None:  # the save was refused as a whole: the marks stay as they were
        field_errors = services.unsaved_errors(review)
    if getattr(request, "htmx", None) and not submit:
        # The autosave answers with the tier panel only, built from what the panel shows, and
        # the marks beside the fields that changed (swapped out of band). It writes the draft's
        # fields only (``services.DRAFT_FIELDS``: never its state), which no memo shows.
        memo.keep(request)
        changed = sorted(n for n in marked_before | set(field_errors) if n != "proposed_tier")
        context = {
            "subject": subject,
            "review": review,
            "result": services.live_result(review, codes=policies.shows_rule_codes(request.user)),
            "writable": True,
            "tiers": TierChoice.choices,
            "errors": errors,
            "saved": not errors,
            "field_errors": field_errors,
            "marks": [(forms.error_id(name), field_errors.get(name, "")) for name in changed],
        }
        return render_page(request, "reviews/review.html", context, partial="panel")
    if field_errors and not errors:
        errors = [
            (_("Not submitted.") if submit else _("Not saved:"))
            + " "
            + " ".join(field_errors.values())
        ]
    if errors:
        for text in errors:
            messages.error(request, text)
    elif not submit:
        messages.success(request, _("Draft saved."))
    return redirect("review-edit", subject.pk)


@login_required
@require_POST
def review_amend(request, subject_pk):
    subject, review = _writable_review(request, subject_pk)
    return _act(
        request,
        subject,
        lambda: services.review_amend(
            review=review, reason=request.POST.get("reason", ""), actor=request.user
        ),
    )


@login_required
@require_POST
def review_return(request, subject_pk):
    subject = _subject(request.user, subject_pk)
    review = SelfReview.objects.filter(subject=subject).first()
    if review is None or not ReviewPolicy(request.user, subject).may_return:
        raise Http404
    return _act(
        request,
        subject,
        lambda: services.review_return(
            review=review, comment=request.POST.get("comment", ""), actor=request.user
        ),
        _("The review was sent back."),
    )


@login_required
@require_POST
def review_link(request, subject_pk):
    subject, review = _writable_review(request, subject_pk)
    ids = [v for v in request.POST.getlist("linked") if v.isdigit()]
    chosen = SelfReview.objects.filter(pk__in=ids).select_related("subject")
    try:
        services.review_link(review=review, members=list(chosen), actor=request.user)
        messages.success(request, _("Linked reviews saved."))
    except ValidationError as error:
        for text in _messages_of(error):
            messages.error(request, text)
    return redirect("review-edit", subject.pk)


@login_required
def review_print(request, subject_pk):
    """The review laid out like the official form, for the browser's print (one version)."""
    subject = _subject(request.user, subject_pk)
    review = SelfReview.objects.filter(subject=subject).first()
    if review is None:
        raise Http404
    content, tier, version = shortcomings.content_for_page(review), review.proposed_tier, None
    if request.GET.get("v"):
        if not request.GET["v"].isdigit():
            raise Http404
        version = review.versions.filter(pk=request.GET["v"]).first()
        if version is None:
            raise Http404
        content, tier = version.content, version.proposed_tier
    form = catalogue.forms()[review.form_key]
    dated = version.created_at if version else review.submitted_at
    chain = [*breadcrumbs(subject.unit), subject.unit]
    context = {
        "subject": subject,
        "review": review,
        "form": form,
        "version": version,
        "dated": dated,
        "state": subject.track == "state",
        # The header as the Word document has it (``documents.heading``): the number line of a
        # collective's report, the date line with the place, the signer of a collective.
        "head": heading.header(
            chain,
            kind=None if subject.person_id else "bao_cao",
            when=dated,
            state=subject.track == "state",
        ),
        "block_date": heading.date_line(None, heading.place_name(chain)),
        "signer": "" if subject.person_id else heading.on_behalf_of(subject.unit.kind),
        "sections": forms.section_views(
            form, content, engine.inputs_of(subject) or [], editable=False
        ),
        "proposed_tier": TierChoice(tier).label if tier else "",
        # The approving level's conclusion, once the competent level has decided.
        "decided_tier": TierChoice(subject.tier).label if subject.tier else "",
        "summaries_shown": any(
            item.is_summary
            for s in form.sections
            if s.type == "checklist"
            for group in catalogue.checklists()[s.list].groups
            for item in group.items
            if item.id in ((content.get(s.key) or {}).get("checked") or [])
        ),
        "suggestions": subject.suggestions.select_related("raised_by"),
        # The chi ủy's comment and the approving level's conclusion, newest version (notes.py).
        "notes": notes.latest(subject),
        # The paper form carries the date of birth; it is printed only for those who may see
        # the person's personal fields (the member, staff over one of their homes).
        "personal": subject.person_id is not None
        and may_view_personal(request.user, subject.person),
    }
    return render_page(request, "reviews/print.html", context)


@login_required
@require_POST
def suggestion_add(request, subject_pk):
    subject = _subject(request.user, subject_pk)
    if not ReviewPolicy(request.user, subject).may_change:
        raise Http404
    return _act(
        request,
        subject,
        lambda: services.suggestion_add(
            subject=subject, text=request.POST.get("text", ""), actor=request.user
        ),
        _("The suggestion was sent to the writer."),
    )
