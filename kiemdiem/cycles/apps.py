from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CyclesConfig(AppConfig):
    name = "kiemdiem.cycles"
    label = "cycles"
    verbose_name = _("Review cycles")

    def ready(self):
        from kiemdiem.common import todos as todo_registry
        from kiemdiem.cycles import audit, todos

        audit.register_actions()
        # Stages past due in the staff's subtree lead their start page (common.todos).
        todo_registry.register("cycles.overdue", todos.overdue_stages, order=30)
