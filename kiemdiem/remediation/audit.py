"""Remediation's audit actions, registered in ``RemediationConfig.ready``."""

from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register
from kiemdiem.remediation.models import ActionStatus


def register_actions() -> None:
    register(
        "remediation.consolidation_built",
        _("List of organizations to consolidate built"),
        {
            "cycle": Field(_("Review cycle")),
            "added": Field(_("Organizations added")),
            "kept": Field(_("Already on the list")),
        },
    )
    action = {
        "unit": Field(_("Organization")),
        "text": Field(_("What to do")),
        "owner": Field(_("Responsible")),
        "due_date": Field(_("Due date")),
        "status": Field(_("Status"), choices=dict(ActionStatus.choices)),
        "result": Field(_("Result")),
    }
    register("remediation.action_added", _("Consolidation action added"), action)
    register("remediation.action_changed", _("Consolidation action changed"), action)
