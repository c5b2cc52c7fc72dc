from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemediationConfig(AppConfig):
    """Remedy plans for shortcomings, organizations to consolidate, members to help, and the
    lists the regulations name (docs/remediation.md)."""

    name = "kiemdiem.remediation"
    label = "remediation"
    verbose_name = _("Remediation")

    def ready(self):
        from kiemdiem.remediation import audit

        audit.register_actions()
