"""Signals of formalism, computed per cycle into stored rows (docs/insights.md).

The signals page and the API read these rows through the door (``Signal.scope_path_field``:
the unit a signal names), never the cycle's subjects: a province's staff open the page in the
time it takes to read a few dozen rows, whatever the size of the province. The rows are
replaced whole, per cycle, by ``services.signals_refresh`` (run by the job
``insights.signals`` when a decision batch is recorded, nightly, or on demand);
``SignalRun.computed_at`` is the "as of" the page shows.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignalKind(models.TextChoices):
    # Everyone rated HTTNV or better while the unit's own targets were missed.
    ALL_GOOD_UNIT_MISSED = "all_good_unit_missed", _("Everyone rated well, the unit fell short")
    # Self-proposed, vote, proposal and decided tiers two tiers or more apart.
    TIER_GAP = "tier_gap", _("Large gap between the tiers proposed and decided")
    # An HTXSNV share far above comparable units (robust z and a binomial test).
    HTXSNV_OUTLIER = "htxsnv_outlier", _("HTXSNV share far above comparable units")
    # A decision finalized over a broken quota or cap.
    OVERRIDE = "override", _("Quota or cap overridden")
    # A leader rated above the unit they lead.
    LEADER_ABOVE_UNIT = "leader_above_unit", _("Leader rated above their unit")


class SignalRun(models.Model):
    """When a cycle's signals were last computed, and how many of each kind were found."""

    cycle = models.OneToOneField(
        "cycles.ReviewCycle", on_delete=models.CASCADE, related_name="signal_run"
    )
    computed_at = models.DateTimeField(_("computed at"))
    subjects = models.PositiveIntegerField(_("subjects read"), default=0)
    counts = models.JSONField(default=dict, blank=True)
    # Signals by kind per unit directly below the cycle's root (its path; "" for the root
    # itself): the signals page's chart for a reader of the whole cycle, with no scan.
    counts_below = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("signal computation")
        verbose_name_plural = _("signal computations")

    def __str__(self) -> str:
        return f"{self.cycle} @ {self.computed_at:%d/%m/%Y %H:%M}"


class Signal(models.Model):
    """One signal: its kind, the unit (and subject) it names, how strong it is, and the numbers
    behind it (read back into words by ``insights.explain``)."""

    cycle = models.ForeignKey("cycles.ReviewCycle", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("signal"), max_length=24, choices=SignalKind.choices)
    unit = models.ForeignKey(
        "orgtree.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    subject = models.ForeignKey(
        "cycles.Subject", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    strength = models.FloatField(_("strength"), default=0)
    numbers = models.JSONField(default=dict)

    scope_path_field = "unit__path"

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        ordering = ["kind", "-strength", "pk"]
        indexes = [models.Index(fields=["cycle", "kind", "strength"], name="signal_cycle_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.unit_id}"
