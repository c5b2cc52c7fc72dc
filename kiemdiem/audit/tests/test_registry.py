"""The audit registry: codes refused unless registered, masked fields never written, one bulk
writer that writes what ``log_action`` writes."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import translation

from kiemdiem.audit import registry
from kiemdiem.audit.context import bind_request_id, reset_request_id
from kiemdiem.audit.display import describe
from kiemdiem.audit.models import LogEntry
from kiemdiem.audit.registry import MASKED, Field, UnknownAction
from kiemdiem.audit.services import LogRow, log_action, log_actions_bulk, log_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def ballot():
    """A secret-ballot action, as a future ballots app would register it; gone afterwards."""
    action = registry.register(
        "test.ballot_cast",
        "Ballot cast",
        {
            "question": Field("Question"),
            "choice": Field("Choice", masked=True),
            "votes": Field("Votes", many=True),
        },
    )
    yield action
    del registry.ACTIONS[action.code]


SECRET = {
    "question": "Q1",
    "choice": "against",
    "changes": {"choice": ["for", "against"]},
    "votes": [{"choice": "for", "question": "Q1"}],
}
WRITTEN = {
    "question": "Q1",
    "choice": MASKED,
    "changes": {"choice": MASKED},
    "votes": [{"choice": MASKED, "question": "Q1"}],
}


def test_log_action_refuses_an_unregistered_code_and_writes_nothing(province):
    with pytest.raises(UnknownAction), transaction.atomic():
        log_action("unit.renamed", actor=None, target=province.cell_a1)
    with pytest.raises(UnknownAction), transaction.atomic():
        log_actions_bulk([log_row("unit.renamed", province.cell_a1)], actor=None)
    assert not LogEntry.objects.filter(action="unit.renamed").exists()


def test_a_masked_field_is_written_masked_whatever_the_caller_passes(province, ballot):
    with transaction.atomic():
        log_action(ballot.code, actor=None, target=province.cell_a1, data=SECRET)
        log_actions_bulk(
            [log_row(ballot.code, province.cell_a1, unit=province.cell_a1, data=SECRET)],
            actor=None,
        )
    entries = LogEntry.objects.filter(action=ballot.code)
    assert [e.data for e in entries] == [WRITTEN, WRITTEN]
    with translation.override("en"):
        details = [sorted((str(k), v) for k, v in e.details) for e in describe(entries)]
    hidden = "(not recorded)"
    expected = [
        ("Choice", hidden),  # the change
        ("Choice", hidden),
        ("Question", "Q1"),
        ("Votes", f"Choice: {hidden}; Question: Q1"),
    ]
    assert details == [expected, expected]


def test_strict_mode_refuses_a_field_the_action_does_not_declare(province, settings):
    settings.KIEMDIEM_AUDIT_STRICT = True
    data = {"effective": "2025-07-01", "colour": "red"}
    with pytest.raises(ValueError, match="colour"), transaction.atomic():
        log_action("unit.dissolved", actor=None, target=province.cell_a1, data=data)
    with pytest.raises(ValueError, match="colour"), transaction.atomic():
        log_actions_bulk([log_row("unit.dissolved", province.cell_a1, data=data)], actor=None)
    # In production the entry is written; the key reads under its raw name.
    settings.KIEMDIEM_AUDIT_STRICT = False
    with transaction.atomic():
        entry = log_action("unit.dissolved", actor=None, target=province.cell_a1, data=data)
    with translation.override("en"):
        (entry,) = describe([entry])
    assert ("Colour", "red") in [(str(k), v) for k, v in entry.details]


def test_the_bulk_writer_writes_what_log_action_writes(province):
    staff = province.users["staff_a"]
    cell = province.cell_a1
    data = {"effective": cell.valid_from, "successor": province.cell_b1.pk}
    token = bind_request_id()
    try:
        with transaction.atomic():
            one = log_action("unit.dissolved", actor=staff, target=cell, unit=cell, data=data)
            # Content types are read before the COPY opens (PostgreSQL: a query inside it waits
            # for ever), even when none is cached yet.
            ContentType.objects.clear_cache()
            log_actions_bulk(
                [
                    log_row("unit.dissolved", cell, unit=cell, data=data),
                    LogRow("unit.dissolved", type(cell), cell.pk, str(cell), cell.pk, data),
                ],
                actor=staff,
            )
    finally:
        reset_request_id(token)

    def row(entry):
        return (
            entry.action,
            entry.actor_id,
            entry.content_type_id,
            entry.object_id,
            entry.object_repr,
            entry.unit_id,
            entry.data,
            entry.request_id,
        )

    entries = list(LogEntry.objects.filter(action="unit.dissolved").order_by("id"))
    assert [e.pk for e in entries][0] == one.pk and one.request_id is not None
    assert row(entries[1]) == row(entries[2]) == row(entries[0])
    assert len(entries) == 3


def test_an_entry_of_a_code_no_longer_registered_still_reads(province):
    entry = LogEntry.objects.create(
        action="unit.renamed", data={"old_name": "A", "at": "2025-01-02"}
    )
    (entry,) = describe([entry])
    assert entry.label == "unit.renamed"
    assert [(str(k), v) for k, v in entry.details] == [("Old name", "A"), ("At", "02/01/2025")]


def test_registering_a_code_twice_differently_is_refused():
    with pytest.raises(ValueError, match="twice"):
        registry.register("unit.created", "Something else")
    assert registry.action("unit.created").label != "Something else"
