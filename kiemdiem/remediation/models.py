"""Organizations to consolidate after a cycle, and the actions that follow them up.

A ``Consolidation`` is one unit (a party organization, a collective, an agency) a cycle put on
the list of those to consolidate ("củng cố"), with why (``ConsolidationReason``); each
``ConsolidationAction`` is one thing to do about it, with its owner, due date and status. The
list is built from the cycle's tiers (``services.consolidation_build``) and kept: the tiers
may change later (a re-decision), the follow-up already under way does not disappear.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ConsolidationReason(models.TextChoices):
    """Why a unit is on the list (docs/remediation.md, "Weak"). Since 2018 no regime has a
    "yếu kém" tier: KHTNV is the lowest; the HD 27 (2014) reading of "weak" — more than half
    of a cell's members rated KHTNV — is kept as its own reason, marked unverified [M]."""

    KHTNV = "khtnv", _("Rated KHTNV")
    MEMBERS_KHTNV = "members_khtnv", _("More than half of its members rated KHTNV")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("Under way")
    DONE = "done", pgettext_lazy("action", "Done")
    DROPPED = "dropped", _("Dropped")


class Consolidation(models.Model):
    cycle = models.ForeignKey(
        "cycles.ReviewCycle", on_delete=models.CASCADE, related_name="consolidations"
    )
    unit = models.ForeignKey("orgtree.Unit", on_delete=models.PROTECT, related_name="+")
    # The subject whose tier put the unit here (the unit's own, or None for a cell listed by
    # its members' tiers when the cell itself was not rated).
    subject = models.ForeignKey(
        "cycles.Subject", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("why"), max_length=16, choices=ConsolidationReason.choices)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_path_field = "unit__path"

    class Meta:
        verbose_name = _("organization to consolidate")
        verbose_name_plural = _("organizations to consolidate")
        ordering = ["cycle", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "unit"], name="consolidate_a_unit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} ({self.cycle.year})"


class ConsolidationAction(models.Model):
    consolidation = models.ForeignKey(
        Consolidation, on_delete=models.CASCADE, related_name="actions"
    )
    text = models.TextField(_("action"))
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
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    result = models.TextField(_("result"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    scope_path_field = "consolidation__unit__path"

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["consolidation", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
