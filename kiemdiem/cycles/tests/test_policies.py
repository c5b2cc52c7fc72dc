"""``cycles.policies``: who opens, plans, lists, rates and closes — each answer, the rating
rule as a query and per subject, and the services refusing on their own (called directly, with
no page or API check in front)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kiemdiem.accounts import services as accounts
from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import ALL, scope_prefixes
from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import hooks, policies, services, subjects
from kiemdiem.cycles.models import Plan, ReviewCycle, Subject, SubjectKind, SubjectStatus
from kiemdiem.decisions import services as decisions
from kiemdiem.people import services as people
from kiemdiem.people.models import Affiliation, CadreAuthority
from kiemdiem.testing import D, annual_stages, employ, hold_post, open_annual


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    services.plan_issue(
        cycle=cycle,
        unit=province.commune_a,
        stages=[services.StageWindow("self_review", D(2025, 11, 16), D(2025, 12, 5))],
        actor=None,
    )
    return cycle


def _state():
    return {
        "cycles": list(ReviewCycle.objects.order_by("pk").values("pk", "status")),
        "plans": list(Plan.objects.order_by("pk").values("pk", "status", "guidance")),
        "subjects": list(Subject.objects.order_by("pk").values("pk", "status", "tier", "reason")),
        "audit": LogEntry.objects.count(),
    }


#  who: (sees the cycle, manages it (list subjects, close), revises A's plan, sends A's plan back)
CYCLE = {
    "staff_p": (True, True, True, True),
    "staff_a": (True, False, True, False),
    "staff_b": (True, False, False, False),
    "secretary": (True, False, False, False),
    "inspector": (True, False, False, False),
    "member": (True, False, False, False),
    "nogrant": (False, False, False, False),
}


@pytest.mark.parametrize("who", list(CYCLE))
def test_the_rights_on_a_cycle_and_its_plans(cycle, province, who):
    user = province.users[who]
    sees, manages, revises, sends_back = CYCLE[who]
    policy = policies.CyclePolicy(user, cycle)
    assert policy.may_view == sees
    assert policy.may_manage == policy.may_close == policy.may_generate_subjects == manages
    plan_a = Plan.objects.get(cycle=cycle, unit=province.commune_a)
    assert policies.PlanPolicy(user, plan_a).may_revise == revises
    assert policies.PlanPolicy(user, plan_a).may_return == sends_back
    assert policies.may_open_cycle(user, province.province) == manages
    assert policies.may_issue_plan(user, province.commune_a) == revises


def test_the_opening_levels_plan_is_sent_back_by_nobody(cycle, province):
    root_plan = Plan.objects.get(cycle=cycle, unit=province.province)
    assert not policies.PlanPolicy(province.users["staff_p"], root_plan).may_return
    assert not policies.PlanPolicy(None, root_plan).may_return
    assert policies.PlanPolicy(province.users["staff_p"], root_plan).may_revise


def test_subjects_are_changed_where_they_are_reviewed(province):
    for who, a1, b1 in [
        ("staff_a", True, False),
        ("secretary", True, False),
        ("staff_b", False, True),
    ]:
        user = province.users[who]
        assert policies.may_change_subjects(user, province.cell_a1) == a1
        assert policies.may_change_subjects(user, province.cell_b1) == b1


def test_the_boards_start_where_the_user_sees_the_cycle(cycle, province):
    assert policies.board_units(province.users["staff_p"], cycle) == [province.province]
    assert policies.board_units(province.users["staff_a"], cycle) == [province.commune_a]
    assert policies.board_units(province.users["nogrant"], cycle) == []


# --- the rating ----------------------------------------------------------------------------


def _by_the_rules(user, subject) -> bool:
    """The rating rule written out subject by subject, as the rules read (and as ``may_rate``
    was written before it became one query): nobody rates themselves; a unit, a collective and
    a head are rated by the unit's deciding level (its rating authority, else its parent); a
    cadre with a managing authority by that authority; anyone else where they are reviewed;
    on the state track, also the head of the subject's unit."""
    person_id = getattr(user, "person_id", None)
    if subject.person_id is not None and subject.person_id == person_id:
        return False
    if subject.person_id is None or subject.kind == SubjectKind.HEAD:
        level = subject.unit.deciding_unit
    else:
        authority = CadreAuthority.objects.filter(
            person_id=subject.person_id, valid_to__isnull=True
        ).first()
        level = authority.authority if authority else subject.unit
    prefixes = scope_prefixes(user, Action.DECIDE)
    if level is not None and (prefixes == ALL or any(level.path.startswith(p) for p in prefixes)):
        return True
    heads = Affiliation.objects.current().heads().filter(person_id=person_id, unit=subject.unit)
    return subject.track == "state" and subject.person_id is not None and heads.exists()


def test_the_rating_query_says_what_the_rules_say(cycle, province):
    """``subjects_to_rate`` (and ``may_rate``, the same query for one subject) against the rule
    written out subject by subject, for every subject and every kind of user."""
    cuong, dung = province.members["cuong"], province.members["dung"]
    employ(cuong, province.agency, title="Công chức văn phòng")
    hold_post(dung, province.agency, title="Chủ tịch UBND xã", role="head")
    people.authority_assign(
        person=province.members["binh"],
        authority=province.standing,
        valid_from=D(2021, 1, 1),
        actor=None,
    )
    Subject.objects.filter(cycle=cycle).delete()
    subjects.subjects_generate(cycle=cycle, actor=None)
    head = accounts.user_create(username="chutich", password="pass12345!", person=dung, actor=None)
    users = {"chutich": head}
    for name, unit in [("cell_decider", province.cell_a1), ("a_decider", province.commune_a)]:
        users[name] = accounts.user_create(username=name, password="pass12345!", actor=None)
        accounts.grant_add(user=users[name], role="decider", unit=unit, actor=None)
    an_decider = province.users["secretary"]  # An: head of cell A1, and here a decider of A
    accounts.grant_add(user=an_decider, role="decider", unit=province.commune_a, actor=None)
    users.update(province.users)
    every = list(Subject.objects.filter(cycle=cycle).select_related("unit__parent", "person"))

    def rated_by(name):
        return {s.pk for s in policies.subjects_to_rate(users[name]).filter(cycle=cycle)}

    for name, user in users.items():
        expected = {s.pk for s in every if _by_the_rules(user, s)}
        assert rated_by(name) == expected, name
        assert {s.pk for s in every if policies.may_rate(user, s)} == expected, name
    # and the rules say this much, spelled out:
    assert rated_by("decider") == {s.pk for s in every if s.unit != province.province}
    assert not rated_by("staff_p") and not rated_by("member") and not rated_by("nogrant")
    state_cuong = next(s for s in every if s.person == cuong and s.track == "state")
    assert rated_by("chutich") == {state_cuong.pk}
    a1_report = next(s for s in every if s.unit == province.cell_a1 and s.person is None)
    binh = next(s for s in every if s.person == province.members["binh"])
    an_head = next(
        s for s in every if s.person == province.members["an"] and s.kind == SubjectKind.HEAD
    )
    assert a1_report.pk not in rated_by("cell_decider")  # never by the unit itself
    assert a1_report.pk in rated_by("a_decider") and an_head.pk in rated_by("a_decider")
    assert binh.pk not in rated_by("a_decider")  # her cadre authority, the standing committee
    assert an_head.pk not in rated_by("secretary")  # An does not rate himself
    assert policies.rated_as_agency_head(head).filter(cycle=cycle).get() == state_cuong
    assert not policies.rated_as_agency_head(province.users["decider"]).exists()


def test_nobody_rates_themselves_whatever_their_grants(cycle, province):
    an_user = province.users["secretary"]
    accounts.grant_add(user=an_user, role="admin", unit=province.province, actor=None)
    own = Subject.objects.filter(cycle=cycle, person=province.members["an"])
    assert own.exists()
    assert not policies.subjects_to_rate(an_user).filter(pk__in=own).exists()
    assert not any(policies.may_rate(an_user, s) for s in own)
    assert policies.may_rate(
        an_user, Subject.objects.get(cycle=cycle, person=province.members["binh"])
    )


# --- the services refuse on their own -------------------------------------------------------


def test_opening_a_cycle_needs_change_on_its_root(province):
    before = _state()
    for who in ("staff_a", "inspector", "decider", "nogrant"):
        with pytest.raises(PermissionDenied):
            open_annual_as(province, province.users[who])
    assert _state() == before
    assert open_annual_as(province, province.users["staff_p"]).root == province.province


def open_annual_as(province, actor):
    return services.cycle_open(
        code="KD2025",
        name="Kiểm điểm năm 2025",
        kind="annual",
        year=2025,
        period_start=D(2025, 1, 1),
        period_end=D(2025, 12, 31),
        root=province.province,
        stages=annual_stages(2025),
        actor=actor,
    )


def test_plans_are_issued_revised_and_sent_back_by_their_levels_only(cycle, province):
    window = [services.StageWindow("self_review", D(2025, 11, 17), D(2025, 12, 1))]
    before = _state()
    for who in ("staff_b", "inspector", "secretary"):
        with pytest.raises(PermissionDenied):
            services.plan_issue(
                cycle=cycle, unit=province.cell_a2, stages=window, actor=province.users[who]
            )
    plan_a = Plan.objects.get(cycle=cycle, unit=province.commune_a)
    with pytest.raises(PermissionDenied):
        services.plan_revise(
            plan=plan_a, stages=window, guidance="x", actor=province.users["staff_b"]
        )
    with pytest.raises(PermissionDenied):  # A's own staff revise it, the level above sends it back
        services.plan_return(plan=plan_a, comment="Thiếu lịch", actor=province.users["staff_a"])
    assert _state() == before
    services.plan_revise(plan=plan_a, stages=window, guidance="x", actor=province.users["staff_a"])
    services.plan_return(plan=plan_a, comment="Thiếu lịch", actor=province.users["staff_p"])
    plan = services.plan_issue(
        cycle=cycle, unit=province.cell_a2, stages=window, actor=province.users["staff_a"]
    )
    assert plan.parent == plan_a


def test_the_cycle_wide_acts_are_the_opening_levels(cycle, province):
    before = _state()
    with pytest.raises(PermissionDenied):
        services.cycle_close(cycle=cycle, actor=province.users["staff_a"])
    Subject.objects.filter(cycle=cycle).delete()
    before = _state()
    with pytest.raises(PermissionDenied):
        subjects.subjects_generate(cycle=cycle, actor=province.users["staff_a"])
    assert _state() == before
    assert subjects.subjects_generate(cycle=cycle, actor=province.users["staff_p"]) > 0
    Subject.objects.filter(cycle=cycle).update(status=SubjectStatus.RATED, tier="HTTNV")
    services.cycle_close(cycle=cycle, actor=province.users["staff_p"])
    cycle.refresh_from_db()
    assert cycle.status == "closed"


def test_subjects_are_added_and_taken_out_where_they_are_reviewed(cycle, province):
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    before = _state()
    for who in ("staff_b", "inspector", "member"):
        with pytest.raises(PermissionDenied):
            subjects.subject_exclude(subject=binh, reason="Đi xa", actor=province.users[who])
        with pytest.raises(PermissionDenied):
            subjects.subject_add(
                cycle=cycle,
                kind=SubjectKind.LEADER,
                unit=province.cell_a1,
                person=province.members["binh"],
                reason="Phó Bí thư",
                actor=province.users[who],
            )
    assert _state() == before
    subjects.subject_exclude(subject=binh, reason="Đi xa", actor=province.users["secretary"])


def test_rating_checks_registered_above_cycles_run_in_the_service(cycle, province):
    """reviews registers its check (rated on the submitted review) through ``cycles.hooks``;
    every registered check sees the subject before the tier is recorded, and refuses it."""
    from kiemdiem.reviews import services as reviews
    from kiemdiem.testing import WRITTEN

    # a member of cell A1 (the cell itself now waits for its members)
    a1 = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person=province.members["binh"])
    with pytest.raises(ValidationError, match="chưa được nộp"):
        decisions.decide(subject=a1, tier="HTTNV", actor=None)
    review = reviews.review_start(subject=a1, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    seen = []

    def check(subject):
        seen.append(subject.pk)
        raise ValidationError("not yet")

    hooks.register_rating_check(check)
    try:
        before = _state()
        with pytest.raises(ValidationError, match="not yet"):
            decisions.decide(subject=a1, tier="HTTNV", actor=None)
        assert seen == [a1.pk] and _state() == before
    finally:
        hooks._rating_checks.remove(check)
    decisions.decide(subject=a1, tier="HTTNV", actor=None)
    assert hooks.review_states().relation == "review"
