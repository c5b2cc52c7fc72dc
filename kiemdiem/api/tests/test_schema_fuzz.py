"""Fuzz every operation of the served OpenAPI schema with all of schemathesis's checks.

Schemathesis loads the schema from the app itself (WSGI, no server), generates valid and
invalid requests from it and sends each twice over the small province tree
(kiemdiem/testing.py), with the 2025 review cycle open, its subjects listed and some
self-reviews started: as a superuser, and as commune B's staff (a scoped user, who meets 403
and 404 too). Most generated ids are mapped onto objects that exist, so the services behind
the endpoints are reached, not only the 404 path.

Every default check runs: no server error, status codes, content types and bodies as the
schema documents them, invalid input refused, authentication not ignored. One check is
replaced: schemathesis expects every schema-valid request to succeed, but a request can be
well formed and still break a rule the schema cannot express (a date before the unit existed,
an id that names nothing, a closed cycle). ``refused_only_by_rules`` allows a 400 for a valid
request only when a rule refused it (a service's ``ValidationError``, an id that names nothing
the caller can see, a rule across fields); a refusal by the request's shape (a required field,
a type, a choice, a length) means the schema promised something the API does not keep.

The number of examples per operation is small and the generation derandomized, so CI is quick
and repeatable; KIEMDIEM_FUZZ_EXAMPLES raises it for a longer local run.
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
from rest_framework.exceptions import ParseError
from rest_framework.exceptions import ValidationError as DrfValidationError
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kiemdiem.api import base
from kiemdiem.api.exceptions import api_exception_handler
from kiemdiem.api.fields import MAX_ID
from kiemdiem.cycles.models import Plan, ReviewCycle, Subject
from kiemdiem.decisions.models import Complaint, Decision, Publication
from kiemdiem.documents.registry import EXPORTERS
from kiemdiem.jobs.models import Job
from kiemdiem.meetings.models import AgendaItem, Meeting, Question
from kiemdiem.opinions.models import OpinionRequest
from kiemdiem.orgtree.models import Unit
from kiemdiem.people.models import Affiliation, Person
from kiemdiem.register.models import RegisterEntry
from kiemdiem.remediation.models import Consolidation, ConsolidationAction
from kiemdiem.reviews import services as reviews
from kiemdiem.reviews.models import SelfReview, Shortcoming

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
PERSON_FIELDS = {"person", "asked_person"}
REVIEW_FIELDS = {"reviews"}


def _existing(value, ids):
    """Most positive ids become ids that exist (every fifth is left alone, to reach 404). Ids
    out of the schema's range stay as they are: the case was generated to be refused."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        return value
    if value % 5 == 0:
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
            else known["decisions"]
            if name == "decision"
            else known["cycles"]
            if name == "cycle"
            else known["subjects"]
            if name == "subject"
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
        "register-entries": list(RegisterEntry.objects.values_list("pk", flat=True)),
        "publications": list(Publication.objects.values_list("pk", flat=True)),
        "complaints": list(Complaint.objects.values_list("pk", flat=True)),
        "decisions": list(Decision.objects.values_list("pk", flat=True)),
        "remedies": list(Shortcoming.objects.values_list("pk", flat=True)),
        "consolidations": list(Consolidation.objects.values_list("pk", flat=True)),
        "consolidation-actions": list(ConsolidationAction.objects.values_list("pk", flat=True)),
        "tier-history": list(Person.objects.values_list("pk", flat=True)),
        "opinion-requests": list(OpinionRequest.objects.values_list("pk", flat=True)),
        "meetings": list(Meeting.objects.values_list("pk", flat=True)),
        "agenda": list(AgendaItem.objects.values_list("pk", flat=True)),
        "votes": list(Question.objects.values_list("pk", flat=True)),
        "documents": sorted(EXPORTERS),  # exporters are named, not numbered
    }
    if case.path_parameters and "id" in case.path_parameters:
        collection = case.path.split("/")[2]  # /api/<collection>/{id}/...
        ids = known[collection]
        value = case.path_parameters["id"]
        if collection == "documents" and isinstance(value, str) and len(value) % 5:
            value = ids[len(value) % len(ids)]  # most name an exporter; some name nothing
        case.path_parameters["id"] = _existing(value, ids)
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
def started_reviews(cycle, province):
    """Self-reviews started for every third subject of the cycle, so that the review
    endpoints reach the services; a decided, notified, published and complained-about
    rating for the publication and complaint endpoints."""
    from kiemdiem.api.tests.test_route_matrix import _b1_meeting, _dung_decided

    _dung_decided(cycle, province)
    _b1_meeting(cycle, province)
    for subject in list(Subject.objects.filter(cycle=cycle).order_by("pk"))[::3]:
        try:
            reviews.review_start(subject=subject, actor=None)
        except ValidationError:  # no form for this kind of subject
            continue


# Error codes of request serializers that are rules, not shape: an id naming nothing the caller
# may see, a rule across fields, credentials that do not match.
RULE_CODES = {"does_not_exist", "rule", "authorization"}


def _leaf_codes(codes) -> set[str]:
    if isinstance(codes, dict):
        return set().union(*(_leaf_codes(c) for c in codes.values()))
    if isinstance(codes, list):
        return set().union(*(_leaf_codes(c) for c in codes))
    return {codes}


@pytest.fixture
def refusals(monkeypatch):
    """The errors the API's exception handler turned into answers, in order."""
    seen = []

    def recording_handler(exc, context):
        seen.append(exc)
        return api_exception_handler(exc, context)

    monkeypatch.setattr(base, "api_exception_handler", recording_handler)
    return seen


def refused_only_by_rules(refusals):
    def check(ctx, response, case):
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return None
        if response.status_code != 400 or not refusals:
            return None
        exc = refusals[0]
        if isinstance(exc, ParseError):
            raise AssertionError(f"A schema-valid body could not be parsed: {exc.detail}")
        if isinstance(exc, DrfValidationError):
            shape = _leaf_codes(exc.get_codes()) - RULE_CODES
            if shape:
                raise AssertionError(
                    "A schema-valid request was refused for its shape "
                    f"({', '.join(sorted(shape))}): {response.text[:500]}"
                )
        return None

    check.__name__ = "refused_only_by_rules"
    return check


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_keeps_its_schema(
    case, province, superuser, started_reviews, keep_test_connection, refusals
):
    """Each generated request is sent twice: as a superuser, who reaches the services, and as
    commune B's staff, who meets the door (403, 404, lists cut to B's subtree). One test
    for both, so the province is built once per operation."""
    _point_at_existing_objects(case)
    for user in (superuser, province.users["staff_b"]):
        token = AuthToken.objects.create(user=user)[1]
        refusals.clear()
        case.call_and_validate(
            headers={"Authorization": f"Token {token}"},
            excluded_checks=[positive_data_acceptance],
            additional_checks=[refused_only_by_rules(refusals)],
        )
