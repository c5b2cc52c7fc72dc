"""Documents' audit actions, registered in ``DocumentsConfig.ready``."""

from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register


def register_actions() -> None:
    fields = {
        "exporter": Field(_("Export")),
        "format": Field(_("Format")),
        "items": Field(_("Documents")),
    }
    register("document.batch_started", _("Export of documents started"), fields)
    register("document.exported", _("Documents exported"), fields)
