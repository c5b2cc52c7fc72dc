from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """The comparison of equivalent positions and the signals of formalism
    (docs/insights.md)."""

    name = "kiemdiem.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self):
        from django.db.models.signals import post_save

        from kiemdiem.common import todos as todo_registry
        from kiemdiem.decisions.models import Decision
        from kiemdiem.insights import audit, exporters, jobs, todos
        from kiemdiem.jobs import registry
        from kiemdiem.orgtree import hooks as tree_hooks

        audit.register_actions()
        exporters.register_exporters()
        registry.register(jobs.KIND, jobs.LABEL, jobs.run)
        # Recorded decisions queue their cycle's signals, once per transaction and cycle.
        post_save.connect(jobs.decision_saved, sender=Decision, dispatch_uid="insights.signals")
        # A unit moved to another parent: the cycles' signals are computed again on the new tree.
        tree_hooks.register_move_hook(jobs.unit_moved)
        # A province organization board's staff see the signals first on their start page.
        todo_registry.register("insights.signals", todos.signals_link, order=0)
