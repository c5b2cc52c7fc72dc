from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "kiemdiem.reviews"
    verbose_name = _("Self-reviews")

    def ready(self):
        from kiemdiem.reviews import audit

        audit.register_actions()
