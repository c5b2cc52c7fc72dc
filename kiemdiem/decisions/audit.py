"""Decisions' audit actions, registered in ``DecisionsConfig.ready``."""

from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register
from kiemdiem.cycles.audit import REASON, tier_text


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
