from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    """The register of discipline decisions, conclusions and findings: the source of the
    engine's adverse facts for a rated year (docs/register.md)."""

    name = "kiemdiem.register"
    label = "register"
    verbose_name = _("Register of discipline and conclusions")

    def ready(self):
        from kiemdiem.people.hooks import register_person_section
        from kiemdiem.register import audit, views

        audit.register_actions()
        register_person_section(views.person_section)
