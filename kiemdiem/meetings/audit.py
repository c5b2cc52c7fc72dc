"""Meetings' audit actions, registered in ``MeetingsConfig.ready``.

"Ballot cast" names who voted (the actor, and ``voter`` when cast on the secretary's device) —
as the signed roll of a paper ballot does — and never the choice: there is no choice field to
write, and ``choice`` is declared masked so that a caller passing one by mistake writes "***"
(docs/meetings.md, "Secret ballot: threat model")."""

from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register
from kiemdiem.meetings.models import Presence, VoteMethod


def register_actions() -> None:
    meeting = {
        "cycle": Field(_("Review cycle")),
        "unit": Field(_("Organization")),
        "starts_at": Field(_("Date and time")),
        "place": Field(_("Place")),
        "chair": Field(_("Chair")),
        "secretary": Field(_("Meeting secretary")),
        "agenda": Field(_("Subjects on the agenda")),
        "roll": Field(_("Members on the roll")),
    }
    register("meetings.meeting_scheduled", _("Review meeting scheduled"), meeting)
    register(
        "meetings.meeting_opened", _("Review meeting opened"), {"unit": Field(_("Organization"))}
    )
    register(
        "meetings.meeting_closed",
        _("Review meeting closed"),
        {
            "unit": Field(_("Organization")),
            "present": Field(_("Present")),
            "quorum": Field(_("Quorum")),
        },
    )
    register(
        "meetings.attendance_recorded",
        _("Attendance recorded"),
        {
            "person": Field(_("Member")),
            "presence": Field(_("Presence"), choices=dict(Presence.choices)),
            "reason": Field(_("Reason for absence")),
            "self": Field(_("Checked in on their own phone")),
        },
    )
    register(
        "meetings.notes_recorded",
        _("Discussion notes recorded"),
        {"subject": Field(_("Subject")), "notes": Field(_("Discussion notes"))},
    )
    vote = {
        "subject": Field(_("Subject")),
        "method": Field(_("How"), choices=dict(VoteMethod.choices)),
        "counts": Field(_("Counts")),
        "voters": Field(_("Present with a vote")),
        "cast": Field(_("Votes cast")),
        "needed": Field(_("Votes needed")),
        "result": Field(_("Result")),
        "counted_by": Field(_("Counting committee")),
    }
    register("meetings.hands_recorded", _("Show of hands recorded"), vote)
    register(
        "meetings.ballot_opened",
        _("Secret ballot opened"),
        {"subject": Field(_("Subject")), "options": Field(_("Options"))},
    )
    register(
        "meetings.ballot_cast",
        _("Ballot cast"),
        {
            "subject": Field(_("Subject")),
            "voter": Field(_("Voter")),
            "choice": Field(_("Choice"), masked=True),
        },
    )
    register("meetings.ballot_closed", _("Secret ballot counted"), vote)
