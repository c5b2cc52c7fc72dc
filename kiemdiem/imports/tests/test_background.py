"""Checking and importing a file are jobs of the background queue: large files wait for the
worker, small ones run in the request; the import page shows the job's progress from the
shared cache; a step whose process died shows as interrupted and runs again."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from kiemdiem.audit.models import LogEntry
from kiemdiem.imports import services, tasks
from kiemdiem.imports.models import ImportJob
from kiemdiem.imports.tests.helpers import PEOPLE_HEADERS, person_row, xlsx_bytes
from kiemdiem.jobs import progress
from kiemdiem.jobs import services as jobs
from kiemdiem.jobs.models import Job
from kiemdiem.jobs.selectors import job_list
from kiemdiem.people.models import Affiliation, Person

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _rows(count, prefix="0010850"):
    return [person_row(cid=f"{prefix}{i:05d}", given="Hải") for i in range(1, count + 1)]


def _upload(user, unit, rows, filename="big.xlsx"):
    return services.job_create(
        user=user,
        unit=unit,
        kind="people",
        filename=filename,
        chunks=[xlsx_bytes(PEOPLE_HEADERS, rows)],
    )


def test_large_files_are_checked_and_imported_as_jobs(province, settings):
    settings.IMPORTS_INLINE_MAX_BYTES = 0  # every file is "large": it goes through the queue
    user = province.users["staff_p"]
    rows = _rows(49)
    rows.append(person_row(cid="001085099999", cell="ZZ"))
    job = _upload(user, province.province, rows)
    with translation.override("en"):
        step = tasks.enqueue_validate(job, user)
    assert step.kind == "imports.validate" and step.status == "done"
    job.refresh_from_db()
    assert job.status == "invalid" and job.task_id == step.pk
    with translation.override("en"):  # the uploader's language, kept by the job
        assert "No active unit" in job.problem_list()[0]["message"]

    job = _upload(user, province.province, rows[:-1])
    tasks.enqueue_validate(job, user)
    job.refresh_from_db()
    assert job.status == "ready", job.problems
    step = tasks.enqueue_commit(job, user)
    assert step.kind == "imports.commit" and step.owner == user
    job.refresh_from_db()
    assert job.status == "done" and job.created == 49 and job.task_id == step.pk
    assert Person.objects.filter(citizen_id__startswith="0010850").count() == 49
    assert job.progress()["percent"] == 100
    step.refresh_from_db()
    assert step.messages() == ["Tạo mới 49, cập nhật 0, không đổi 0."]
    # The user's jobs list them, each linked to the import's page.
    mine = list(job_list(user))
    assert [j.kind for j in mine[:2]] == ["imports.commit", "imports.validate"]
    assert mine[0].link() == reverse("import-job", args=[job.pk])


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_checks_and_imports_a_large_upload(client, province, settings):
    settings.IMPORTS_INLINE_MAX_BYTES = 0
    client.force_login(province.users["staff_a"])
    upload = SimpleUploadedFile("ds.xlsx", xlsx_bytes(PEOPLE_HEADERS, _rows(20)))
    with override_settings(TASKS=DATABASE_QUEUE):
        response = client.post(reverse("imports"), {"kind": "people", "unit": "A", "file": upload})
        job = ImportJob.objects.get()
        assert job.status == "queued" and job.task.status == "queued"  # no worker ran yet
        page = client.get(response["Location"]).content.decode()
        assert "every 1s" in page  # the page follows it
        call_command("run_worker", "--batch", verbosity=0)
        job.refresh_from_db()
        assert job.status == "ready", job.problems

        client.post(reverse("import-confirm", args=[job.pk]))
        job.refresh_from_db()
        assert job.status == "confirmed" and not Person.objects.filter(
            citizen_id__startswith="0010850"
        )
        page = client.get(reverse("import-job", args=[job.pk])).content.decode()
        assert "Đã xác nhận, đang chờ nhập" in page and "Xác nhận và nhập" not in page
        call_command("run_worker", "--batch", verbosity=0)
    job.refresh_from_db()
    assert job.status == "done" and job.created == 20
    assert Person.objects.filter(citizen_id__startswith="0010850").count() == 20
    assert LogEntry.objects.filter(action="import.committed", unit=province.commune_a).exists()
    listed = client.get(reverse("job-list")).content.decode()
    assert listed.count("ds.xlsx") == 2  # the check and the import, on the user's jobs page


@pytest.mark.django_db(transaction=True)
def test_small_files_still_run_in_the_request(client, province):
    client.force_login(province.users["staff_a"])
    upload = SimpleUploadedFile("ds.xlsx", xlsx_bytes(PEOPLE_HEADERS, [person_row()]))
    with override_settings(TASKS=DATABASE_QUEUE):  # a queue, and no worker serving it
        client.post(reverse("imports"), {"kind": "people", "unit": "A", "file": upload})
        job = ImportJob.objects.get()
        assert job.status == "ready" and job.task.status == "done"
        client.post(reverse("import-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and Person.objects.filter(citizen_id="001085000001").exists()
    assert Job.objects.filter(owner=province.users["staff_a"], status="done").count() == 2


def test_a_file_is_confirmed_once(client, province):
    user = province.users["staff_a"]
    job = _upload(user, province.commune_a, [person_row()])
    tasks.enqueue_validate(job, user)
    assert tasks.enqueue_commit(job, user) is not None
    assert tasks.enqueue_commit(job, province.users["staff_p"]) is None  # nothing queued
    assert Job.objects.filter(kind="imports.commit").count() == 1
    client.force_login(user)
    response = client.post(reverse("import-confirm", args=[job.pk]), follow=True)
    assert "Chỉ nhập được tệp đã kiểm tra" in response.content.decode()
    assert Person.objects.filter(citizen_id="001085000001").count() == 1


def test_the_page_shows_progress_from_the_shared_cache(client, province):
    """What the worker reports (``jobs.progress``) is what any app server shows."""
    user = province.users["staff_a"]
    job = _upload(user, province.commune_a, [person_row()])
    step = jobs.job_create(kind="imports.commit", owner=user, params={"import": job.pk})
    Job.objects.filter(pk=step.pk).update(status="running", started_at=timezone.now())
    ImportJob.objects.filter(pk=job.pk).update(status="running", task=step, total=10_000)
    progress.report(step.pk, 4000, 10_000)
    client.force_login(user)
    page = client.get(reverse("import-job", args=[job.pk]), HTTP_HX_REQUEST="true")
    text = page.content.decode()
    assert 'value="40"' in text and "4.000" in text and "10.000" in text


def test_while_the_length_is_unknown_the_page_counts_rows_without_a_stuck_bar(client, province):
    """A large file is checked as it streams: its row count is known only at the end."""
    user = province.users["staff_a"]
    job = _upload(user, province.commune_a, [person_row()])
    step = jobs.job_create(kind="imports.validate", owner=user, params={"import": job.pk})
    Job.objects.filter(pk=step.pk).update(status="running", started_at=timezone.now())
    ImportJob.objects.filter(pk=job.pk).update(status="validating", task=step)
    progress.report(step.pk, 12_000, 0)
    client.force_login(user)
    text = client.get(reverse("import-job", args=[job.pk]), HTTP_HX_REQUEST="true")
    text = text.content.decode()
    assert "12.000" in text and "<progress aria-label" in text and 'value="0"' not in text


def test_confirming_needs_the_right_when_the_worker_runs(province, settings):
    """A grant taken away while the file waited in the queue: nothing is imported."""
    settings.IMPORTS_INLINE_MAX_BYTES = 0
    user = province.users["staff_a"]
    job = _upload(user, province.commune_a, [person_row()])
    tasks.enqueue_validate(job, user)
    with override_settings(TASKS=DATABASE_QUEUE):
        step = tasks.enqueue_commit(job, user)
    user.grants.all().delete()
    jobs.job_run(step.pk)
    step.refresh_from_db()
    job.refresh_from_db()
    assert step.status == "failed" and "không còn quyền nhập" in step.error_message()
    assert job.status == "ready"  # someone still entitled may confirm it
    assert not Person.objects.filter(citizen_id="001085000001").exists()


def _interrupted_commit(province, settings):
    """A confirmed file whose worker died in the middle of the commit."""
    settings.IMPORTS_INLINE_MAX_BYTES = 0
    user = province.users["staff_a"]
    job = _upload(user, province.commune_a, _rows(5))
    tasks.enqueue_validate(job, user)
    with override_settings(TASKS=DATABASE_QUEUE):  # queued; "the worker" below dies
        step = tasks.enqueue_commit(job, user)
    no_such_pid = 999_999_999  # above any pid_max: that process is gone
    Job.objects.filter(pk=step.pk).update(
        status="running", started_at=timezone.now(), worker=f"{jobs.THIS_HOST}:{no_such_pid}:1"
    )
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    return job, step


def test_an_interrupted_commit_runs_again_from_its_page(client, province, settings):
    job, step = _interrupted_commit(province, settings)
    client.force_login(province.users["staff_a"])
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    job.refresh_from_db()
    step.refresh_from_db()
    assert job.status == step.status == "interrupted"
    assert reverse("job-retry", args=[step.pk]) in page and "Chạy lại" in page
    assert "Tải tệp lên lại" in page
    # Whoever did not start it may upload again, not run it again.
    client.force_login(province.users["staff_p"])
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert reverse("job-retry", args=[step.pk]) not in page and "Tải tệp lên lại" in page

    client.force_login(province.users["staff_a"])
    back = reverse("import-job", args=[job.pk])
    response = client.post(reverse("job-retry", args=[step.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    job.refresh_from_db()
    assert job.status == "done" and job.created == 5
    assert Person.objects.filter(citizen_id__startswith="0010850").count() == 5


def test_a_retry_waits_in_the_queue_as_confirmed(province, settings):
    job, step = _interrupted_commit(province, settings)
    jobs.recover_interrupted()
    step.refresh_from_db()
    with override_settings(TASKS=DATABASE_QUEUE):
        jobs.job_retry(job=step, actor=province.users["staff_a"])
    job.refresh_from_db()
    assert job.status == "confirmed" and job.finished_at is None


# --- a real worker process, killed in the middle of the commit ---------------------------------


def _worker(var_dir, cache_dir):
    """``manage.py run_worker`` in its own process, on the test database and a file cache
    shared with this process (as app servers and workers share one in production)."""
    code = f"""
import django
from django.test import override_settings
django.setup()
from django.core.management import call_command
with override_settings(
    TASKS={DATABASE_QUEUE!r},
    VAR_DIR={str(var_dir)!r},
    CACHES={{"default": {{"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                         "LOCATION": {str(cache_dir)!r}}}}},
):
    call_command("run_worker", "--batch", verbosity=0)
"""
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return subprocess.Popen([sys.executable, "-c", code], env=env)


@pytest.mark.django_db(transaction=True)
def test_kill_9_during_the_commit_leaves_nothing_and_the_import_runs_again(
    province, settings, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs the test database: an in-memory SQLite one is not")
    settings.IMPORTS_INLINE_MAX_BYTES = 0
    cache_dir = tmp_path / "cache"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(cache_dir),
        }
    }
    user = province.users["staff_p"]
    job = _upload(user, province.province, _rows(10_000))
    tasks.enqueue_validate(job, user)
    job.refresh_from_db()
    assert job.status == "ready", job.problems
    with override_settings(TASKS=DATABASE_QUEUE):
        step = tasks.enqueue_commit(job, user)
    before = (Person.objects.count(), Affiliation.objects.count(), LogEntry.objects.count())

    worker = _worker(settings.VAR_DIR, cache_dir)
    seen = []
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and worker.poll() is None:
            live = progress.read(step.pk)  # reported by the other process
            if live and 0 < live["done"] < live["total"]:
                seen.append(live["done"])
                break
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait()
    assert seen, "the commit finished before it could be killed"

    job.refresh_from_db()
    assert job.status == "running"  # the dead process could not say otherwise
    assert (Person.objects.count(), Affiliation.objects.count(), LogEntry.objects.count()) == before
    assert jobs.recover_interrupted() == 1
    job.refresh_from_db()
    step.refresh_from_db()
    assert job.status == step.status == "interrupted"

    with override_settings(TASKS=DATABASE_QUEUE):
        jobs.job_retry(job=step, actor=user)
        call_command("run_worker", "--batch", verbosity=0)
    job.refresh_from_db()
    assert job.status == "done" and job.created == 10_000
    assert Person.objects.count() == before[0] + 10_000


def test_the_migration_interrupts_imports_left_by_the_old_threads(province):
    """Threads of the version before died with the processes stopped for the upgrade."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("kiemdiem.imports.migrations.0003_job_on_the_queue")
    user = province.users["staff_a"]
    left = {}
    for status in ("queued", "validating", "running", "ready", "done"):
        job = _upload(user, province.commune_a, [person_row()])
        ImportJob.objects.filter(pk=job.pk).update(status=status)
        left[status] = job.pk
    migration.interrupt_thread_jobs(apps, None)
    after = dict(ImportJob.objects.values_list("pk", "status"))
    assert {s: after[pk] for s, pk in left.items()} == {
        "queued": "interrupted",
        "validating": "interrupted",
        "running": "interrupted",
        "ready": "ready",
        "done": "done",
    }
