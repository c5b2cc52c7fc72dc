from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CyclesConfig(AppConfig):
    name = "kiemdiem.cycles"
    label = "cycles"
    verbose_name = _("Review cycles")

    def ready(self):
        from kiemdiem.common import todos as todo_registry
        from kiemdiem.cycles import audit, tallies, todos
        from kiemdiem.orgtree import hooks as tree_hooks

        audit.register_actions()
        # A unit moved to another parent takes its summary figures with it (docs/reports.md).
        tree_hooks.register_move_hook(tallies.unit_moved)
        # Stages past due in the staff's subtree lead their start page (common.todos).
        todo_registry.register("cycles.overdue", todos.overdue_stages, order=30)
