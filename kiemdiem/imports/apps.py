from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "kiemdiem.imports"
    label = "imports"
    verbose_name = _("Imports and exports")

    def ready(self):
        from kiemdiem.imports import exporters as document_exporters

        document_exporters.register_exporters()  # its files in the documents registry
        from kiemdiem.imports import audit, tasks

        audit.register_actions()
        tasks.register()  # checking and importing a file are background job kinds
