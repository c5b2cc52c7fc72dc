from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    """The review meeting: agenda, attendance, votes and secret ballots, minutes
    (docs/meetings.md)."""

    name = "kiemdiem.meetings"
    label = "meetings"
    verbose_name = _("Review meetings")

    def ready(self):
        from kiemdiem.cycles import votes
        from kiemdiem.meetings import audit, selectors

        audit.register_actions()
        votes.register_source("meetings.vote", selectors.voted_tiers)
