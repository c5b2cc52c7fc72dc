"""Self-reviews: what each subject of a cycle writes on its official form, with its history.

A review is a draft until it is submitted; a submitted review is locked. Every submission
(the first, and each amendment) is kept as a numbered version, so nothing said is ever lost.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kiemdiem.cycles.models import TierChoice, Track


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Sent back")


class SelfReview(models.Model):
    # PROTECT: a submitted review is a signed record; it is never deleted with its subject.
    subject = models.OneToOneField(
        "cycles.Subject", on_delete=models.PROTECT, related_name="review"
    )
    form_key = models.CharField(_("form"), max_length=20)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    content = models.JSONField(_("content"), default=dict, blank=True)
    # What the writer typed that could not be saved (a number out of range, text over the
    # limit), by the page's field name: shown back in its field with the error until corrected,
    # so no words are lost; never part of the content, a version or the print.
    unsaved = models.JSONField(default=dict, blank=True)
    proposed_tier = models.CharField(
        _("self-proposed tier"), max_length=8, choices=TierChoice.choices, blank=True
    )
    # The engine's result for the content as last saved (tier, status, explanation).
    engine_result = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    amendment_reason = models.TextField(_("reason for the amendment"), blank=True)
    return_comment = models.TextField(_("comment when sent back"), blank=True)
    # Members' reviews the collective's report refers to (collective first, then members).
    linked_reviews = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="linked_from"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    scope_path_field = "subject__unit__path"

    class Meta:
        verbose_name = _("self-review")
        verbose_name_plural = _("self-reviews")
        indexes = [
            models.Index(fields=["status"]),
            # The progress board counts a cycle's reviews by state from this index alone.
            models.Index(fields=["subject", "status"], name="review_subject_status"),
        ]

    def __str__(self) -> str:
        return str(self.subject)

    @classmethod
    def owner_q(cls, person_id: int) -> Q:
        """A member reads their own reviews, the submitted reports of the leadership
        collectives they sit in (collective first: members read it before writing theirs), and
        what the Subject door lets them see as head of a unit."""
        from django.apps import apps

        affiliation = apps.get_model("people", "Affiliation")
        subject = apps.get_model("cycles", "Subject")
        seats = affiliation.objects.filter(
            person_id=person_id, kind="position", valid_to__isnull=True
        ).values("unit_id")
        visible = subject.objects.filter(subject.owner_q(person_id)).values("pk")
        return Q(subject_id__in=visible) | Q(
            subject__person__isnull=True,
            subject__kind="leadership_collective",
            subject__unit_id__in=seats,
            version__gt=0,
        )

    @property
    def locked(self) -> bool:
        return self.status == ReviewStatus.SUBMITTED


class VersionKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    AMENDED = "amended", _("Amended")
    RETURNED = "returned", _("Sent back")


class ReviewVersion(models.Model):
    """One submitted state of a review, never changed afterwards."""

    review = models.ForeignKey(SelfReview, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("event"), max_length=10, choices=VersionKind.choices)
    content = models.JSONField(default=dict)
    proposed_tier = models.CharField(max_length=8, choices=TierChoice.choices, blank=True)
    engine_result = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("review version")
        verbose_name_plural = _("review versions")
        ordering = ["review", "number", "created_at"]

    def __str__(self) -> str:
        return f"{self.review} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A review version never changes once recorded")
        super().save(*args, **kwargs)


class Suggestion(models.Model):
    """Suggested review content ("gợi ý kiểm điểm"): an issue a level asks a collective or a
    person to address in their review; the writer explains it in the form's section for it."""

    subject = models.ForeignKey(
        "cycles.Subject", on_delete=models.CASCADE, related_name="suggestions"
    )
    raised_by = models.ForeignKey(
        "orgtree.Unit", verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("suggested content"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_path_field = "subject__unit__path"

    class Meta:
        verbose_name = _("suggested review content")
        verbose_name_plural = _("suggested review content")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class NoteKind(models.TextChoices):
    """The blocks of the self-review form left to others (HD 21 §3.7; regulations.md §6)."""

    CELL_COMMENT = "cell_comment", _("Comment of the chi ủy")
    CONCLUSION = "conclusion", _("Conclusion of the approving level")


class ReviewNote(models.Model):
    """One version of the chi ủy's comment on a self-review, or of the approving level's
    conclusion. A correction is a new version; none is rewritten (docs/opinions.md)."""

    subject = models.ForeignKey("cycles.Subject", on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField(_("kind"), max_length=14, choices=NoteKind.choices)
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    written_at = models.DateTimeField(auto_now_add=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_path_field = "subject__unit__path"

    class Meta:
        verbose_name = _("review note")
        verbose_name_plural = _("review notes")
        ordering = ["subject", "kind", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "kind", "version"], name="one_review_note_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} — {self.get_kind_display()} v{self.version}"


class ShortcomingStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("shortcoming", "Open")
    IN_PROGRESS = "in_progress", _("Being remedied")
    REMEDIED = "remedied", _("Remedied")
    NOT_REMEDIED = "not_remedied", _("Not remedied")


class ShortcomingSource(models.TextChoices):
    """Where a shortcoming was found. A meeting or a decision names one through
    ``shortcomings.shortcoming_add_named``: the row's ``source_ref`` holds that record's
    reference, ``source_subject`` whom it was named for."""

    SELF_REVIEW = "self_review", _("Self-review")
    MEETING = "meeting", _("Review meeting")
    DECISION = "decision", pgettext_lazy("shortcoming", "Decision")
    OTHER = "other", _("Named by the writer")


class Shortcoming(models.Model):
    """One shortcoming of a person or a unit on one track ("hạn chế, khuyết điểm"): where it was
    found, the plan to remedy it, and what a later review reported on it.

    Written only by ``reviews.shortcomings`` (docs/cycles.md, "Shortcomings"): a self-review's
    "Hạn chế" lines become rows found in that review (``source_review``); the next cycle's
    review of the same person (or unit) on the same track reports on each (``reported_in``,
    ``remedy_report``, ``status``)."""

    # Whose shortcoming: a person's (on a track), or a unit's when ``person`` is empty.
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("orgtree.Unit", on_delete=models.PROTECT, related_name="+")
    track = models.CharField(_("track"), max_length=8, choices=Track.choices)
    source = models.CharField(
        _("found in"),
        max_length=12,
        choices=ShortcomingSource.choices,
        default=ShortcomingSource.SELF_REVIEW,
    )
    # The self-review it was found in (source ``self_review``); a meeting's or a decision's
    # reference (e.g. "meeting:12") in ``source_ref`` once those apps exist.
    source_review = models.ForeignKey(
        SelfReview,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="shortcomings_found",
    )
    source_ref = models.CharField(max_length=40, blank=True)
    # The subject (person or unit, in a cycle) a meeting or a decision named it for: what
    # carries it into that owner's review of the next cycle, as ``source_review`` does.
    source_subject = models.ForeignKey(
        "cycles.Subject", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)  # order in the section it was written in
    text = models.TextField(_("shortcoming"))
    remedy_plan = models.TextField(_("remedy plan"), blank=True)
    owner = models.ForeignKey(
        "people.Person",
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ShortcomingStatus.choices,
        default=ShortcomingStatus.OPEN,
    )
    # A row carried into a later review (one per review that reports on it: a person writes
    # several reviews in a cycle) points to the row found earlier; that row's ``status``
    # follows its latest report.
    # (SET_NULL: a line taken out of an amended review leaves the later reports standing.)
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # The later review that reports on it, and what it says was done.
    reported_in = models.ForeignKey(
        SelfReview,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shortcomings_reported",
    )
    report_position = models.PositiveIntegerField(default=0)  # its row in that review's section
    remedy_report = models.TextField(_("what was done to remedy it"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path_field = "unit__path"

    class Meta:
        verbose_name = _("shortcoming")
        verbose_name_plural = _("shortcomings")
        ordering = ["source_review", "position", "pk"]
        indexes = [
            models.Index(fields=["source_review", "position"], name="shortcoming_found"),
            models.Index(fields=["reported_in", "report_position"], name="shortcoming_reported"),
            models.Index(fields=["source_subject"], name="shortcoming_named"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @classmethod
    def owner_q(cls, person_id: int) -> Q:
        """A member sees their own shortcomings and those they answer for."""
        return Q(person_id=person_id) | Q(owner_id=person_id)
