"""Background jobs: start, progress, outcome, interruption, retry, result, pages and API."""

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop
from rest_framework.test import APIClient

from kiemdiem.jobs import progress, registry, services
from kiemdiem.jobs.models import Job, JobStatus
from kiemdiem.jobs.runner import JobRefused

RUNS: list[int] = []


def _write_result(context):
    RUNS.append(context.job.pk)
    for done in range(0, 11):
        context.progress(done, 10)
    context.note(gettext_noop("%(count)s rows written"), count=10)
    context.result_file("ket-qua.txt").write_text("xin chào")


def _refuse(context):
    raise JobRefused(
        gettext_noop("The file has %(count)s rows; the limit is %(limit)s."), count=9, limit=5
    )


def _crash(context):
    raise RuntimeError("secret internal detail")


FOLLOWED: list[tuple[int, str]] = []


def _follow(job):
    FOLLOWED.append((job.pk, job.status))


registry.register("test.result", "Test result", _write_result)
registry.register("test.refuse", "Test refusal", _refuse)
registry.register("test.crash", "Test crash", _crash)
registry.register(
    "test.followed", "Test followed", _refuse, on_status=_follow, link=lambda job: "/here/"
)


@pytest.fixture
def staff(province):
    return province.users["staff_a"]


def test_a_job_runs_reports_progress_and_keeps_its_result(staff):
    job = services.job_start(kind="test.result", owner=staff, title="Xuất thử")
    assert job.status == JobStatus.DONE
    assert job.progress()["percent"] == 100 and (job.done, job.total) == (10, 10)
    assert job.messages() == ["10 rows written"]
    assert job.result_path.read_text() == "xin chào"
    assert job.expires_at > timezone.now() and job.attempts == 1


def test_a_refusal_is_told_in_words_and_a_crash_shows_no_internals(staff):
    refused = services.job_start(kind="test.refuse", owner=staff)
    assert refused.status == JobStatus.FAILED
    assert refused.error_message() == "The file has 9 rows; the limit is 5."
    crashed = services.job_start(kind="test.crash", owner=staff)
    assert crashed.status == JobStatus.FAILED
    assert "secret internal detail" not in crashed.error_message()
    assert "nhật ký máy chủ" in crashed.error_message()


def test_an_unknown_kind_is_refused_before_anything_is_queued(staff):
    with pytest.raises(ValueError):
        services.job_start(kind="no.such.kind", owner=staff)
    assert not Job.objects.exists()


def _running(owner, *, worker="", started_ago=0):
    return Job.objects.create(
        kind="test.result",
        owner=owner,
        status=JobStatus.RUNNING,
        worker=worker,
        started_at=timezone.now() - timezone.timedelta(seconds=started_ago),
    )


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_job_whose_process_died_is_marked_interrupted(staff):
    dead = _running(staff, worker=f"{services.THIS_HOST}:{_dead_pid()}")
    alive = _running(staff, worker=f"{services.THIS_HOST}:{os.getpid()}")
    progress.report(alive.pk, 5, 10)
    silent = _running(staff, worker="another-machine:123", started_ago=3600)
    elsewhere = _running(staff, worker="another-machine:124", started_ago=3600)
    progress.report(elsewhere.pk, 1, 10)  # reported just now: alive
    assert services.recover_interrupted() == 2
    statuses = {j.pk: j.status for j in Job.objects.all()}
    assert statuses[dead.pk] == statuses[silent.pk] == JobStatus.INTERRUPTED
    assert statuses[alive.pk] == statuses[elsewhere.pk] == JobStatus.RUNNING
    dead.refresh_from_db()
    assert "gián đoạn" in dead.error_message()


def test_the_worker_marks_dead_jobs_when_it_starts(staff):
    dead = _running(staff, worker=f"{services.THIS_HOST}:{_dead_pid()}")
    call_command("run_worker", "--batch", verbosity=0)
    dead.refresh_from_db()
    assert dead.status == JobStatus.INTERRUPTED


def test_retry_runs_an_interrupted_job_again_once_and_only_for_its_owner(province, staff):
    RUNS.clear()
    job = _running(staff, worker=f"{services.THIS_HOST}:{_dead_pid()}")
    services.recover_interrupted()
    job.refresh_from_db()
    other = province.users["staff_b"]
    with pytest.raises(services.PermissionDenied):
        services.job_retry(job=job, actor=other)
    services.job_retry(job=job, actor=staff)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and RUNS == [job.pk]
    with pytest.raises(services.PermissionDenied):  # done: nothing to retry
        services.job_retry(job=job, actor=staff)


def test_a_task_delivered_twice_runs_once(staff):
    RUNS.clear()
    job = services.job_start(kind="test.result", owner=staff)
    services.job_run(job.pk)
    assert RUNS == [job.pk]


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_runs_jobs_from_the_database_queue(province):
    from django_tasks_db.models import DBTaskResult

    RUNS.clear()
    database_queue = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=database_queue):
        job = services.job_start(kind="test.result", owner=province.users["staff_a"])
        assert job.status == JobStatus.QUEUED and RUNS == []
        assert DBTaskResult.objects.filter(id=job.task_id).exists()
        call_command("run_worker", "--batch", verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and RUNS == [job.pk]
    assert job.result_path.read_text() == "xin chào"


def test_pages_show_a_users_own_jobs_with_progress(client, province, staff):
    job = services.job_start(kind="test.result", owner=staff, title="Xuất danh sách")
    services.job_start(kind="test.result", owner=province.users["staff_b"], title="Của người khác")
    client.force_login(staff)
    page = client.get(reverse("job-list")).content.decode()
    assert "Xuất danh sách" in page and "Của người khác" not in page and "<progress" in page
    detail = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert reverse("job-result", args=[job.pk]) in detail
    assert client.get(reverse("job-result", args=[job.pk])).status_code == 200
    client.force_login(province.users["staff_b"])
    assert client.get(reverse("job-detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("job-result", args=[job.pk])).status_code == 404
    assert client.post(reverse("job-retry", args=[job.pk])).status_code == 404


def test_the_api_lists_jobs_and_retries_only_what_may_be_retried(province, staff):
    job = services.job_start(kind="test.refuse", owner=staff)
    api = APIClient()
    api.force_authenticate(staff)
    listed = api.get("/api/jobs/").json()
    assert [row["id"] for row in listed["results"]] == [job.pk]
    assert listed["results"][0]["status"] == "failed" and listed["results"][0]["error"]
    assert api.post(f"/api/jobs/{job.pk}/retry/").status_code == 200
    stranger = APIClient()
    stranger.force_authenticate(province.users["staff_b"])
    assert stranger.get(f"/api/jobs/{job.pk}/").status_code == 404
    assert stranger.post(f"/api/jobs/{job.pk}/retry/").status_code == 404
    assert APIClient().get("/api/jobs/").status_code == 401


def test_expired_jobs_and_their_files_are_pruned(staff):
    job = services.job_start(kind="test.result", owner=staff)
    folder = job.folder
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timezone.timedelta(days=1))
    assert services.jobs_prune() == 1
    assert not folder.exists() and not Job.objects.exists()


def test_a_live_process_of_this_machine_is_not_interrupted_however_quiet(staff):
    """A long step that reports nothing for a while (opening a large file) is not dead."""
    quiet = _running(staff, worker=services.this_process(), started_ago=3600)
    assert services.recover_interrupted() == 0
    quiet.refresh_from_db()
    assert quiet.status == JobStatus.RUNNING


def test_a_reused_pid_is_not_taken_for_the_jobs_process(staff):
    """After a restart another process may have the dead worker's pid: its start time differs."""
    host, pid, started = services.this_process().split(":")
    if not started:
        pytest.skip("no /proc: process start times unknown")
    job = _running(staff, worker=f"{host}:{pid}:1")
    assert services.recover_interrupted() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.INTERRUPTED


def test_the_kind_follows_failure_interruption_and_retry(staff):
    """``on_status`` lets an app's own record follow its job; ``link`` leads to that record."""
    FOLLOWED.clear()
    failed = services.job_start(kind="test.followed", owner=staff)
    assert FOLLOWED == [(failed.pk, JobStatus.FAILED)]
    assert (
        failed.link() == "/here/"
        and services.job_start(kind="test.result", owner=staff).link() == ""
    )
    FOLLOWED.clear()
    dead = _running(staff, worker=f"{services.THIS_HOST}:{_dead_pid()}")
    Job.objects.filter(pk=dead.pk).update(kind="test.followed")
    services.recover_interrupted()
    assert FOLLOWED == [(dead.pk, JobStatus.INTERRUPTED)]
    FOLLOWED.clear()
    dead.refresh_from_db()
    services.job_retry(job=dead, actor=staff)
    # Told it is queued again before it runs (here at once, and refused again).
    assert FOLLOWED == [(dead.pk, JobStatus.QUEUED), (dead.pk, JobStatus.FAILED)]


def test_retry_goes_back_to_the_page_it_was_asked_from(client, staff):
    job = services.job_start(kind="test.refuse", owner=staff)
    client.force_login(staff)
    response = client.post(reverse("job-retry", args=[job.pk]), {"next": "/imports/"})
    assert response["Location"] == "/imports/"
    response = client.post(reverse("job-retry", args=[job.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("job-detail", args=[job.pk])
