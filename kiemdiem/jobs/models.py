"""A background job: who started it, what it does, how far it got, and what it produced.

The record lives in the database so every app server shows the same jobs. Live progress while
the job runs goes to the shared cache (``jobs.progress``): the work itself often runs in one
long all-or-nothing transaction, whose own connection cannot publish anything until it ends.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")
    INTERRUPTED = "interrupted", _("Interrupted")


FINISHED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.INTERRUPTED)


def jobs_dir() -> Path:
    return Path(settings.VAR_DIR) / "jobs"


class Job(models.Model):
    kind = models.CharField(_("kind"), max_length=60)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    # The unit the work is about (an import's scope, an export's subtree), when there is one.
    unit = models.ForeignKey(
        "orgtree.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=255, blank=True)
    params = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default="vi")  # messages in the owner's language
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # What the job reports as it goes: [{"msg": msgid, "params": {...}}]; rendered on reading.
    log = models.JSONField(default=list, blank=True)
    error = models.JSONField(default=dict, blank=True)  # {"msg": msgid, "params": {...}}
    result_name = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    # host:pid:start time of the process running it (services.this_process)
    worker = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "created_at"]),
            models.Index(fields=["status"]),
        ]

    def __str__(self) -> str:
        return self.title or self.kind

    @property
    def folder(self) -> Path:
        return jobs_dir() / str(self.pk)

    @property
    def result_path(self) -> Path | None:
        return self.folder / self.result_name if self.result_name else None

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    def kind_label(self) -> str:
        from kiemdiem.jobs.registry import KINDS

        kind = KINDS.get(self.kind)
        return str(kind.label) if kind else self.kind

    def link(self) -> str:
        """The page of what the job works on (an import's page), or ""."""
        from kiemdiem.jobs.registry import KINDS

        kind = KINDS.get(self.kind)
        return kind.link(self) if kind and kind.link else ""

    def progress(self) -> dict:
        """Done, total and percent: live from the cache while running, else from the record."""
        from kiemdiem.jobs import progress

        data = {"done": self.done, "total": self.total, "phase": ""}
        if self.status == JobStatus.RUNNING:
            data.update(progress.read(self.pk) or {})
        total = data["total"]
        data["percent"] = min(100, int(100 * data["done"] / total)) if total else 0
        if self.status == JobStatus.DONE:
            data["percent"] = 100
        return data

    def messages(self) -> list[str]:
        return [render(entry) for entry in self.log]

    def error_message(self) -> str:
        return render(self.error) if self.error else ""


def render(entry: dict) -> str:
    """A stored message in the active language (msgid with %(name)s parameters)."""
    text = _gettext(entry.get("msg", ""))
    params = entry.get("params") or {}
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):
        return text
