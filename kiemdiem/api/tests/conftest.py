"""API fixtures: the shared small province (kiemdiem/conftest.py) plus clients with tokens."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from kiemdiem.accounts import services as accounts
from kiemdiem.audit.models import LogEntry
from kiemdiem.orgtree.models import Unit, UnitPlacement
from kiemdiem.people.models import Affiliation, MemberStatus, PartyMember, Person


@pytest.fixture
def superuser(db):
    return accounts.user_create(
        username="root", password="pass12345!", is_superuser=True, actor=None
    )


@pytest.fixture
def client_for(province, superuser):
    """``client_for("staff_a")``: an API client sending that user's token (None: anonymous)."""
    users = {**province.users, "root": superuser}

    def make(name: str | None) -> APIClient:
        client = APIClient()
        if name is not None:
            _, token = AuthToken.objects.create(user=users[name])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


def _db_state() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "active_units": Unit.objects.filter(valid_to__isnull=True).count(),
        "placements": UnitPlacement.objects.count(),
        "open_placements": UnitPlacement.objects.filter(valid_to__isnull=True).count(),
        "people": Person.objects.count(),
        "members": PartyMember.objects.count(),
        "statuses": MemberStatus.objects.count(),
        "affiliations": Affiliation.objects.count(),
        "open_affiliations": Affiliation.objects.filter(valid_to__isnull=True).count(),
        "audit": LogEntry.objects.count(),
    }


@pytest.fixture
def db_state(db):
    """``db_state()``: row counts of everything an API write may touch (audit entries too)."""
    return _db_state


@pytest.fixture
def extra(province):
    """Beside the province: an empty cell B2 under B and a non-member with a post in B."""
    import datetime

    from kiemdiem.orgtree import services as tree
    from kiemdiem.people import services as people

    start = datetime.date(2020, 1, 1)
    b2 = tree.unit_create(
        code="B2",
        name="Chi bộ khu phố 2",
        kind="chi_bo_truc_thuoc",
        parent=province.commune_b,
        valid_from=start,
        actor=None,
    )
    ha = people.person_create(
        family_name="Võ",
        middle_name="Thu",
        given_name="Hà",
        birth_date=datetime.date(1990, 3, 3),
        actor=None,
    )
    people.affiliation_start(
        person=ha,
        unit=province.commune_b,
        kind="position",
        title="Cán bộ văn phòng",
        valid_from=start,
        actor=None,
    )
    return {"b2": b2, "ha": ha}


@pytest.fixture
def cycle(province):
    """The 2025 annual cycle opened at the province, its subject list generated, and commune
    B's plan issued inside the province's windows."""
    from kiemdiem.cycles import services as cycles
    from kiemdiem.cycles import subjects
    from kiemdiem.testing import D, open_annual

    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    cycles.plan_issue(
        cycle=cycle,
        unit=province.commune_b,
        stages=[cycles.StageWindow("self_review", D(2025, 11, 16), D(2025, 12, 5))],
        actor=None,
    )
    return cycle


def _cycle_state() -> dict:
    from kiemdiem.cycles.models import Plan, ReviewCycle, Stage, Subject
    from kiemdiem.decisions.models import Decision
    from kiemdiem.reviews.models import ReviewVersion, SelfReview

    return {
        "cycles": list(ReviewCycle.objects.order_by("pk").values_list("pk", "status")),
        "plans": list(
            Plan.objects.order_by("pk").values_list("pk", "status", "guidance", "return_comment")
        ),
        "stages": list(Stage.objects.order_by("pk").values_list("plan", "kind", "starts_on")),
        "subjects": list(
            Subject.objects.order_by("pk").values_list("pk", "status", "reason", "tier")
        ),
        "reviews": list(
            SelfReview.objects.order_by("pk").values_list(
                "pk", "status", "version", "content", "proposed_tier", "updated_at"
            )
        ),
        "links": list(SelfReview.linked_reviews.through.objects.values_list("pk", flat=True)),
        "versions": ReviewVersion.objects.count(),
        "decisions": list(
            Decision.objects.order_by("pk").values_list("pk", "state", "proposed_tier", "revision")
        ),
        "audit": LogEntry.objects.count(),
    }


@pytest.fixture
def cycle_state(db):
    """``cycle_state()``: everything an API write about cycles and reviews may touch."""
    return _cycle_state


@pytest.fixture(scope="session")
def api_schema():
    """The OpenAPI schema as served, loaded into schemathesis for checking answers."""
    import json

    import schemathesis
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return schemathesis.openapi.from_dict(
        json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))
    )


@pytest.fixture
def keeps_schema(api_schema):
    """``keeps_schema(answer, "/api/units/{id}/", "GET")``: the test client's answer is what the
    schema documents for that operation (status, content type, body), or the test fails
    naming every field that is not."""
    import requests
    from schemathesis.core.transport import Response

    def check(answer, template: str, method: str) -> None:
        if answer.streaming:  # read it here, and leave it readable for the test
            content = b"".join(answer.streaming_content)
            answer.streaming_content = [content]
        else:
            content = answer.content
        request = requests.Request(
            method, "http://testserver" + answer.wsgi_request.get_full_path()
        )
        response = Response(
            status_code=answer.status_code,
            headers={name.lower(): [value] for name, value in answer.items()},
            content=content,
            request=request.prepare(),
            elapsed=0.0,
            verify=True,
            encoding="utf-8",
        )
        api_schema[template][method].validate_response(response)
        # validate_response checks a body against its schema, not the content type itself
        documented = api_schema.raw_schema["paths"][template][method.lower()]["responses"]
        kinds = set(documented[str(answer.status_code)].get("content", {}))
        given = answer["Content-Type"].split(";")[0]
        assert given in kinds, f"{given} is not documented for {answer.status_code}: {kinds}"

    return check
