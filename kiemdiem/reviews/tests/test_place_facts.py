"""The facts a rating reads from other places never take the lowest tier by themselves: a
person rated differently in two places has the competent level's choice (§16.9 C4)."""

from kiemdiem.cycles import places, subjects
from kiemdiem.cycles import services as cycles
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus
from kiemdiem.reviews import engine
from kiemdiem.testing import D, open_annual


def _quarter(province, quarter):
    q = cycles.cycle_open(
        code=f"Q{quarter}-2025",
        name=f"Quý {quarter}/2025",
        kind="quarterly",
        year=2025,
        quarter=quarter,
        period_start=D(2025, 3 * quarter - 2, 1),
        period_end=D(2025, 3 * quarter, 28),
        root=province.province,
        stages=[],
        actor=None,
    )
    subjects.subjects_generate(cycle=q, actor=None)
    return q


def test_a_quarter_rated_differently_in_two_places_waits_for_the_choice(province):
    an = province.members["an"]
    q1 = _quarter(province, 1)
    head = Subject.objects.get(cycle=q1, person=an, kind=SubjectKind.HEAD)
    Subject.objects.filter(pk=head.pk).update(status=SubjectStatus.RATED, tier="HTXSNV")
    second = Subject.objects.create(
        cycle=q1, kind=SubjectKind.LEADER, track="party", person=an, unit=province.commune_a
    )
    Subject.objects.filter(pk=second.pk).update(status=SubjectStatus.RATED, tier="HTNV")
    year = open_annual(province, 2025)
    subjects.subjects_generate(cycle=year, actor=None)
    year_head = Subject.objects.get(cycle=year, person=an, kind=SubjectKind.HEAD)
    facts = engine.system_facts(year_head, engine.pinned_pack(year_head), "head")
    assert "q1_tier" not in facts  # formerly the lower one (HTNV), silently
    (conflict,) = places.conflicts(q1, person_id=an.pk)
    cycles.place_choose(
        cycle=q1,
        person=an,
        track="party",
        tier="HTXSNV",
        reason="Kết luận của BTV",
        shown_decision=conflict.decision_token,
        shown_ratings=conflict.fingerprint,
        actor=None,
    )
    facts = engine.system_facts(year_head, engine.pinned_pack(year_head), "head")
    assert facts["q1_tier"] == "HTXSNV"


def test_a_civil_servant_rated_in_two_agencies_has_no_state_tier_until_chosen(province):
    binh = province.members["binh"]
    year = open_annual(province, 2025)
    subjects.subjects_generate(cycle=year, actor=None)
    member = Subject.objects.get(cycle=year, person=binh, kind=SubjectKind.PARTY_MEMBER)
    for unit, tier in ((province.agency, "HTTNV"), (province.commune_a, "HTXSNV")):
        Subject.objects.create(
            cycle=year,
            kind=SubjectKind.CIVIL_SERVANT,
            track="state",
            person=binh,
            unit=unit,
            status=SubjectStatus.RATED,
            tier=tier,
        )
    facts = engine.system_facts(member, engine.pinned_pack(member), "party_member")
    assert facts["is_cbccvc"] is True and "state_tier" not in facts
    (conflict,) = places.conflicts(year, person_id=binh.pk)
    cycles.place_choose(
        cycle=year,
        person=binh,
        track="state",
        tier="HTTNV",
        reason="Nơi công tác chính",
        shown_decision=conflict.decision_token,
        shown_ratings=conflict.fingerprint,
        actor=None,
    )
    facts = engine.system_facts(member, engine.pinned_pack(member), "party_member")
    assert facts["state_tier"] == "HTTNV"
