from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Roll-ups of a cycle's results for any subtree, read from the subject summaries
    (``cycles.tallies``); the summary tables each level submits upward (docs/reports.md)."""

    name = "kiemdiem.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from kiemdiem.common import todos as todo_registry
        from kiemdiem.jobs.registry import register as register_job
        from kiemdiem.reports import audit, exporters, todos
        from kiemdiem.reports.jobs import fold_tallies

        audit.register_actions()
        exporters.register_exporters()
        register_job("fold_tallies", _("Fold the result summaries"), fold_tallies)
        todo_registry.register("reports.send", todos.reports_to_send, order=40)
