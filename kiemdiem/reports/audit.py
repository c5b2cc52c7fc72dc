"""Reports' audit actions, registered in ``ReportsConfig.ready``."""

from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register


def register_actions() -> None:
    fields = {
        "cycle": Field(_("Review cycle")),
        "unit": Field(_("Unit")),
        "figures": Field(_("Figures")),
        "note": Field(_("Note")),
    }
    register("reports.submitted", _("Summary report submitted"), fields)
    register(
        "reports.withdrawn",
        _("Summary report withdrawn"),
        {**fields, "reason": Field(_("Reason"))},
    )
