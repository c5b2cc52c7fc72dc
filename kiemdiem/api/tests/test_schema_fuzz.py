"""Fuzz every operation of the served OpenAPI schema: no input may cause a server error.

Schemathesis loads the schema from the app itself (WSGI, no server), generates valid and
invalid requests from it and sends them with a superuser's token over the small province tree
(kiemdiem/conftest.py). Only the ``not_a_server_error`` check runs: a 4xx for nonsense input is
the right answer, a 5xx never is. Most generated ids are mapped onto objects that exist, so the
services behind the endpoints are reached, not only the 404 path.

KIEMDIEM_FUZZ_EXAMPLES raises the number of examples per operation for a longer local run.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from kiemdiem.orgtree.models import Unit
from kiemdiem.people.models import Affiliation, Person

# Loaded when the module is collected: serving the schema touches no database. (The lazy
# ``schemathesis.pytest.from_fixture`` loader does not work with pytest 9 in schemathesis 4.)
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

EXAMPLES = int(os.environ.get("KIEMDIEM_FUZZ_EXAMPLES", "20"))
UNIT_FIELDS = {"parent", "new_parent", "managed_by", "unit", "to_cell", "subtree_of", "sources"}
PERSON_FIELDS = {"person"}


def _existing(value, ids):
    """Most positive ids become ids that exist (every fifth is left alone, to reach 404)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value % 5 == 0:
        return value
    return ids[value % len(ids)]


def _map_fields(data, known):
    if not isinstance(data, dict):
        return data
    for name, value in data.items():
        ids = (
            known["units"]
            if name in UNIT_FIELDS
            else known["people"]
            if name in PERSON_FIELDS
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
    }
    if case.path_parameters and "id" in case.path_parameters:
        collection = case.path.split("/")[2]  # /api/<collection>/{id}/...
        ids = {"units": known["units"], "people": known["people"]}.get(
            collection, known["affiliations"]
        )
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


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_error(case, province, superuser, keep_test_connection):
    token = Token.objects.get_or_create(user=superuser)[0].key
    _point_at_existing_objects(case)
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=[not_a_server_error])
