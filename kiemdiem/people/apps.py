from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "kiemdiem.people"
    label = "people"
    verbose_name = _("People")

    def ready(self):
        # The unit page (orgtree's, below people) shows the unit's people.
        from kiemdiem.orgtree.pages import add_unit_page_part
        from kiemdiem.people.selectors import unit_page_people

        add_unit_page_part(unit_page_people)

        from kiemdiem.people import audit

        audit.register_actions()
