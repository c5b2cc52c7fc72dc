"""The review meeting of a unit (a cell, a leadership collective) in a cycle.

A ``Meeting`` has an agenda (``AgendaItem``: one per subject, the collective first), a roll
(``Attendance``: one row per member of the unit) and, per agenda item, questions put to the
vote (``Question``). A show of hands stores the counts the secretary records; a secret ballot
stores **only counts** (``OptionCount``, one row per option, incremented) and, apart, who has
voted (``Voter``: no id, no time, no order — its primary key is (question, person)). Nothing
stored links a voter to a choice: docs/meetings.md, "Secret ballot: threat model".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("meeting", "Planned")
    OPEN = "open", pgettext_lazy("meeting", "In session")
    CLOSED = "closed", pgettext_lazy("meeting", "Closed")


class Presence(models.TextChoices):
    EXPECTED = "expected", _("Not checked in")
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")


class VoteMethod(models.TextChoices):
    HANDS = "hands", _("Show of hands")
    SECRET = "secret", _("Secret ballot")


class QuestionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("ballot", "Voting")
    CLOSED = "closed", pgettext_lazy("ballot", "Counted")


class Meeting(models.Model):
    cycle = models.ForeignKey(
        "cycles.ReviewCycle", on_delete=models.CASCADE, related_name="meetings"
    )
    unit = models.ForeignKey("orgtree.Unit", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=255)
    chair = models.ForeignKey(
        "people.Person",
        verbose_name=_("chair"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    secretary = models.ForeignKey(
        "people.Person",
        verbose_name=pgettext_lazy("meeting", "secretary"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    # Changed at every state change and every show-of-hands record: a page posts the revision
    # it showed, and a stale page is refused instead of overwriting.
    revision = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(_("conclusion of the meeting"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_path_field = "unit__path"

    class Meta:
        verbose_name = _("review meeting")
        verbose_name_plural = _("review meetings")
        ordering = ["-starts_at", "pk"]
        indexes = [models.Index(fields=["cycle", "unit"])]

    def __str__(self) -> str:
        return f"{self.unit.name} — {self.starts_at:%d/%m/%Y}"

    @classmethod
    def owner_q(cls, person_id: int) -> models.Q:
        """A member sees the meetings they are on the roll of (to check in and vote)."""
        return models.Q(roll__person_id=person_id)


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    subject = models.ForeignKey("cycles.Subject", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    notes = models.TextField(_("discussion notes"), blank=True)

    scope_path_field = "meeting__unit__path"

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "subject"], name="agenda_subject_once"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.subject}"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="roll")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    # Taken from the person's membership when the roll is made (the minutes keep what held
    # on the day): an official member votes; a probationary member attends without a vote.
    official = models.BooleanField(_("official member"))
    exempt = models.BooleanField(_("exempt from party work and activity"), default=False)
    presence = models.CharField(
        _("presence"), max_length=8, choices=Presence.choices, default=Presence.EXPECTED
    )
    reason = models.CharField(_("reason for absence"), max_length=255, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    scope_path_field = "meeting__unit__path"

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="on_the_roll_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_presence_display()}"

    @property
    def with_vote(self) -> bool:
        return self.official and not self.exempt and self.presence == Presence.PRESENT


class Question(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="questions")
    method = models.CharField(_("how"), max_length=8, choices=VoteMethod.choices)
    options = models.JSONField(default=list)  # the tiers the subject's pack allows, best first
    status = models.CharField(
        _("status"), max_length=8, choices=QuestionStatus.choices, default=QuestionStatus.OPEN
    )
    # Recorded when counted (a secret ballot's at its close; hands when recorded).
    voters = models.PositiveIntegerField(_("present with a vote"), default=0)
    cast = models.PositiveIntegerField(_("votes cast"), default=0)
    needed = models.PositiveIntegerField(_("votes needed"), default=0)
    result = models.CharField(_("result"), max_length=8, blank=True)
    counted_by = models.CharField(_("counting committee"), max_length=255, blank=True)

    scope_path_field = "item__meeting__unit__path"

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["item", "pk"]

    def __str__(self) -> str:
        return f"{self.item.subject} — {self.get_method_display()}"

    @classmethod
    def owner_q(cls, person_id: int) -> models.Q:
        """A member on the meeting's roll sees its questions (to vote on them)."""
        return models.Q(item__meeting__roll__person_id=person_id)


class OptionCount(models.Model):
    """How many chose ``option``: the only place a choice goes. Created with the question
    (all options at 0) so that a vote only ever updates a row that already exists."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="counts")
    option = models.CharField(max_length=8)
    count = models.PositiveIntegerField(default=0)

    scope_path_field = "question__item__meeting__unit__path"

    class Meta:
        ordering = ["question", "option"]
        constraints = [
            models.UniqueConstraint(fields=["question", "option"], name="one_count_per_option"),
        ]

    def __str__(self) -> str:
        return f"{self.option}: {self.count}"


class Voter(models.Model):
    """Who has voted on a secret ballot — with no id, time or choice. The primary key is
    (question, person): no sequence numbers the rows in the order they were cast."""

    pk = models.CompositePrimaryKey("question_id", "person_id")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["question", "person"]

    def __str__(self) -> str:
        return f"{self.question_id}/{self.person_id}"
