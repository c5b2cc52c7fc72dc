"""The API keeps its promises beyond the happy path: every error is JSON in the API's shape,
query parameters are checked as the schema says, `PATCH /api/me/ {}` is a valid request, and
a user who may change nothing learns nothing from a write (403 before the body is read)."""

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from kiemdiem.api import orgtree
from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles.models import Subject
from kiemdiem.reviews import services as reviews

# --- Errors are JSON under /api/ ----------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/nothing/here/", "/api/units/0.5/", "/api/units/1/nothing/", "/api/units/%2F/"]
)
def test_unknown_api_urls_answer_json_404(client_for, province, url):
    response = client_for("staff_p").get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}


def test_unknown_page_outside_the_api_is_still_the_html_page(client_for, province):
    client = Client()
    client.force_login(province.users["staff_p"])
    response = client.get("/nothing/here/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_crash_under_the_api_answers_json_500(client_for, province, monkeypatch):
    def crash(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(orgtree.UnitViewSet, "list", crash)
    client = client_for("staff_p")
    client.raise_request_exception = False
    response = client.get("/api/units/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"} and "boom" not in response.content.decode()


def test_method_not_allowed_is_json(client_for, province):
    response = client_for("staff_p").delete(f"/api/units/{province.commune_b.pk}/")
    assert response.status_code == 405 and response["Content-Type"] == "application/json"


def test_a_body_that_is_not_json_is_400_in_the_validation_shape(client_for, province, db_state):
    before = db_state()
    response = client_for("staff_p").post(
        "/api/units/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    [message] = response.json()["non_field_errors"]
    assert "JSON" in message
    assert db_state() == before


def test_errors_of_nested_fields_keep_their_place(client_for, province, cycle):
    response = client_for("staff_p").post(
        f"/api/cycles/{cycle.pk}/plans/",
        {"unit": province.commune_a.pk, "stages": [{"kind": "self_review"}]},
        format="json",
    )
    assert response.status_code == 400
    stage_errors = response.json()["stages"]
    first = stage_errors[0] if isinstance(stage_errors, list) else stage_errors["0"]
    assert set(first) == {"starts_on", "due_on"}


# --- Query parameters are checked as the schema says ---------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("offset=abc", "offset"),
        ("offset=-1", "offset"),
        ("offset=1.5", "offset"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("limit=1&limit=2", "limit"),
        ("offset=1&offset=2", "offset"),
    ],
)
@pytest.mark.parametrize("url", ["/api/units/", "/api/people/", "/api/audit/", "/api/cycles/"])
def test_bad_pagination_is_400_naming_the_parameter(client_for, province, url, query, field):
    response = client_for("staff_p").get(f"{url}?{query}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [field]


def test_pagination_bounds_are_lowered_not_refused(client_for, province):
    client = client_for("staff_p")
    response = client.get("/api/units/", {"limit": 10**40, "offset": 10**40})
    assert response.status_code == 200 and response.json()["results"] == []
    response = client.get("/api/units/", {"limit": 1, "offset": 1})
    assert len(response.json()["results"]) == 1


def test_a_filter_given_twice_is_400(client_for, province):
    response = client_for("staff_p").get(
        f"/api/people/?unit={province.commune_a.pk}&unit={province.commune_b.pk}"
    )
    assert response.status_code == 400 and list(response.json()) == ["unit"]


def test_schema_states_the_pagination_bounds(client_for, db):
    schema = client_for("staff_p").get("/api/schema/", {"format": "json"}).json()
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/units/"]["get"]["parameters"]}
    assert params["limit"] == {"type": "integer", "minimum": 1}
    assert params["offset"] == {"type": "integer", "minimum": 0}


# --- Responses say what may be blank or null ------------------------------------------------


def test_schema_allows_blank_choices_and_null_names(client_for, db):
    components = client_for("staff_p").get("/api/schema/", {"format": "json"}).json()["components"]
    schemas = components["schemas"]
    affiliation = schemas["Affiliation"]["properties"]
    for name in ("role", "state_category", "residence_exemption"):
        refs = [item["$ref"] for item in affiliation[name]["oneOf"]]
        assert "#/components/schemas/BlankEnum" in refs, name
    assert schemas["Subject"]["properties"]["person_name"]["nullable"] is True
    assert schemas["LogEntry"]["properties"]["actor_username"]["nullable"] is True
    assert "format" not in schemas["Me"]["properties"]["email"]
    person_email = schemas["PersonDetail"]["properties"]["email"]["oneOf"]
    assert {"type": "string", "maxLength": 0} in person_email


def test_schema_states_list_and_id_bounds(client_for, db):
    schemas = client_for("staff_p").get("/api/schema/", {"format": "json"}).json()["components"]
    schemas = schemas["schemas"]
    plan = schemas["PlanIssueRequest"]["properties"]
    assert (plan["stages"]["minItems"], plan["stages"]["maxItems"]) == (1, 20)
    assert plan["unit"]["minimum"] == 1
    sources = schemas["UnitMergeRequest"]["properties"]["sources"]
    assert sources["minItems"] == 1 and sources["items"]["minimum"] == 1
    name = schemas["UnitCreateRequest"]["properties"]["name"]
    assert "pattern" in name  # not blank, no NUL: what DRF checks


# --- PATCH /api/me/ {} ---------------------------------------------------------------------


def test_patching_me_with_nothing_changes_nothing(client_for, province, db_state):
    client = client_for("staff_a")
    before = db_state()
    response = client.patch("/api/me/", {}, format="json")
    assert response.status_code == 200 and response.json()["language"] == "vi"
    assert db_state() == before


# --- 403 before validation ------------------------------------------------------------------


def _write_routes() -> list[tuple[str, str]]:
    """Every write operation of the schema (the current user's own settings, tokens and
    background jobs aside: anyone signed in may act on their own, and their owner-only rules
    are tested in test_auth_tokens.py and jobs/tests; so is starting an export, a read that
    inspectors and members make too, tested in documents/tests and the route matrix)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    routes = []
    for path, operations in schema["paths"].items():
        if path in ("/api/me/", "/api/auth/token/") or path.startswith(
            ("/api/auth/tokens/", "/api/jobs/", "/api/documents/")
        ):
            continue
        for method in operations:
            if method in ("post", "put", "patch", "delete"):
                routes.append((method, path))
    return sorted(routes)


WRITE_ROUTES = _write_routes()


def test_the_walk_covers_every_kind_of_write():
    paths = {path for _, path in WRITE_ROUTES}
    assert {"/api/units/", "/api/people/", "/api/affiliations/", "/api/cycles/"} <= paths
    assert "/api/subjects/{id}/review/link/" in paths and len(WRITE_ROUTES) >= 25


def _remediation_ids(province, cycle, subject) -> dict[str, int]:
    """A remedy item of Dũng's and cell B1 on the consolidation list, with an action."""
    from kiemdiem.remediation import services as remediation
    from kiemdiem.remediation.models import Consolidation

    item = remediation.remedy_item_add(
        subject=subject, actor=None, source="decision", source_ref="d:1", text="Chậm"
    )
    listed = Consolidation.objects.create(cycle=cycle, unit=province.cell_b1, reason="khtnv")
    step = listed.actions.create(text="Kiện toàn chi ủy")
    return {"remedies": item.pk, "consolidations": listed.pk, "consolidation-actions": step.pk}


@pytest.mark.parametrize("user", ["inspector", "decider", "member", "nogrant"])
@pytest.mark.parametrize(("method", "path"), WRITE_ROUTES)
def test_a_user_who_may_change_nothing_gets_403_before_the_body_is_read(
    client_for, province, cycle, cycle_state, db_state, user, method, path
):
    """The body is not even an object: had it been read, the answer would be 400. Objects in
    the URL sit in commune B; one the user cannot see is 404, as on every detail route."""
    dung = province.members["dung"]
    subject = Subject.objects.get(cycle=cycle, person=dung)
    reviews.review_start(subject=subject, actor=None)  # so the review routes reach their check
    ids = {
        "units": province.commune_b.pk,
        "people": dung.pk,
        "affiliations": dung.affiliations.get(kind="cell").pk,
        "cycles": cycle.pk,
        "plans": cycle.plans.get(unit=province.commune_b).pk,
        "subjects": subject.pk,
    }
    if path.startswith(("/api/publications/", "/api/complaints/")):
        from kiemdiem.api.tests.test_route_matrix import _dung_decided

        _decision, publication, complaint = _dung_decided(cycle, province)
        ids.update(publications=publication.pk, complaints=complaint.pk)
    if path.startswith("/api/register-entries/"):
        from kiemdiem.api.tests.test_route_matrix import _b1_entry

        ids["register-entries"] = _b1_entry(province).pk
    collection = path.split("/")[2]
    if collection in ("meetings", "agenda", "votes"):
        from kiemdiem.api.tests.test_route_matrix import _b1_meeting

        meeting, item, vote = _b1_meeting(cycle, province)
        ids.update(meetings=meeting.pk, agenda=item.pk, votes=vote.pk)
    if collection in ("remedies", "consolidations", "consolidation-actions"):
        ids |= _remediation_ids(province, cycle, subject)
    if collection == "opinion-requests":
        from kiemdiem.api.tests.test_route_matrix import _b1_request

        ids["opinion-requests"] = _b1_request(cycle, province).pk
    ids.setdefault(collection, 0)  # peer-comments, review-notes: no {id} in their writes
    url = path.replace("{id}", str(ids[collection])).replace("{cycle_pk}", str(cycle.pk))
    client = client_for(user)
    visible = (
        "{id}" not in path or client.get(f"/api/{collection}/{ids[collection]}/").status_code == 200
    ) and ("{cycle_pk}" not in path or client.get(f"/api/cycles/{cycle.pk}/").status_code == 200)
    before = (db_state(), cycle_state(), LogEntry.objects.count())
    response = getattr(client, method)(url, ["not", "an", "object"], format="json")
    expected = 403 if visible else 404
    if user == "decider" and (
        path.endswith(("/rate/", "/decision-screen/finalize/")) or "/decision/" in path
    ):
        expected = 400  # deciders may rate: for them the body is read, and it is no object
    if user == "decider" and path.startswith(("/api/publications/", "/api/complaints/{id}")):
        expected = 400  # deciders publish, withdraw and decide complaints: the body is read
    if (method, path) == ("post", "/api/complaints/"):
        expected = 400  # anyone may complain about their own rating: the body is read first
    if (method, path) == ("post", "/api/peer-comments/") and user == "member":
        expected = 400  # a member comments on the others of her cell: the body is read
    if (method, path) == ("post", "/api/review-notes/") and user == "decider":
        expected = 400  # the deciding level writes its conclusion: the body is read
    assert response.status_code == expected, (user, response.content)
    assert response["Content-Type"] == "application/json"
    assert (db_state(), cycle_state(), LogEntry.objects.count()) == before


# --- Body fields take the JSON type the schema names ---------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": 12}, "name"),
        ({"short_name": True}, "short_name"),
        ({"managed_by": "1"}, "managed_by"),
    ],
)
def test_a_body_value_of_another_json_type_is_400(client_for, province, db_state, change, field):
    """DRF would turn 12 into "12" and "1" into 1; the schema says string and integer."""
    before = db_state()
    response = client_for("staff_p").patch(
        f"/api/units/{province.commune_b.pk}/", change, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == [field]
    assert db_state() == before


def test_numbers_and_yes_no_must_be_json_numbers_and_booleans(client_for, province, db_state):
    client = client_for("staff_p")
    before = db_state()
    response = client.post(
        "/api/affiliations/",
        {
            "person": province.members["dung"].pk,
            "unit": province.cell_b1.pk,
            "kind": "position",
            "valid_from": "2024-01-01",
            "concurrent": "yes",
        },
        format="json",
    )
    assert response.status_code == 400 and list(response.json()) == ["concurrent"]
    response = client.post("/api/cycles/", {"year": "2026"}, format="json")
    assert response.status_code == 400 and "year" in response.json()
    assert db_state() == before


@pytest.mark.parametrize("query", ["active=", "active=yes", "active=1", "current=", "current=0"])
def test_yes_no_filters_take_true_or_false(client_for, province, query):
    url = "/api/units/" if query.startswith("active") else "/api/affiliations/"
    client = client_for("staff_p")
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400 and list(response.json()) == [query.split("=")[0]]
    assert client.get(f"{url}?{query.split('=')[0]}=false").status_code == 200
