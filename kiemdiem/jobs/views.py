"""The signed-in user's background jobs: list with progress bars, one job, retry, result."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kiemdiem.common.views import paginate, render_page
from kiemdiem.jobs import selectors, services
from kiemdiem.jobs.policies import JobPolicy


@login_required
def job_list(request):
    page = paginate(request, selectors.job_list(request.user), per_page=30)
    running = any(not job.is_finished for job in page)
    return render_page(
        request, "jobs/job_list.html", {"page": page, "running": running}, partial="jobs"
    )


@login_required
def job_detail(request, pk):
    job = selectors.job_get(request.user, pk)
    policy = JobPolicy(request.user, job)
    context = {"job": job, "progress": job.progress(), "policy": policy}
    return render_page(request, "jobs/job_detail.html", context, partial="status")


@login_required
@require_POST
def job_retry(request, pk):
    job = selectors.job_get(request.user, pk)
    if not JobPolicy(request.user, job).may_retry:
        messages.error(request, _("Only a failed or interrupted job of yours can be run again."))
    else:
        services.job_retry(job=job, actor=request.user)
        messages.success(request, _("The job was queued again."))
    # Back to the page the button was on (an import's page), when it is one of ours.
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("job-detail", pk=pk)


@login_required
def job_result(request, pk):
    job = selectors.job_get(request.user, pk)
    path = job.result_path
    if not JobPolicy(request.user, job).may_download or path is None or not path.exists():
        raise Http404
    return FileResponse(open(path, "rb"), as_attachment=True, filename=job.result_name)
