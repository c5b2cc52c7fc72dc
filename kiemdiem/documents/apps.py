from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "kiemdiem.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self):
        from kiemdiem.documents import audit, services

        audit.register_actions()
        services.register_kind()
