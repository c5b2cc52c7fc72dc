from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    """The review meeting: agenda, attendance, votes and secret ballots, minutes
    (docs/meetings.md)."""

    name = "kiemdiem.meetings"
    label = "meetings"
    verbose_name = _("Review meetings")

    def ready(self):
        from kiemdiem.common import todos as todo_registry
        from kiemdiem.cycles import votes
        from kiemdiem.meetings import audit, exporters, selectors, todos

        audit.register_actions()
        exporters.register_exporters()
        votes.register_source("meetings.vote", selectors.voted_tiers)
        todo_registry.register("meetings.attend", todos.at_the_meeting, order=5)
        todo_registry.register("meetings.cell", todos.cell_meeting, order=28)
