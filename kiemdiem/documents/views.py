"""The documents page: the exporters the user may run, each with its form; a run is a job
(progress and download on the job's page, which only its owner opens)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from kiemdiem.common.views import render_page
from kiemdiem.documents import policies, registry, render, services
from kiemdiem.jobs import services as jobs


class FormatForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"))

    def __init__(self, *args, exporter, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [
            (f, registry.FORMAT_LABELS.get(f, f)) for f in exporter.formats
        ]


@login_required
def document_list(request):
    exporters = policies.available(request.user)
    if not exporters:
        raise PermissionDenied
    return render_page(
        request,
        "documents/index.html",
        {
            "exporters": exporters,
            "pdf": render.pdf_available(),
            "pdf_missing": policies.pdf_missing_message(),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def document_run(request, identifier):
    exporter = registry.get(identifier)
    if exporter is None or not policies.may_use(request.user, exporter):
        raise Http404
    status = 200
    if request.method == "POST":
        fmt_form = FormatForm(request.POST, exporter=exporter)
        form = exporter.form(request.user, request.POST)
        if fmt_form.is_valid():
            data = request.POST.copy()
            data.pop("format", None)
            try:
                job = services.export_start(
                    actor=request.user,
                    exporter=exporter,
                    fmt=fmt_form.cleaned_data["format"],
                    data=data,
                )
            except ValidationError as error:
                form.is_valid()
                for field, messages in error.message_dict.items():
                    target = field if field in form.fields else None
                    if field == "format":
                        for m in messages:
                            fmt_form.add_error("format", m)
                        continue
                    for m in messages:
                        if m not in (form.errors.get(target or "__all__") or []):
                            form.add_error(target, m)
                status = 400
            else:
                if services.runs_inline(job):
                    jobs.job_run(job.pk)
                return redirect("job-detail", pk=job.pk)
        else:
            form.is_valid()
            status = 400
    else:
        fmt_form = FormatForm(exporter=exporter, initial={"format": exporter.formats[0]})
        form = exporter.form(request.user, None, initial=request.GET.dict())
    return render_page(
        request,
        "documents/run.html",
        {
            "exporter": exporter,
            "form": form,
            "fmt_form": fmt_form,
            "pdf": render.pdf_available(),
            "pdf_missing": policies.pdf_missing_message(),
            "max_items": services.max_items(),
        },
        status=status,
    )
