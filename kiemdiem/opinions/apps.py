from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    """Opinions from every side (residence cell, superior committee, inspection commission,
    employing agency, previous cell, named people) and peer comments (docs/opinions.md)."""

    name = "kiemdiem.opinions"
    label = "opinions"
    verbose_name = _("Opinions")

    def ready(self):
        from kiemdiem.common import todos as todo_registry
        from kiemdiem.opinions import audit, reminders, selectors, todos
        from kiemdiem.reviews import hooks

        audit.register_actions()
        reminders.register()
        hooks.register_review_facts(selectors.review_facts)
        todo_registry.register("opinions.asked", todos.asked_of_me, order=30)
        todo_registry.register("opinions.peer_comments", todos.peer_comments_to_write, order=35)
