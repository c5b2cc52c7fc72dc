"""Every subject under its own rules: state leaders, the Front and the mass organizations, and
the order of the ratings (regulations.md §5.5, §6, §12.1, §16.7–16.9)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from kiemdiem.cycles import selectors, subjects
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus, Track
from kiemdiem.cycles.selectors import CycleIndex, prerequisites
from kiemdiem.decisions import services as decisions
from kiemdiem.orgtree import services as tree
from kiemdiem.orgtree.models import Unit
from kiemdiem.testing import employ, hold_post, open_annual

D = datetime.date


@pytest.fixture
def rich(province):
    """The test province with a school under UBA, a Front committee and a women's union under
    commune A; Bình heads UBA, Cường is deputy head of the school, Dung is a plain civil
    servant of UBA; An heads cell A1 and sits on the standing committee."""
    start = D(2020, 1, 1)
    school = tree.unit_create(
        code="UBA-TH",
        name="Trường Tiểu học An Bình",
        kind="don_vi_su_nghiep",
        parent=province.agency,
        valid_from=start,
        actor=None,
    )
    front = tree.unit_create(
        code="A-MT",
        name="Ủy ban MTTQ xã An Bình",
        kind="mat_tran",
        parent=province.commune_a,
        valid_from=start,
        actor=None,
    )
    women = tree.unit_create(
        code="A-PN",
        name="Hội Liên hiệp Phụ nữ xã An Bình",
        kind="doan_the",
        parent=front,
        valid_from=start,
        actor=None,
    )
    m = province.members
    employ(m["binh"], province.agency, title="Chủ tịch UBND xã", category="can_bo")
    hold_post(m["binh"], province.agency, title="Chủ tịch UBND xã", role="head")
    employ(m["cuong"], school, title="Phó Hiệu trưởng", category="vien_chuc")
    hold_post(m["cuong"], school, title="Phó Hiệu trưởng", role="deputy")
    employ(m["dung"], province.agency, title="Văn thư")
    hold_post(m["an"], province.standing, title="Ủy viên")
    province.school, province.front, province.women = school, front, women
    return province


def _get(cycle, **kw) -> Subject:
    return Subject.objects.get(cycle=cycle, **kw)


def test_state_heads_and_deputies_are_rated_as_leaders(rich):
    cycle = open_annual(rich, 2026)
    subjects.subjects_generate(cycle=cycle, actor=None)
    m = rich.members
    state = {
        (s.person_id, s.kind, s.unit_id)
        for s in cycle.subjects.filter(track=Track.STATE, person__isnull=False)
    }
    assert state == {
        (m["binh"].pk, SubjectKind.CIVIL_SERVANT_LEADER, rich.agency.pk),
        (m["cuong"].pk, SubjectKind.PUBLIC_EMPLOYEE_MANAGER, rich.school.pk),
        (m["dung"].pk, SubjectKind.CIVIL_SERVANT, rich.agency.pk),
    }
    # 2026: công chức leaders under NĐ 335, viên chức managers still under NĐ 90/48
    pins = {k: p.pack_id for p in cycle.packs.filter(track=Track.STATE) for k in p.subject_kinds}
    assert pins["cong_chuc_leader"] == "ND335"
    assert pins["vien_chuc_manager"] == "ND90-48"


def test_a_member_post_or_a_post_without_employment_is_no_state_leadership(rich):
    m = rich.members
    hold_post(m["dung"], rich.agency, title="Ủy viên Ban chỉ đạo")  # role member
    hold_post(m["an"], rich.school, title="Phó Hiệu trưởng", role="deputy")  # no employment
    cycle = open_annual(rich, 2026)
    subjects.subjects_generate(cycle=cycle, actor=None)
    assert _get(cycle, person=m["dung"], track=Track.STATE).kind == SubjectKind.CIVIL_SERVANT
    assert not cycle.subjects.filter(person=m["an"], track=Track.STATE).exists()


def test_heading_a_department_of_the_employing_agency_is_not_yet_state_leadership(rich):
    """Reviewed at the agency, a department head's leader rules would read the agency's tier
    and sub-units, not the department's: rated as a civil servant until the subject records
    the unit led ([M], docs/cycles.md)."""
    m = rich.members
    hold_post(m["dung"], rich.school, title="Trưởng ban (kiêm)", role="head")  # under UBA
    cycle = open_annual(rich, 2026)
    subjects.subjects_generate(cycle=cycle, actor=None)
    assert _get(cycle, person=m["dung"], track=Track.STATE).kind == SubjectKind.CIVIL_SERVANT


def test_the_front_and_mass_organizations_are_subjects(rich):
    cycle = open_annual(rich, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    mass = cycle.subjects.filter(kind=SubjectKind.MASS_ORG)
    assert {(s.unit_id, s.track, s.person_id) for s in mass} == {
        (rich.front.pk, Track.MASS, None),
        (rich.women.pk, Track.MASS, None),
    }


@override_settings(KIEMDIEM_MASS_ORG_SUBJECTS=False)
def test_the_mass_organizations_can_be_left_out(rich):
    cycle = open_annual(rich, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    assert not cycle.subjects.filter(kind=SubjectKind.MASS_ORG).exists()
    assert not prerequisites(_get(cycle, kind=SubjectKind.PARTY_ORG, unit=rich.commune_a)).filter(
        unit=rich.front
    )


@pytest.fixture
def cycle(rich):
    cycle = open_annual(rich, 2026)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def _codes(subject) -> set[tuple[str, str]]:
    return {(s.unit.code, s.kind) for s in prerequisites(subject).select_related("unit")}


def test_state_and_mass_organizations_before_the_party_organization(rich, cycle):
    commune = _get(cycle, kind=SubjectKind.PARTY_ORG, unit=rich.commune_a)
    assert _codes(commune) == {
        ("A1", SubjectKind.PARTY_ORG),
        ("A2", SubjectKind.PARTY_ORG),
        ("UBA", SubjectKind.STATE_AGENCY),
        ("A-MT", SubjectKind.MASS_ORG),
    }


def test_lower_units_before_higher_on_every_track(rich, cycle):
    agency = _get(cycle, kind=SubjectKind.STATE_AGENCY, unit=rich.agency)
    assert _codes(agency) == {("UBA-TH", SubjectKind.STATE_AGENCY)}
    front = _get(cycle, kind=SubjectKind.MASS_ORG, unit=rich.front)
    assert _codes(front) == {("A-PN", SubjectKind.MASS_ORG)}


def test_a_cell_after_its_members_and_before_its_head(rich, cycle):
    m = rich.members
    cell = _get(cycle, kind=SubjectKind.PARTY_ORG, unit=rich.cell_a1)
    binh = _get(cycle, person=m["binh"], unit=rich.cell_a1)
    head = _get(cycle, person=m["an"], kind=SubjectKind.HEAD)
    assert set(prerequisites(cell)) == {binh}
    assert cell in prerequisites(head)
    assert head not in prerequisites(cell)


def test_state_leaders_after_their_unit(rich, cycle):
    m = rich.members
    chair = _get(cycle, person=m["binh"], kind=SubjectKind.CIVIL_SERVANT_LEADER)
    deputy = _get(cycle, person=m["cuong"], kind=SubjectKind.PUBLIC_EMPLOYEE_MANAGER)
    plain = _get(cycle, person=m["dung"], kind=SubjectKind.CIVIL_SERVANT)
    assert _codes(chair) == {("UBA", SubjectKind.STATE_AGENCY)}
    assert _codes(deputy) == {("UBA-TH", SubjectKind.STATE_AGENCY)}
    assert not prerequisites(plain).exists()


def test_a_collective_after_the_unit_it_leads(rich, cycle):
    standing = _get(cycle, kind=SubjectKind.COLLECTIVE, unit=rich.standing)
    assert _codes(standing) == {("P", SubjectKind.PARTY_ORG)}


def test_a_rating_out_of_order_is_refused_naming_what_comes_first(rich, cycle):
    commune = _get(cycle, kind=SubjectKind.PARTY_ORG, unit=rich.commune_a)
    with pytest.raises(ValidationError) as error:
        decisions.decide(subject=commune, tier="HTTNV", actor=None)
    message = " ".join(error.value.messages)
    assert "Ủy ban MTTQ xã An Bình" in message and "UBND xã An Bình" in message
    commune.refresh_from_db()
    assert commune.status == SubjectStatus.PENDING and commune.tier == ""
    # the Front after its organizations; both rated on the record (no form, no rule set)
    front = _get(cycle, kind=SubjectKind.MASS_ORG, unit=rich.front)
    with pytest.raises(ValidationError, match="Hội Liên hiệp Phụ nữ xã An Bình"):
        decisions.decide(subject=front, tier="HTTNV", actor=None)
    women = _get(cycle, kind=SubjectKind.MASS_ORG, unit=rich.women)
    decisions.decide(subject=women, tier="HTTNV", actor=None)
    decisions.decide(subject=front, tier="HTXSNV", actor=None)
    front.refresh_from_db()
    assert (front.status, front.tier) == (SubjectStatus.RATED, "HTXSNV")


def test_the_order_has_no_cycle_and_every_view_of_it_agrees(rich, cycle):
    admin = rich.users["admin"]
    everyone = list(cycle.subjects.select_related("unit"))
    index = CycleIndex(cycle.pk)
    for subject in everyone:
        expected = set(prerequisites(subject).values_list("pk", flat=True))
        assert index.prerequisites(subject.pk) == expected, subject
    for unit in Unit.objects.filter(path__startswith=rich.province.path):
        admin.__dict__.pop("_kiemdiem_scope_cache", None)
        for row in selectors.subjects_with_prerequisites(admin, cycle, unit):
            assert set(row.waits_for) == set(prerequisites(row.subject)), row.subject
    # rated wave after wave, every subject is reached: the rules never wait in a circle
    settled = {s.pk for s in everyone if s.status != SubjectStatus.PENDING}
    waves = 0
    while len(settled) < len(everyone):
        ready = {
            s.pk for s in everyone if s.pk not in settled and index.prerequisites(s.pk) <= settled
        }
        assert ready, "the order waits in a circle"
        settled |= ready
        waves += 1
    assert waves >= 4  # school → UBA → commune A → province, at least


def test_a_state_leader_before_the_agency_is_refused(rich, cycle):
    chair = _get(cycle, person=rich.members["binh"], kind=SubjectKind.CIVIL_SERVANT_LEADER)
    with pytest.raises(ValidationError, match="UBND xã An Bình"):
        decisions.decide(subject=chair, tier="HTTNV", actor=None)
    chair.refresh_from_db()
    assert chair.status == SubjectStatus.PENDING


def test_the_unit_page_shows_the_front_and_the_state_leaders(rich, cycle, client):
    from django.urls import reverse

    client.force_login(rich.users["admin"])
    commune = client.get(reverse("cycle-unit", args=[cycle.pk, rich.commune_a.pk]))
    page = commune.content.decode()
    assert "Mặt trận Tổ quốc, tổ chức chính trị - xã hội" in page  # the Front's kind
    assert "Ủy ban MTTQ xã An Bình" in page  # what the party organization waits for
    agency = client.get(reverse("cycle-unit", args=[cycle.pk, rich.agency.pk]))
    assert "Công chức giữ chức vụ lãnh đạo, quản lý" in agency.content.decode()
