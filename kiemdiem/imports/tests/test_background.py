"""Large files run in a worker thread; the job page shows progress; messages keep the language."""

import pytest
from django.utils import translation

from kiemdiem.imports import services, tasks
from kiemdiem.imports.tests.helpers import PEOPLE_HEADERS, person_row, xlsx_bytes
from kiemdiem.people.models import Person


@pytest.mark.django_db(transaction=True)
def test_thread_validates_and_commits(province, settings):
    settings.IMPORTS_INLINE_MAX_BYTES = 0
    user = province.users["staff_p"]
    rows = [person_row(cid=f"0010850{i:05d}", given="Hải") for i in range(1, 50)]
    rows.append(person_row(cid="001085099999", cell="ZZ"))
    job = services.job_create(
        user=user,
        unit=province.province,
        kind="people",
        filename="big.xlsx",
        chunks=[xlsx_bytes(PEOPLE_HEADERS, rows)],
    )
    with translation.override("en"):
        thread = tasks.enqueue_validate(job)
    assert thread is not None
    thread.join(30)
    job.refresh_from_db()
    assert job.status == "invalid"
    with translation.override("en"):
        assert "No active unit" in job.problem_list()[0]["message"]

    job = services.job_create(
        user=user,
        unit=province.province,
        kind="people",
        filename="big.xlsx",
        chunks=[xlsx_bytes(PEOPLE_HEADERS, rows[:-1])],
    )
    tasks.enqueue_validate(job).join(30)
    job.refresh_from_db()
    assert job.status == "ready", job.problems
    tasks.enqueue_commit(job, user).join(30)
    job.refresh_from_db()
    assert job.status == "done" and job.created == 49
    assert Person.objects.filter(citizen_id__startswith="0010850").count() == 49
    assert job.progress()["percent"] == 100
