"""Opinions' audit actions, registered in ``OpinionsConfig.ready``.

A peer comment's entry names the subject, never the comment, and masks its text and author:
the entry is written with no actor (docs/opinions.md, "Who can tell who wrote what").
"""

from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register
from kiemdiem.cycles.audit import tier_text
from kiemdiem.opinions.models import Source


def register_actions() -> None:
    register(
        "opinion.requested",
        _("Opinion requested"),
        {
            "source": Field(_("Asked of"), choices=dict(Source.choices)),
            "asked": Field(_("Asked")),
            "deadline": Field(_("Answer by")),
        },
    )
    register(
        "opinion.request_skipped",
        _("Opinion not requested (exempt or not applicable)"),
        {
            "source": Field(_("Asked of"), choices=dict(Source.choices)),
            "reason": Field(_("Reason")),
        },
    )
    register(
        "opinion.answered",
        _("Opinion answered"),
        {
            "source": Field(_("Asked of"), choices=dict(Source.choices)),
            "version": Field(_("Version")),
            "duties": Field(_("Duties")),
            "state_tier": Field(_("State tier"), render=tier_text),
            "suggested_tier": Field(_("Suggested tier"), render=tier_text),
            "text": Field(_("Opinion")),
        },
    )
    register(
        "opinion.reminded",
        _("Reminder about an opinion sent"),
        {"told": Field(_("People told"))},
    )
    register(
        "peer_comment.written",
        _("Peer comment written"),
        {
            "text": Field(_("Comment"), masked=True),
            "author": Field(_("Author"), masked=True),
        },
    )
