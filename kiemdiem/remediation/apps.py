from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemediationConfig(AppConfig):
    """Remedy plans for shortcomings, organizations to consolidate, members to help, and the
    lists the regulations name (docs/decisions.md, "Remediation")."""

    name = "kiemdiem.remediation"
    label = "remediation"
    verbose_name = _("Remediation")
