"""An import job: one uploaded file, its validation report, and the result of committing it."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    UNITS = "units", _("Units")
    PEOPLE = "people", _("People")
    REGISTER = "register", _("Register of discipline and conclusions")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    VALIDATING = "validating", _("Checking the file")
    READY = "ready", _("Checked, waiting for confirmation")
    INVALID = "invalid", _("Has errors, nothing imported")
    CONFIRMED = "confirmed", _("Confirmed, waiting to be imported")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed, nothing imported")
    # The process checking or importing the file died (killed, out of memory, restarted):
    # nothing was imported (the commit is one transaction). The background job of the step
    # was found interrupted (jobs.services.recover_interrupted) and the import followed it.
    INTERRUPTED = "interrupted", _("Interrupted")


# Statuses of an import waiting for, or in, a step of the background queue.
ACTIVE = (JobStatus.QUEUED, JobStatus.VALIDATING, JobStatus.CONFIRMED, JobStatus.RUNNING)


def jobs_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


class ImportJob(models.Model):
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey(
        "orgtree.Unit", verbose_name=_("scope"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    original_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(max_length=8)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    # The first problems (sheet, row, column, header, code, msg, severity), for the job page;
    # ``msg`` is the message without a language (``messages.Message``): see problem_list().
    problems = models.JSONField(default=list, blank=True)
    # Predicted counts from validation: {"create": n, "update": n, "unchanged": n}.
    preview = models.JSONField(default=dict, blank=True)
    failure = models.TextField(blank=True)
    # The background job of the current (or last) step: checking or importing the file. Its
    # progress is what the page shows; its process dying is how the import is interrupted.
    task = models.ForeignKey(
        "jobs.Job",
        verbose_name=_("background job"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # finished jobs are pruned; the import keeps its outcome
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scope_path_field = "unit__path"

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.original_name}"

    # --- files -------------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        return jobs_dir() / str(self.pk)

    @property
    def source_path(self) -> Path:
        return self.folder / f"source.{self.file_format}"

    @property
    def problems_path(self) -> Path:
        """Every problem kept (up to ``MAX_STORED_PROBLEMS``), to build the report from."""
        return self.folder / "problems.json"

    @property
    def contexts_path(self) -> Path:
        """The columns' legacy-encoding contexts, when validation found any (``text.py``)."""
        return self.folder / "columns.json"

    def report_path_in(self, language: str) -> Path:
        return self.folder / f"report.{language}.xlsx"

    @property
    def report_path(self) -> Path:
        """The error report in the active language (built by ``exporters.error_report``)."""
        return self.report_path_in((get_language() or settings.LANGUAGE_CODE).split("-")[0])

    @property
    def has_report(self) -> bool:
        return self.problems_path.exists() or (self.folder / "report.xlsx").exists()

    def problem_list(self) -> list[dict]:
        """The first problems (``problems``) with their messages in the active language."""
        from kiemdiem.imports.messages import render

        return [{**p, "message": render(p)} for p in self.problems]

    def progress(self) -> dict:
        """How far the current step is: live from its background job while it works."""
        data = {"done": self.done, "total": self.total, "phase": self.status}
        if self.status in (JobStatus.VALIDATING, JobStatus.RUNNING) and self.task is not None:
            live = self.task.progress()  # the shared cache: the same on every app server
            if live["done"] or live["total"]:
                data["done"], data["total"] = live["done"], live["total"]
        data["percent"] = int(100 * data["done"] / data["total"]) if data["total"] else 0
        return data

    @property
    def is_finished(self) -> bool:
        return self.status not in ACTIVE
