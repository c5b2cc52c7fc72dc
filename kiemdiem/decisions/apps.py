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
        from kiemdiem.common import todos as todo_registry
        from kiemdiem.cycles import hooks as cycle_hooks
        from kiemdiem.decisions import audit, closing, findings, todos
        from kiemdiem.register import hooks as register_hooks

        audit.register_actions()
        # A cycle does not close over a re-opened rating or a complaint waiting (closing.py).
        cycle_hooks.register_close_check(closing.close_blockers)
        # The decider's queue leads their start page (common.todos).
        todo_registry.register("decisions.queue", todos.decide_queue, order=10)
        # A register entry for an already-decided year re-opens that rating (findings.py).
        register_hooks.on_entry_recorded(findings.entry_recorded)
