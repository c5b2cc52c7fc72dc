"""Self-reviews' audit actions and the "review" reference, registered in
``ReviewsConfig.ready``."""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register, register_reference
from kiemdiem.cycles.audit import tier_text
from kiemdiem.reviews.models import (
    SelfReview,
    Shortcoming,
    ShortcomingSource,
    ShortcomingStatus,
    Suggestion,
)


def _verbose(model, name: str):
    return capfirst(model._meta.get_field(name).verbose_name)


def review_names(ids: set[int]) -> dict[int, str]:
    """A review by its writer: the person, or the subject (a unit's report)."""
    reviews = SelfReview.objects.filter(pk__in=ids).select_related("subject__person")
    return {
        r.pk: r.subject.person.full_name if r.subject.person_id else str(r.subject) for r in reviews
    }


def register_actions() -> None:

    register_reference("review", review_names)
    register(
        "review.started",
        _("Self-review started"),
        {"form": Field(_verbose(SelfReview, "form_key"))},
    )
    register(
        "review.submitted",
        _("Self-review submitted"),
        {
            "version": Field(_verbose(SelfReview, "version")),
            "proposed_tier": Field(_verbose(SelfReview, "proposed_tier"), render=tier_text),
            "note": Field(capfirst(_("note"))),
            "found": Field(_("Shortcomings found")),
            "reported": Field(_("Earlier shortcomings reported on")),
            "remedied": Field(_("Of which remedied")),
        },
    )
    register(
        "review.amendment_started",
        _("Self-review amendment started"),
        {"reason": Field(_("Reason or decision"))},
    )
    register(
        "review.returned",
        _("Self-review sent back"),
        {"comment": Field(_verbose(SelfReview, "return_comment"))},
    )
    register(
        "review.linked",
        _("Members' reviews linked to the collective's report"),
        {"reviews": Field(_("Linked reviews"), ref="review", many=True)},
    )
    register(
        "review.suggestion_added",
        _("Review content suggested"),
        {
            "text": Field(_verbose(Suggestion, "text")),
            "raised_by": Field(_verbose(Suggestion, "raised_by")),
        },
    )
    register(
        "review.shortcoming_planned",
        _("Plan to remedy a shortcoming set"),
        {
            "shortcoming": Field(_verbose(Shortcoming, "text")),
            "remedy_plan": Field(_verbose(Shortcoming, "remedy_plan")),
            "owner": Field(_verbose(Shortcoming, "owner")),
            "due_date": Field(_verbose(Shortcoming, "due_date")),
        },
    )
    register(
        "review.shortcoming_status",
        _("Remedy of a shortcoming recorded"),
        {
            "shortcoming": Field(_verbose(Shortcoming, "text")),
            "from": Field(_("Before"), choices=dict(ShortcomingStatus.choices)),
            "to": Field(_verbose(Shortcoming, "status"), choices=dict(ShortcomingStatus.choices)),
            "note": Field(_verbose(Shortcoming, "remedy_report")),
        },
    )
    register(
        "review.shortcoming_named",
        _("Shortcoming named by a meeting or a decision"),
        {
            "shortcoming": Field(_verbose(Shortcoming, "text")),
            "source": Field(
                _verbose(Shortcoming, "source"), choices=dict(ShortcomingSource.choices)
            ),
            "source_ref": Field(_("Reference")),
            "owner": Field(_verbose(Shortcoming, "owner")),
            "due_date": Field(_verbose(Shortcoming, "due_date")),
        },
    )
    from kiemdiem.reviews.models import NoteKind

    register(
        "review.note_written",
        _("Comment or conclusion on a self-review written"),
        {
            "kind": Field(_("Kind"), choices=dict(NoteKind.choices)),
            "version": Field(_("Version")),
            "text": Field(_("Text")),
        },
    )
