from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    """Proposals, decisions with quotas and caps, notices, publication and complaints
    (docs/decisions.md)."""

    name = "kiemdiem.decisions"
    label = "decisions"
    verbose_name = _("Decisions")

    def ready(self):
        from kiemdiem.decisions import audit

        audit.register_actions()
