from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    """Proposals, decisions with quotas and caps, notices, publication and complaints
    (docs/decisions.md)."""

    name = "kiemdiem.decisions"
    label = "decisions"
    verbose_name = _("Decisions")

    def ready(self):
        from kiemdiem.decisions import exporters as document_exporters

        document_exporters.register_exporters()  # its files in the documents registry
        from kiemdiem.decisions import audit, findings
        from kiemdiem.register import hooks as register_hooks

        audit.register_actions()
        # A register entry for an already-decided year re-opens that rating (findings.py).
        register_hooks.on_entry_recorded(findings.entry_recorded)
