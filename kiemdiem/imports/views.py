"""Web pages: upload → preview → confirm, job progress, templates, reports and exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kiemdiem.accounts.models import Action
from kiemdiem.common.uploads import refused_uploads
from kiemdiem.common.views import paginate, render_page
from kiemdiem.documents import registry
from kiemdiem.documents import services as documents
from kiemdiem.imports import exporters, policies, selectors, services, tasks
from kiemdiem.imports.forms import ExportForm, UploadForm
from kiemdiem.imports.models import ImportKind, JobStatus
from kiemdiem.jobs import services as jobs
from kiemdiem.jobs.models import JobStatus as RunStatus
from kiemdiem.jobs.policies import JobPolicy
from kiemdiem.jobs.services import recover_interrupted

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    can_import = policies.may_import(request.user)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        refused=refused_uploads(request),
        initial={"kind": request.GET.get("kind", "people"), "unit": request.GET.get("unit", "")},
    )
    recover_interrupted()  # an import whose process died shows as interrupted, not running
    if request.method == "POST" and can_import and form.is_valid():
        upload = form.cleaned_data["file"]
        job = services.job_create(
            user=request.user,
            unit=form.cleaned_data["unit"],
            kind=form.cleaned_data["kind"],
            filename=upload.name,
            chunks=upload.chunks(),
        )
        tasks.enqueue_validate(job, request.user)
        return redirect("import-job", pk=job.pk)
    return index_page(request, form=form, status=400 if form.errors else 200)


def index_page(request, *, form=None, export_form=None, status=200):
    if form is None:
        form = UploadForm(user=request.user, initial={"kind": "people"})
    if export_form is None:
        export_form = ExportForm(
            user=request.user, initial={"unit": request.GET.get("unit", "")}, prefix="export"
        )
    context = {
        "form": form,
        "export_form": export_form,
        "can_import": policies.may_import(request.user),
        "can_export": policies.may_export(request.user),
        "page": paginate(request, selectors.job_list(request.user), per_page=20),
        "kinds": ImportKind.choices,
    }
    return render_page(request, "imports/index.html", context, status=status)


@login_required
def job_detail(request, pk):
    recover_interrupted()  # an import whose process died shows as interrupted
    job = selectors.job_get(request.user, pk)
    can_confirm = (
        job.status == JobStatus.READY and policies.ImportPolicy(request.user, job).may_commit
    )
    context = {
        "job": job,
        "progress": job.progress(),
        "can_confirm": can_confirm,
        # An interrupted step can be run again by whoever started it (the jobs' policy).
        "may_retry": job.task is not None and JobPolicy(request.user, job.task).may_retry,
        "problems": job.problem_list(),  # in the viewer's language
        "has_report": job.has_report,
    }
    return render_page(request, "imports/job.html", context, partial="status")


@login_required
@require_POST
def job_confirm(request, pk):
    job = selectors.job_get(request.user, pk, Action.CHANGE)
    if tasks.enqueue_commit(job, request.user) is None:  # not (or no longer) ready
        messages.error(request, _("Only a checked file without errors can be imported."))
    return redirect("import-job", pk=pk)


@login_required
def job_report(request, pk):
    job = selectors.job_get(request.user, pk)
    path = exporters.error_report(job)  # in the viewer's language
    if path is None:
        raise Http404
    name = f"bao-cao-loi-{job.pk}.xlsx"
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type=XLSX)


@login_required
def template(request, kind):
    if kind not in ImportKind.values:
        raise Http404
    name = {
        "units": "mau-nhap-don-vi.xlsx",
        "people": "mau-nhap-nhan-su.xlsx",
        "register": "mau-nhap-so-ky-luat.xlsx",
    }[kind]
    response = HttpResponse(exporters.template_xlsx(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def export(request):
    """The imports page's export: the documents registry's ``people_units`` exporter, checked
    and run as any export (``documents.services.export_start``: the door, the exporter's
    policy, the limits, one at a time, audited), as the user's own job, run at once; the file
    is sent straight back (it also stays on the jobs page, for its owner only)."""
    form = ExportForm(request.GET or None, user=request.user, prefix="export")
    if not form.is_valid():
        # The reason on the form (an out-of-scope code reads like a missing one), nothing sent.
        return index_page(request, export_form=form, status=400)
    exporter = registry.get(exporters.PeopleUnitsExporter.identifier)
    data = {"kind": form.cleaned_data["kind"], "unit": form.cleaned_data["unit"].code}
    try:
        job = documents.export_start(
            actor=request.user, exporter=exporter, fmt=form.cleaned_data["format"], data=data
        )
    except PermissionDenied:
        form.add_error(None, _("This export does not exist or is not yours to run."))
        return index_page(request, export_form=form, status=400)
    except ValidationError as error:
        for field, texts in error.message_dict.items():
            for text in texts:
                form.add_error(field if field in ("kind", "unit", "format") else None, text)
        return index_page(request, export_form=form, status=400)
    jobs.job_run(job.pk)  # one file, no LibreOffice: at once, as the documents page does
    job.refresh_from_db()
    if job.status == RunStatus.FAILED:
        form.add_error(None, job.error_message())
        return index_page(request, export_form=form, status=400)
    if job.status != RunStatus.DONE or job.result_path is None:  # a worker took it first
        return redirect("job-detail", pk=job.pk)
    name = job.result_name
    content_type = XLSX if name.endswith(".xlsx") else "text/csv; charset=utf-8"
    return FileResponse(
        open(job.result_path, "rb"), as_attachment=True, filename=name, content_type=content_type
    )
