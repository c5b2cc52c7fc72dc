"""Fuzz every operation of the served OpenAPI schema: no input may cause a server error.

Schemathesis loads the schema from the app itself (WSGI, no server), generates valid and
invalid requests from it and sends them with a superuser's token over the small province tree
(kiemdiem/testing.py), with the 2025 review cycle open, its subjects listed and some
self-reviews started. Only the ``not_a_server_error`` check runs: a 4xx for nonsense input is
the right answer, a 5xx never is. Most generated ids are mapped onto objects that exist, so the
services behind the endpoints are reached, not only the 404 path.

KIEMDIEM_FUZZ_EXAMPLES raises the number of examples per operation for a longer local run.
"""

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.exceptions import ValidationError
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error

from kiemdiem.cycles.models import Plan, ReviewCycle, Subject
from kiemdiem.jobs.models import Job
from kiemdiem.orgtree.models import Unit
from kiemdiem.people.models import Affiliation, Person
from kiemdiem.reviews import services as reviews
from kiemdiem.reviews.models import SelfReview

# Loaded when the module is collected, straight from the generator: the served /api/schema/
# needs a login (a database query), generating it does not. (The lazy
# ``schemathesis.pytest.from_fixture`` loader does not work with pytest 9 in schemathesis 4.)
schema = schemathesis.openapi.from_dict(
    json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))
)
schema.app = get_wsgi_application()

EXAMPLES = int(os.environ.get("KIEMDIEM_FUZZ_EXAMPLES", "20"))
UNIT_FIELDS = {
    "parent",
    "new_parent",
    "managed_by",
    "unit",
    "to_cell",
    "subtree_of",
    "sources",
    "root",
}
PERSON_FIELDS = {"person"}
REVIEW_FIELDS = {"reviews"}


def _existing(value, ids):
    """Most positive ids become ids that exist (every fifth is left alone, to reach 404)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value % 5 == 0:
        return value
    return ids[value % len(ids)] if ids else value


def _map_fields(data, known):
    if not isinstance(data, dict):
        return data
    for name, value in data.items():
        ids = (
            known["units"]
            if name in UNIT_FIELDS
            else known["people"]
            if name in PERSON_FIELDS
            else known["reviews"]
            if name in REVIEW_FIELDS
            else None
        )
        if ids is None:
            continue
        if isinstance(value, list):
            data[name] = [_existing(v, ids) for v in value]
        else:
            data[name] = _existing(value, ids)
    return data


def _point_at_existing_objects(case) -> None:
    known = {
        "units": list(Unit.objects.values_list("pk", flat=True)),
        "people": list(Person.objects.values_list("pk", flat=True)),
        "affiliations": list(Affiliation.objects.values_list("pk", flat=True)),
        "cycles": list(ReviewCycle.objects.values_list("pk", flat=True)),
        "plans": list(Plan.objects.values_list("pk", flat=True)),
        "subjects": list(Subject.objects.values_list("pk", flat=True)),
        "reviews": list(SelfReview.objects.values_list("pk", flat=True)),
        "jobs": list(Job.objects.values_list("pk", flat=True)),
    }
    if case.path_parameters and "id" in case.path_parameters:
        collection = case.path.split("/")[2]  # /api/<collection>/{id}/...
        ids = known[collection]
        case.path_parameters["id"] = _existing(case.path_parameters["id"], ids)
    _map_fields(case.query, known)
    _map_fields(case.body, known)


@pytest.fixture
def keep_test_connection():
    """Requests go through the real WSGI handler, whose request signals would close the
    database connection the test transaction lives on; Django's test client does the same."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def started_reviews(cycle):
    """Self-reviews started for every third subject of the cycle, so that the review
    endpoints reach the services."""
    for subject in list(Subject.objects.filter(cycle=cycle).order_by("pk"))[::3]:
        try:
            reviews.review_start(subject=subject, actor=None)
        except ValidationError:  # no form for this kind of subject
            continue


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_error(case, province, superuser, started_reviews, keep_test_connection):
    token = AuthToken.objects.create(user=superuser)[1]
    _point_at_existing_objects(case)
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=[not_a_server_error])
