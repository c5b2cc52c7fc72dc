"""Documents' audit actions, registered in ``DocumentsConfig.ready``."""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register


class _ExporterLabels(Mapping):
    """An exporter's identifier → its label, read from the registry when the log is shown (the
    apps register their exporters after this action is registered)."""

    def _all(self):
        from kiemdiem.documents.registry import EXPORTERS

        return {code: e.label for code, e in EXPORTERS.items()}

    def __getitem__(self, key):
        return self._all()[key]

    def __iter__(self):
        return iter(self._all())

    def __len__(self):
        return len(self._all())


FORMATS = {"docx": "Word (.docx)", "pdf": "PDF", "xlsx": "Excel (.xlsx)", "csv": "CSV"}


def register_actions() -> None:
    fields = {
        "exporter": Field(_("Export"), choices=_ExporterLabels()),
        "format": Field(_("Format"), choices=FORMATS),
        "items": Field(_("Documents")),
    }
    register("document.batch_started", _("Export of documents started"), fields)
    register("document.exported", _("Documents exported"), fields)
