"""Reports' pages: a subtree's results in a cycle (summary table, the units below with their
submissions, earlier years, charts), its .xlsx, and submitting or withdrawing the report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kiemdiem.common.views import render_page
from kiemdiem.cycles.models import CycleStatus
from kiemdiem.documents import registry
from kiemdiem.documents import render as documents_render
from kiemdiem.documents import services as documents
from kiemdiem.jobs import services as jobs
from kiemdiem.orgtree.models import Unit
from kiemdiem.reports import exporters, policies, selectors, services
from kiemdiem.reports.charts import report_charts
from kiemdiem.reports.models import ReportSubmission


def _cycle(user, pk):
    return get_object_or_404(selectors.visible_cycles(user), pk=pk)


def _unit(user, pk) -> Unit:
    unit = Unit.objects.filter(pk=pk).select_related("parent").first()
    if unit is None or not policies.may_view(user, unit):
        raise Http404
    return unit


@login_required
def report_index(request):
    """The latest cycle's report of the user's own level (or the list to choose from)."""
    cycles = list(selectors.visible_cycles(request.user)[:20])
    tops = policies.top_units(request.user)
    if not cycles or not tops:
        return render_page(request, "reports/index.html", {"cycles": cycles, "tops": tops})
    chosen = request.GET.get("cycle")
    cycle = next((c for c in cycles if str(c.pk) == chosen), cycles[0])
    if len(tops) == 1:
        return redirect("report", cycle.pk, tops[0].pk)
    return render_page(
        request, "reports/index.html", {"cycles": cycles, "cycle": cycle, "tops": tops}
    )


@login_required
def report_page(request, cycle_pk, unit_pk):
    cycle = _cycle(request.user, cycle_pk)
    unit = _unit(request.user, unit_pk)
    report = selectors.report(request.user, cycle, unit)
    parent = unit.parent if unit.parent and policies.may_view(request.user, unit.parent) else None
    submitted = sum(1 for row in report.children if row.submission and row.submission.is_submitted)
    context = {
        "cycle": cycle,
        "unit": unit,
        "parent": parent,
        "report": report,
        "tiers": selectors.TIERS,
        "charts": report_charts(report),
        "cycles": list(selectors.visible_cycles(request.user)[:10]),
        "submitted": submitted,
        "may_submit": cycle.status == CycleStatus.OPEN and policies.may_submit(request.user, unit),
        "pdf": documents_render.pdf_available(),
    }
    return render_page(request, "reports/report.html", context)


@login_required
def report_export(request, cycle_pk, unit_pk):
    cycle = _cycle(request.user, cycle_pk)
    unit = _unit(request.user, unit_pk)
    data = exporters.summary_workbook(selectors.report(request.user, cycle, unit))
    response = HttpResponse(data, content_type=exporters.CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="tong-hop-{cycle.code}-{unit.code}.xlsx"'.replace(" ", "-")
    )
    return response


@login_required
@require_POST
def report_document(request, cycle_pk, unit_pk):
    """The report as a Word or PDF document with its charts: an export of the documents
    registry (``report_document``, the reports policy), run as the user's job; then the job's
    page (progress, download)."""
    cycle = _cycle(request.user, cycle_pk)
    unit = _unit(request.user, unit_pk)
    exporter = registry.get(exporters.ReportDocumentExporter.identifier)
    try:
        job = documents.export_start(
            actor=request.user,
            exporter=exporter,
            fmt=request.POST.get("format", "pdf"),
            data={"cycle": str(cycle.pk), "unit": unit.code},
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("report", cycle.pk, unit.pk)
    if documents.runs_inline(job):
        jobs.job_run(job.pk)
    return redirect("job-detail", pk=job.pk)


@login_required
@require_POST
def report_submit(request, cycle_pk, unit_pk):
    cycle = _cycle(request.user, cycle_pk)
    unit = _unit(request.user, unit_pk)
    try:
        services.report_submit(
            cycle=cycle,
            unit=unit,
            note=request.POST.get("note", ""),
            revision=request.POST.get("revision"),
            actor=request.user,
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The report has been submitted to the level above."))
    return redirect("report", cycle.pk, unit.pk)


@login_required
@require_POST
def report_withdraw(request, cycle_pk, unit_pk):
    cycle = _cycle(request.user, cycle_pk)
    unit = _unit(request.user, unit_pk)
    submission = ReportSubmission.objects.filter(cycle=cycle, unit=unit).first()
    if submission is None:
        raise Http404
    try:
        services.report_withdraw(
            submission=submission,
            reason=request.POST.get("reason", ""),
            revision=request.POST.get("revision"),
            actor=request.user,
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The report has been withdrawn; submit it again when ready."))
    return redirect("report", cycle.pk, unit.pk)
