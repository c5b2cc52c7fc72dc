"""Lists cost a fixed number of queries, however many rows they show (no N+1)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.people import services as people

D = datetime.date


def _grow(province, n=6):
    for i in range(n):
        person = people.person_create(
            family_name="Ngô",
            middle_name="Văn",
            given_name=f"Tư {'ABCDEFGHIJ'[i]}",  # letters only: a name has no digits
            birth_date=D(1980, 1, 1),
            actor=None,
        )
        people.member_admit(person=person, admitted_on=D(2010, 1, 1), actor=None)
        people.affiliation_start(
            person=person, unit=province.cell_a1, kind="cell", valid_from=D(2020, 1, 1), actor=None
        )
        people.member_status_change(
            member=person.membership, status="exempt", effective=D(2021, 1, 1), actor=None
        )


URLS = [
    "/api/units/",
    "/api/units/{A}/children/",
    "/api/units/{A1}/members/",
    "/api/people/",
    "/api/people/?unit={A}",
    "/api/people/{an}/",
    "/api/affiliations/",
    "/api/audit/",
    "/api/me/",
]


@pytest.mark.parametrize("url", URLS)
def test_query_count_does_not_grow_with_rows(
    client_for, province, django_assert_max_num_queries, url
):
    client = client_for("staff_p")
    ids = {"A": province.commune_a.pk, "A1": province.cell_a1.pk, "an": province.members["an"].pk}
    url = url.format(**ids)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    _grow(province)
    assert count() == small
    with django_assert_max_num_queries(8):
        client.get(url)
