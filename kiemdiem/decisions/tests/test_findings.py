"""A register entry recorded after its year was decided re-opens that year's rating (the
annual and the quarterly cycles), with the entry named, and tells whoever decided it."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from kiemdiem.cycles import services as cycles
from kiemdiem.cycles import subjects
from kiemdiem.decisions import findings, services
from kiemdiem.decisions.models import Decision, DecisionState
from kiemdiem.decisions.tests.test_notices import decided, member
from kiemdiem.notifications.models import Notification
from kiemdiem.register import hooks
from kiemdiem.testing import open_annual

D = datetime.date


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


class Entry(SimpleNamespace):
    """Stands for ``register.RegisterEntry`` (built by the register helper in parallel)."""

    def __str__(self):
        return "Khiển trách — QĐ 12-QĐ/ĐU ngày 03/02/2026"


def about(person=None, unit=None, year=2025, kind="discipline"):
    return Entry(
        person_id=getattr(person, "pk", None),
        unit_id=getattr(unit, "pk", None),
        year=year,
        track="party",
        kind=kind,
    )


def test_the_handler_is_registered():
    assert findings.entry_recorded in hooks.entry_recorded


def test_an_entry_for_a_decided_year_reopens_it_and_tells_the_decider(cycle, province):
    binh = member(cycle, province)
    decision = decided(binh)
    # decided by the decision maker this time
    services.reopen(subject=binh, reason="sửa", actor=None)
    services.decide(subject=binh, tier="HTTNV", reason="Lại", actor=province.users["decider"])
    found = about(province.members["binh"], year=2025)
    assert findings.entry_recorded(found) == [binh.pk]
    decision = Decision.objects.get(pk=decision.pk)
    assert decision.state == DecisionState.CONTESTED
    assert "QĐ 12-QĐ/ĐU" in decision.reopened_reason
    assert decision.events.last().data["source"] == "register"
    assert decision.tier == "HTTNV"  # in force until decided again
    notice = Notification.objects.get(user=province.users["decider"])
    assert "QĐ 12-QĐ/ĐU" in notice.text


def test_other_years_other_people_and_undecided_ratings_are_left_alone(cycle, province):
    binh, cuong = member(cycle, province), member(cycle, province, "cuong")
    decided(binh)
    decided(cuong)
    assert findings.entry_recorded(about(province.members["binh"], year=2024)) == []
    assert findings.entry_recorded(about(province.members["dung"], year=2025)) == []
    assert not Decision.objects.filter(state=DecisionState.CONTESTED).exists()
    # a second entry for a rating already re-opened re-opens nothing more
    findings.entry_recorded(about(province.members["binh"], year=2025))
    assert findings.entry_recorded(about(province.members["binh"], year=2025)) == []
    assert Decision.objects.get(subject=cuong).state == DecisionState.DECIDED


def test_the_quarterly_cycles_of_the_year_are_reopened_too(cycle, province):
    quarter = cycles.cycle_open(
        code="Q3-2025",
        name="Quý III/2025",
        kind="quarterly",
        year=2025,
        quarter=3,
        period_start=D(2025, 7, 1),
        period_end=D(2025, 9, 30),
        root=province.province,
        stages=[cycles.StageWindow("decision", D(2025, 10, 1), D(2025, 10, 15))],
        actor=None,
    )
    # quarterly reviews are the leaders'; An heads cell A1
    leader = subjects.subject_add(
        cycle=quarter,
        kind="leader",
        unit=province.cell_a1,
        person=province.members["an"],
        reason="Bí thư chi bộ",
        actor=None,
    )
    annual = cycle.subjects.filter(person=province.members["an"]).first()
    Decision.objects.create(subject=annual, state=DecisionState.DECIDED, tier="HTTNV")
    quarterly = [leader]
    for s in quarterly:
        Decision.objects.create(subject=s, state=DecisionState.DECIDED, tier="HTTNV")
    found = about(province.members["an"], year=2025)
    assert set(findings.entry_recorded(found)) == {annual.pk, *[s.pk for s in quarterly]}


def test_an_entry_about_a_unit_reopens_the_units_own_subjects(cycle, province):
    from kiemdiem.cycles.models import Subject

    unit_subjects = list(
        Subject.objects.filter(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    )
    assert unit_subjects
    for s in unit_subjects:
        Decision.objects.create(subject=s, state=DecisionState.DECIDED, tier="HTTNV")
    decided(member(cycle, province))
    found = about(unit=province.cell_a1, kind="corruption")
    assert set(findings.entry_recorded(found)) == {s.pk for s in unit_subjects}


def test_a_discipline_recorded_in_the_register_reopens_the_year_and_is_decided_again(
    cycle, province
):
    """End to end with the register's own service (not the stand-in): recorded by the cell's
    staff after 2025 was decided, the entry re-opens Bình's 2025 rating with the entry named;
    the engine now reads the discipline from the register; the re-decision needs a reason."""
    from kiemdiem.register import services as register

    binh = member(cycle, province)
    decided(binh)
    entry = register.entry_record(
        actor=province.users["staff_a"],
        person=province.members["binh"],
        kind="discipline",
        track="party",
        discipline_form="KHIEN_TRACH",
        decided_on=D(2026, 2, 3),
        issuing_body="Đảng ủy xã An Bình",
        document_number="12-QĐ/ĐU",
        year=2025,
        summary="Vi phạm quy định về đảng phí",
    )
    decision = Decision.objects.get(subject=binh)
    assert decision.state == DecisionState.CONTESTED
    assert "12-QĐ/ĐU" in decision.reopened_reason
    binh.refresh_from_db()
    assert binh.tier == "HTTNV"  # in force until decided again
    from kiemdiem.reviews import engine

    facts = engine.system_facts(binh, engine.pinned_pack(binh), "party_member")
    assert facts["disciplined_in_year"] is True
    with pytest.raises(ValidationError, match="lý do|reason"):
        services.decide(subject=binh, tier="KHTNV", actor=None)
    services.decide(subject=binh, tier="KHTNV", reason=f"Theo {entry.document_number}", actor=None)
    binh.refresh_from_db()
    assert binh.tier == "KHTNV"
    assert [e.state for e in Decision.objects.get(subject=binh).events.all()][-2:] == [
        "contested",
        "redecided",
    ]
