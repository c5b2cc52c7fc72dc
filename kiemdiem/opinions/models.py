"""Opinions on a subject asked of the places around them, their answers, and peer comments
(docs/opinions.md).

* ``OpinionRequest``: one per (subject, source, asked unit) — or (subject, asked person) for a
  named individual — so asking twice never makes a second request.
* ``OpinionAnswer``: every answer is a numbered version, never rewritten; the newest counts.
* ``PeerComment`` / ``PeerCommenter``: the text of a comment and *that* a person commented are
  kept apart. A comment carries no author column, no time (its day only) and a random id; its
  ``author_tag`` is a keyed hash (HMAC with the server's secret) of the subject and the author,
  so the author can find their own comment again and nobody reading the rows can. The threat
  that remains (a reader of the database *and* the secret key) is in docs/opinions.md.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kiemdiem.cycles.models import TierChoice


class Source(models.TextChoices):
    RESIDENCE_CELL = "residence_cell", _("Residence party cell")
    SUPERIOR_COMMITTEE = "superior_committee", _("Superior party committee")
    INSPECTION_COMMISSION = "inspection_commission", _("Inspection commission")
    EMPLOYING_AGENCY = "employing_agency", _("Employing agency")
    PREVIOUS_CELL = "previous_cell", _("Previous party cell (transferred this year)")
    INDIVIDUAL = "individual", _("A named person")


class ResidenceDuty(models.TextChoices):
    """The duties of a working member towards the party cell and the people where they live
    (QĐ 213-QĐ/TW 2020, Art. 3; regulations.md §8) that the residence cell comments on."""

    EXEMPLARY = (
        "exemplary_conduct",
        _(
            "Sets an example where they live, and gets their family to follow the Party's line, "
            "the State's laws and local rules"
        ),
    )
    CIVIC = "civic_duties", _("Fulfils their civic duties where they live")
    MEETINGS = "attends_meetings", _("Attends the meetings the residence party cell calls them to")
    CONTACT = (
        "keeps_contact",
        _(
            "Keeps in touch with the cell committee, the Front's working committee and the "
            "village or neighbourhood leaders"
        ),
    )


class DutyRating(models.TextChoices):
    GOOD = "good", _("Fulfilled well")
    FULFILLED = "fulfilled", _("Fulfilled")
    NOT_FULFILLED = "not_fulfilled", _("Not fulfilled")


class OpinionRequest(models.Model):
    subject = models.ForeignKey(
        "cycles.Subject", on_delete=models.PROTECT, related_name="opinion_requests"
    )
    source = models.CharField(_("asked of"), max_length=24, choices=Source.choices)
    asked_unit = models.ForeignKey(
        "orgtree.Unit",
        verbose_name=_("asked unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    asked_person = models.ForeignKey(
        "people.Person",
        verbose_name=_("asked person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deadline = models.DateField(_("answer by"))
    note = models.TextField(_("note to those asked"), blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_path_field = "subject__unit__path"

    class Meta:
        verbose_name = _("opinion request")
        verbose_name_plural = _("opinion requests")
        ordering = ["subject", "source", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "source", "asked_unit"],
                condition=Q(asked_person__isnull=True),
                name="one_request_per_subject_source_unit",
            ),
            models.UniqueConstraint(
                fields=["subject", "asked_person"],
                condition=Q(asked_person__isnull=False),
                name="one_request_per_subject_person",
            ),
            models.CheckConstraint(
                condition=Q(asked_unit__isnull=True, asked_person__isnull=False)
                | Q(asked_unit__isnull=False, asked_person__isnull=True),
                name="request_asks_a_unit_or_a_person",
            ),
        ]
        indexes = [models.Index(fields=["asked_unit", "deadline"])]

    def __str__(self) -> str:
        asked = self.asked_person.full_name if self.asked_person_id else self.asked_unit.name
        return f"{self.subject} ← {asked}"

    @property
    def asked_name(self) -> str:
        return self.asked_person.full_name if self.asked_person_id else self.asked_unit.name


class OpinionAnswer(models.Model):
    """One version of an answer. Correcting an answer adds a version; none is rewritten."""

    request = models.ForeignKey(OpinionRequest, on_delete=models.PROTECT, related_name="answers")
    version = models.PositiveIntegerField(_("version"))
    # Residence cell: {duty code: rating code} for every ``ResidenceDuty``.
    duties = models.JSONField(_("duties"), default=dict, blank=True)
    # Employing agency: the member's state tier this year (it flows into the party review).
    state_tier = models.CharField(
        _("state tier"), max_length=8, choices=TierChoice.choices, blank=True
    )
    # Any other source may suggest a tier.
    suggested_tier = models.CharField(
        _("suggested tier"), max_length=8, choices=TierChoice.choices, blank=True
    )
    text = models.TextField(pgettext_lazy("opinion", "opinion"), blank=True)
    answered_at = models.DateTimeField(auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["request", "version"]
        constraints = [
            models.UniqueConstraint(fields=["request", "version"], name="one_answer_version")
        ]

    def __str__(self) -> str:
        return f"{self.request} v{self.version}"


def _comment_id() -> uuid.UUID:
    return uuid.uuid4()


class PeerComment(models.Model):
    """A comment on a subject by a member of their cell or collective. No author column, no
    time of day, a random id: see the module's docstring."""

    id = models.UUIDField(primary_key=True, default=_comment_id, editable=False)
    subject = models.ForeignKey(
        "cycles.Subject", on_delete=models.PROTECT, related_name="peer_comments"
    )
    text = models.TextField(_("comment"))
    author_tag = models.CharField(max_length=64, editable=False)
    written_on = models.DateField(_("written on"))

    class Meta:
        verbose_name = _("peer comment")
        verbose_name_plural = _("peer comments")
        # Shown by text, never by when or in which order they were written.
        ordering = ["subject", "text"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "author_tag"], name="one_comment_per_peer")
        ]

    def __str__(self) -> str:
        return self.text[:60]


class PeerCommenter(models.Model):
    """That ``person`` commented on ``subject`` — never which comment is theirs."""

    id = models.UUIDField(primary_key=True, default=_comment_id, editable=False)
    subject = models.ForeignKey("cycles.Subject", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("peer commenter")
        verbose_name_plural = _("peer commenters")
        constraints = [
            models.UniqueConstraint(fields=["subject", "person"], name="one_commenter_per_subject")
        ]

    def __str__(self) -> str:
        return f"{self.subject_id}:{self.person_id}"
