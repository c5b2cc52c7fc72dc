from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgtreeConfig(AppConfig):
    name = "kiemdiem.orgtree"
    label = "orgtree"
    verbose_name = _("Organization tree")

    def ready(self):
        from kiemdiem.orgtree import audit

        audit.register_actions()
