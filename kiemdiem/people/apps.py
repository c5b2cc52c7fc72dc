from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "kiemdiem.people"
    label = "people"
    verbose_name = _("People")

    def ready(self):
        from kiemdiem.people import audit

        audit.register_actions()
