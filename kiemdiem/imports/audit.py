"""Imports' audit action, registered in ``ImportsConfig.ready``."""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register
from kiemdiem.imports.models import ImportKind


def register_actions() -> None:
    register(
        "import.committed",
        _("File imported"),
        {
            "kind": Field(_("Kind"), choices=dict(ImportKind.choices)),
            "file": Field(_("File")),
            "rows": Field(_("Rows")),
            "created": Field(capfirst(_("created"))),
            "updated": Field(capfirst(_("updated"))),
            "unchanged": Field(capfirst(_("unchanged"))),
        },
    )
