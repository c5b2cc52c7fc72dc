"""A level's summary report of a cycle, marked submitted to the level above (docs/reports.md).

The figures themselves are never stored here: they are read from the subject summaries
(``cycles.tallies``) when the page is shown. ``figures`` keeps the totals as they were when the
report was submitted, so the level above sees when a submitted report's figures have changed
since (a decision re-opened, a complaint decided): the submission is then *stale*.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kiemdiem.cycles.models import ReviewCycle


class SubmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReportSubmission(models.Model):
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "orgtree.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=SubmissionStatus.choices)
    figures = models.JSONField(_("figures when submitted"), default=dict)
    note = models.TextField(_("note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdraw_reason = models.TextField(_("reason for withdrawing"), blank=True)
    # Bumped on every change: a page that sends an older revision is refused (stale page).
    revision = models.PositiveIntegerField(default=0)

    scope_path_field = "unit__path"

    class Meta:
        verbose_name = _("report submission")
        verbose_name_plural = _("report submissions")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "unit"], name="one_report_per_unit_and_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} — {self.unit}"

    @property
    def is_submitted(self) -> bool:
        return self.status == SubmissionStatus.SUBMITTED
