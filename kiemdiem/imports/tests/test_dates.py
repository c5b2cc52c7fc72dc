"""A date that does not exist is called so, on its own cell only."""

import pytest
from django.utils import translation

from kiemdiem.imports.tests.helpers import PEOPLE_HEADERS, person_row, run_import, xlsx_bytes
from kiemdiem.people.models import Person

pytestmark = pytest.mark.django_db


def test_an_impossible_date_is_named_and_the_other_dates_of_the_row_are_not_blamed(province):
    headers = PEOPLE_HEADERS
    rows = [person_row(admitted="31/02/2012", status="Miễn sinh hoạt", status_from="01/01/2024")]
    with translation.override("vi"):
        job = run_import(
            province.users["staff_p"], province.province, "people", xlsx_bytes(headers, rows)
        )
        problems = [(p["row"], p["column"], p["message"]) for p in job.problem_list()]
    assert problems == [(2, "H", "Ngày 31/02/2012 không tồn tại.")]
    assert not Person.objects.filter(citizen_id="001085000001").exists()
