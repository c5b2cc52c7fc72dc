"""Decisions' audit actions, registered in ``DecisionsConfig.ready``."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kiemdiem.audit.registry import Field, register
from kiemdiem.cycles.audit import REASON, tier_text
from kiemdiem.decisions.models import Audience, ComplaintStatus


def register_actions() -> None:
    register(
        "decision.proposed",
        _("Tier proposed"),
        {
            "proposed_tier": Field(_("Proposed tier"), render=tier_text),
            "reason": REASON,
        },
    )
    decided = {
        "tier": Field(_("Tier"), render=tier_text),
        "reason": REASON,
        "override_reason": Field(_("Reason for the override")),
    }
    register("decision.decided", _("Tier decided"), decided)
    register("decision.redecided", _("Tier decided again"), decided)
    register(
        "decision.reopened",
        _("Decided rating re-opened"),
        {"reason": REASON, "source": Field(_("Because of"))},
    )
    register(
        "decision.overridden",
        _("Quota or cap overridden"),
        {
            "override_reason": Field(_("Reason for the override")),
            "overrides": Field(_("Rules overridden")),
        },
    )
    register(
        "decision.notified",
        _("Result notified"),
        {
            "tier": Field(_("Tier"), render=tier_text),
            "complaint_until": Field(_("Complaints until")),
            "told": Field(_("People told")),
        },
    )
    register(
        "publication.published",
        _("Results published"),
        {
            "title": Field(pgettext_lazy("publication", "Title")),
            "audience": Field(_("Audience"), choices=dict(Audience.choices)),
            "audience_unit": Field(_("Shown to")),
            "period": Field(_("Period")),
            "rows": Field(_("Rows")),
        },
    )
    register(
        "publication.withdrawn",
        _("Published results withdrawn"),
        {"title": Field(pgettext_lazy("publication", "Title")), "reason": REASON},
    )
    register(
        "complaint.filed",
        _("Complaint filed"),
        {
            "text": Field(_("Complaint")),
            "files": Field(_("Attachments"), many=True),
            "handled_at": Field(pgettext_lazy("complaint", "Decided by")),
        },
    )
    register(
        "complaint.handled",
        _("Complaint decided"),
        {
            "outcome": Field(_("Outcome"), choices=dict(ComplaintStatus.choices)),
            "tier": Field(_("Tier"), render=tier_text),
            "reason": REASON,
        },
    )
