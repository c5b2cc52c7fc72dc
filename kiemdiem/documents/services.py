"""Starting an export and running it as a job (kind ``documents.export``).

``export_start`` checks everything before anything is queued — the exporter exists and the user
may use it (the door, through the exporter's app policy), the format is one it renders, the form
(the unit, cycle, subjects) is valid for this user, the count is within the limits, and the same
export of this user is not already waiting or running — then queues the job and writes
``document.batch_started``, in one transaction. The job stores the form's raw data, never model
instances, and the worker checks it again as the owner (a grant withdrawn meanwhile refuses the
run). The result — one file, or a ZIP of one file per item — is the job's result file, which only
its owner downloads (``jobs.policies.JobPolicy.may_download``).
"""

from __future__ import annotations

import zipfile

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from kiemdiem.audit.services import log_action
from kiemdiem.documents import policies, registry, render
from kiemdiem.jobs import registry as job_registry
from kiemdiem.jobs import services as jobs
from kiemdiem.jobs.models import Job, JobStatus
from kiemdiem.jobs.runner import JobContext, JobRefused

KIND = "documents.export"


def max_items() -> int:
    return getattr(settings, "KIEMDIEM_DOCUMENTS_MAX_ITEMS", 2000)


def max_bytes() -> int:
    return getattr(settings, "KIEMDIEM_DOCUMENTS_MAX_BYTES", 500 * 1024 * 1024)


def _raw(data) -> dict:
    """The form's submitted values as plain JSON (a QueryDict's lists kept as lists)."""
    if hasattr(data, "lists"):
        return {k: v if len(v) > 1 else v[0] for k, v in data.lists() if k != "csrfmiddlewaretoken"}
    return {k: v for k, v in dict(data or {}).items() if k != "csrfmiddlewaretoken"}


def check(*, actor, exporter: registry.Exporter | None, fmt: str, data) -> tuple:
    """Everything ``export_start`` checks: (form, cleaned data, count); raises
    PermissionDenied or ValidationError ({field: [messages]}) and changes nothing."""
    if exporter is None or not policies.may_use(actor, exporter):
        raise PermissionDenied(_("This export does not exist or is not yours to run."))
    if fmt not in exporter.formats:
        raise ValidationError(
            {
                "format": [
                    _("Choose one of the formats this export offers: %(formats)s.")
                    % {"formats": ", ".join(exporter.formats)}
                ]
            }
        )
    if fmt == "pdf" and not render.pdf_available():
        raise ValidationError({"format": [policies.pdf_missing_message()]})
    form = exporter.form(actor, data)
    if not form.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
    count = exporter.count(actor, form.cleaned_data)
    if count == 0:
        raise ValidationError({"__all__": [_("There is nothing to export here that you may see.")]})
    if count > max_items():
        raise ValidationError(
            {
                "__all__": [
                    _(
                        "This export would write %(count)d documents; one batch writes at most "
                        "%(max)d. Choose a smaller unit."
                    )
                    % {"count": count, "max": max_items()}
                ]
            }
        )
    return form, form.cleaned_data, count


@transaction.atomic
def export_start(*, actor, exporter: registry.Exporter | None, fmt: str, data) -> Job:
    """Queue an export; see the module's text for what is checked."""
    form, cleaned, count = check(actor=actor, exporter=exporter, fmt=fmt, data=data)
    params = {"exporter": exporter.identifier, "format": fmt, "data": _raw(data)}
    # Two clicks (or two tabs) start one job: the user's row is locked while we look.
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    running = Job.objects.filter(
        owner=actor, kind=KIND, status__in=[JobStatus.QUEUED, JobStatus.RUNNING], params=params
    ).first()
    if running is not None:
        raise ValidationError(
            {
                "__all__": [
                    _("The same export is already waiting or running (job %(id)d); wait for it.")
                    % {"id": running.pk}
                ]
            }
        )
    unit = exporter.unit_of(cleaned)
    job = jobs.job_create(
        kind=KIND,
        owner=actor,
        unit=unit if getattr(unit, "pk", None) else None,
        params=params,
        title=f"{exporter.label} · {fmt.upper()}",
    )
    log_action(
        "document.batch_started",
        actor=actor,
        target=job,
        unit=job.unit,
        data={"exporter": exporter.identifier, "format": fmt, "items": count},
    )
    jobs.job_enqueue(job)
    job.refresh_from_db()
    job.items_count = count
    return job


def run(context: JobContext) -> None:
    """The worker's side: check again as the owner, render every item, zip, record."""
    job = context.job
    params = context.params
    exporter = registry.get(params.get("exporter", ""))
    owner = job.owner
    fmt = params.get("format", "")
    if owner is None or not owner.is_active:
        raise JobRefused(gettext_noop("The user who started this export no longer exists."))
    try:
        _form, cleaned, count = check(
            actor=owner, exporter=exporter, fmt=fmt, data=params.get("data") or {}
        )
    except PermissionDenied as exc:
        raise JobRefused("%(reason)s", reason=str(exc) or _("Not allowed.")) from exc
    except ValidationError as exc:
        reason = " ".join(m for ms in exc.message_dict.values() for m in ms)
        raise JobRefused("%(reason)s", reason=reason) from exc
    base = "docx" if fmt == "pdf" else fmt
    files: dict[str, bytes] = {}
    total_bytes = 0
    context.progress(0, count, gettext_noop("Writing the documents"))
    try:
        for index, item in enumerate(exporter.items(owner, cleaned), start=1):
            output = exporter.render(item, base)
            name = _unique(files, output.filename)
            files[name] = output.data
            total_bytes += len(output.data)
            if total_bytes > max_bytes():
                raise JobRefused(
                    gettext_noop(
                        "The documents would take more than %(mb)d MB; choose a smaller unit."
                    ),
                    mb=max_bytes() // (1024 * 1024),
                )
            context.progress(index, count, gettext_noop("Writing the documents"))
        if fmt == "pdf":
            context.progress(len(files), count, gettext_noop("Converting to PDF"))
            files = render.to_pdf(files)
    except render.TemplateBroken as exc:
        raise JobRefused("%(reason)s", reason=exc.message) from exc
    except render.ConversionFailed as exc:
        raise JobRefused("%(reason)s", reason=str(exc)) from exc
    if exporter.batch or len(files) != 1:
        name = f"{exporter.archive_name(cleaned)}.zip"
        with zipfile.ZipFile(
            context.result_file(name), "w", zipfile.ZIP_DEFLATED, compresslevel=1
        ) as archive:
            for filename, data in files.items():
                archive.writestr(filename, data)
    else:
        ((filename, data),) = files.items()
        context.result_file(filename).write_bytes(data)
    context.note(gettext_noop("%(count)d documents written."), count=len(files))
    with transaction.atomic():
        log_action(
            "document.exported",
            actor=owner,
            target=job,
            unit=job.unit,
            data={"exporter": exporter.identifier, "format": fmt, "items": len(files)},
        )


def _unique(files: dict, name: str) -> str:
    if name not in files:
        return name
    stem, dot, ext = name.rpartition(".")
    n = 2
    while f"{stem}-{n}{dot}{ext}" in files:
        n += 1
    return f"{stem}-{n}{dot}{ext}"


def register_kind() -> None:
    job_registry.register(KIND, gettext_lazy("Documents"), run)


def runs_inline(job: Job) -> bool:
    """A one-file export that needs no LibreOffice runs in the request that asked for it (still
    as a job: listed, audited, downloaded by its owner alone); the rest waits for the worker.
    ``items_count`` is set on the job by ``export_start``."""
    exporter = registry.get(job.params.get("exporter", ""))
    return (
        exporter is not None
        and not exporter.batch
        and job.params.get("format") != "pdf"
        and getattr(job, "items_count", None) == 1
    )
