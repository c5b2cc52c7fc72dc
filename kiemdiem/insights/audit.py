"""The insights app's audit actions, registered in ``InsightsConfig.ready``."""

from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register


def register_actions() -> None:
    register(
        "insights.signals_computed",
        _("Signals of formalism computed"),
        {
            "cycle": Field(_("Review cycle")),
            "subjects": Field(_("Subjects read")),
            "signals": Field(_("Signals found")),
        },
    )
