"""A subject's decision and its history, the pools the deciders lock, publications and
complaints (docs/decisions.md).

``Decision`` is one per subject (a subject is one review in one cycle). Its ``state`` moves
proposed → decided → notified → published, and contested → re-decided when a complaint or a
later finding re-opens it; every move is a ``DecisionEvent`` (never rewritten). The tier on
``cycles.Subject`` (``tier``, ``status``, ``rated_at``…) is a copy of the latest decided tier,
written only by ``decisions.services`` in the same transaction, so the board and the counts
read one row per subject.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kiemdiem.common.attachments import AttachmentFields
from kiemdiem.cycles.models import ReviewCycle, Subject, TierChoice


class DecisionState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    DECIDED = "decided", pgettext_lazy("decision", "Decided")
    NOTIFIED = "notified", _("Notified")
    PUBLISHED = "published", pgettext_lazy("decision", "Published")
    CONTESTED = "contested", _("Re-opened")
    REDECIDED = "redecided", _("Decided again")


# States in which the subject holds a decided tier.
HOLDS_TIER = (
    DecisionState.DECIDED,
    DecisionState.NOTIFIED,
    DecisionState.PUBLISHED,
    DecisionState.REDECIDED,
)


class Decision(models.Model):
    subject = models.OneToOneField(Subject, on_delete=models.PROTECT, related_name="decision")
    state = models.CharField(_("state"), max_length=12, choices=DecisionState.choices)
    # The advisory body's proposal (organization staff, the chi ủy for a cell).
    proposed_tier = models.CharField(
        _("proposed tier"), max_length=8, choices=TierChoice.choices, blank=True
    )
    proposed_reason = models.TextField(_("reason for the proposal"), blank=True)
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The competent level's decision (the latest one, when decided again).
    tier = models.CharField(_("tier"), max_length=8, choices=TierChoice.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Written when the decision was finalized over a broken quota or cap: the decider's
    # reason, and what was broken ([{"kind": "quota"|"cap", "code", "text"}]). Shown in every
    # report that includes the subject.
    override_reason = models.TextField(_("reason for the override"), blank=True)
    overrides = models.JSONField(_("rules overridden"), default=list, blank=True)
    # The last day a complaint may be filed (set when the subject is notified).
    complaint_until = models.DateField(_("complaints until"), null=True, blank=True)
    # Why a decided rating was re-opened (a complaint, a register entry for its year).
    reopened_reason = models.TextField(_("why it was re-opened"), blank=True)
    # Bumped on every change: a page that sends an older revision is refused (stale page).
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = pgettext_lazy("decision", "decision")
        verbose_name_plural = _("decisions")
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"{self.subject} — {self.get_state_display()}"

    @property
    def holds_tier(self) -> bool:
        return self.state in HOLDS_TIER


class DecisionEvent(models.Model):
    """One move of a decision, kept for ever: who, when, the state entered, the tier and the
    reason at that moment."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="events")
    state = models.CharField(_("state"), max_length=12, choices=DecisionState.choices)
    tier = models.CharField(_("tier"), max_length=8, choices=TierChoice.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("decision history entry")
        verbose_name_plural = _("decision history")
        ordering = ["decision", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_state_display()} {self.tier} ({self.at:%d/%m/%Y %H:%M})"


class QuotaPool(models.Model):
    """One quota pool instance of a cycle (the engine's pool, its key, the subject kind): the
    row deciders lock (``FOR UPDATE``) before they take an HTXSNV place in it, so two deciders
    on overlapping pools never both take the last place. Lock order: docs/decisions.md."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="+")
    pool = models.CharField(max_length=60)
    pool_key = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "pool", "pool_key", "kind"], name="one_row_per_pool_instance"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pool} {self.pool_key} ({self.kind})".replace("  ", " ")


class Audience(models.TextChoices):
    """Who a published list is shown to: the members of one unit (a cell, an organization,
    an agency) or everyone in a level's subtree."""

    MEMBERS = "members", _("Members of the unit")
    SUBTREE = "subtree", _("Everyone in the unit and below")


class Publication(models.Model):
    """A decided list made public to an audience for a period, then withdrawn. Its
    ``PublicationRow`` rows are the list as published (names, kinds, units, tiers), so what
    people saw stays on record even when a tier is later decided again; ``row_count`` is how
    many (a province's list may hold 180 000: the rows are read a page at a time)."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "orgtree.Unit",
        verbose_name=_("list of"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Whose decided subjects the list holds."),
    )
    title = models.CharField(_("title"), max_length=255)
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices)
    audience_unit = models.ForeignKey(
        "orgtree.Unit", verbose_name=_("shown to"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdraw_reason = models.TextField(_("reason for withdrawing"), blank=True)

    scope_path_field = "unit__path"

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        indexes = [models.Index(fields=["audience_unit", "ends_on"])]

    def __str__(self) -> str:
        return self.title


class PublicationRow(models.Model):
    """One line of a published list, as it was published: read a page at a time in
    ``position`` order, searched by ``name_key`` (the name folded: no diacritics, lower case).
    Nothing else about the person is kept."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    subject_id = models.BigIntegerField()  # for the record; the subject may change later
    name = models.CharField(_("name"), max_length=255, blank=True)
    name_key = models.CharField(max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=40)
    unit = models.CharField(_("unit"), max_length=255)
    tier = models.CharField(_("tier"), max_length=8, choices=TierChoice.choices)

    class Meta:
        verbose_name = _("published row")
        verbose_name_plural = _("published rows")
        ordering = ["publication", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "position"], name="one_row_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name or self.unit} — {self.tier}"


class ComplaintStatus(models.TextChoices):
    FILED = "filed", _("Filed")
    UPHELD = "upheld", _("Decision upheld")
    CHANGED = "changed", _("Decision changed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Complaint(models.Model):
    """A subject's complaint about a decision, filed within the window, decided by the level
    that decides complaints (``handled_at_unit``)."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="complaints")
    text = models.TextField(_("complaint"))
    filed_at = models.DateTimeField(_("filed at"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at_unit = models.ForeignKey(
        "orgtree.Unit",
        verbose_name=_("decided at"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.FILED
    )
    outcome_reason = models.TextField(_("reason for the outcome"), blank=True)
    new_tier = models.CharField(_("new tier"), max_length=8, choices=TierChoice.choices, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    scope_path_field = "handled_at_unit__path"

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return f"{self.decision.subject} — {self.get_status_display()}"


class ComplaintFile(AttachmentFields):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="files")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
