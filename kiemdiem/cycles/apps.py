from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CyclesConfig(AppConfig):
    name = "kiemdiem.cycles"
    label = "cycles"
    verbose_name = _("Review cycles")

    def ready(self):
        from kiemdiem.cycles import audit

        audit.register_actions()
