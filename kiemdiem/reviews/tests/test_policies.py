"""``reviews.policies``: each answer of ``ReviewPolicy``, the queries that match it, and the
services refusing on their own — called directly, with no page or API check in front."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kiemdiem.accounts import services as accounts
from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import CycleStatus, Subject, SubjectKind, SubjectStatus
from kiemdiem.decisions import services as decisions
from kiemdiem.reviews import policies, services
from kiemdiem.reviews.models import ReviewVersion, SelfReview, Suggestion
from kiemdiem.reviews.policies import ReviewPolicy
from kiemdiem.testing import WRITTEN, employ, hold_post, open_annual


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def _binh(cycle, province):
    return Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )


def _cell(cycle, province):
    """Cell A1's own report: written by its head, An (the secretary's login)."""
    return Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)


def _submitted(subject):
    review = services.review_start(subject=subject, actor=None)
    return services.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)


def _state():
    return {
        "reviews": list(SelfReview.objects.order_by("pk").values()),
        "versions": ReviewVersion.objects.count(),
        "suggestions": Suggestion.objects.count(),
        "subjects": list(Subject.objects.order_by("pk").values("pk", "status", "tier")),
        "audit": LogEntry.objects.count(),
    }


# Binh (member of cell A1): who is what to her review. The secretary (An) is not her writer but
# may change cell A1; staff_a covers commune A; staff_b and the read-only roles do not change A.
BINH = {
    #            writer  view   change write  return suggest
    "member": (True, True, False, True, False, False),
    "secretary": (False, True, True, True, True, True),
    "staff_a": (False, True, True, True, True, True),
    "staff_p": (False, True, True, True, True, True),
    "staff_b": (False, False, False, False, False, False),
    "inspector": (False, True, False, False, False, False),
    "decider": (False, True, False, False, False, False),
    "nogrant": (False, False, False, False, False, False),
}


@pytest.mark.parametrize("who", list(BINH))
def test_the_rights_on_a_members_review(cycle, province, who):
    policy = ReviewPolicy(province.users[who], _binh(cycle, province))
    writer, view, change, write, send_back, suggest = BINH[who]
    assert policy.is_writer == writer
    assert policy.may_view == view
    assert policy.may_change == change
    assert policy.may_write == policy.may_submit == policy.may_amend == policy.may_link == write
    assert policy.may_return == send_back
    assert policy.may_suggest == suggest


def test_the_head_writes_the_units_report_and_may_not_send_it_back(cycle, province):
    secretary = province.users["secretary"]  # An, head of cell A1, with change on A1
    policy = ReviewPolicy(secretary, _cell(cycle, province))
    assert policy.is_writer and policy.may_write and policy.may_change
    assert not policy.may_return  # nobody sends back their own review
    assert not policy.may_suggest
    other = ReviewPolicy(province.users["staff_a"], _cell(cycle, province))
    assert not other.is_writer and other.may_return and other.may_suggest


def test_the_system_may_do_everything(cycle, province):
    policy = ReviewPolicy(None, _binh(cycle, province))
    assert policy.may_view and policy.may_write and policy.may_return and policy.may_suggest
    assert policy.may_rate


def test_the_writers_queries_match_is_writer(cycle, province):
    an, binh = province.users["secretary"], province.users["member"]
    written_by_an = set(policies.subjects_written_by(an))
    every = Subject.objects.filter(cycle=cycle)
    assert written_by_an == {s for s in every if policies.is_writer(an, s)}
    assert {s.unit for s in written_by_an if s.person_id is None} == {province.cell_a1}
    assert set(policies.subjects_written_by(binh)) == {_binh(cycle, province)}
    assert not policies.subjects_written_by(province.users["staff_p"]).exists()
    assert list(policies.writers(_cell(cycle, province))) == [an]
    assert list(policies.writers(_binh(cycle, province))) == [binh]


def test_a_suggestion_is_raised_by_the_nearest_level_the_actor_may_change(cycle, province):
    binh = _binh(cycle, province)
    assert policies.suggesting_level(province.users["secretary"], binh) == province.cell_a1
    assert policies.suggesting_level(province.users["staff_a"], binh) == province.commune_a
    assert policies.suggesting_level(province.users["staff_p"], binh) == province.province
    assert policies.suggesting_level(province.users["staff_b"], binh) is None
    assert policies.suggesting_level(None, binh) == cycle.root


def test_what_the_page_offers_follows_the_right_and_the_state(cycle, province):
    binh, staff_a, member = (
        _binh(cycle, province),
        province.users["staff_a"],
        province.users["member"],
    )
    assert ReviewPolicy(member, binh).offers_start
    assert not ReviewPolicy(province.users["inspector"], binh).offers_start
    review = services.review_start(subject=binh, actor=member)
    draft = ReviewPolicy(member, binh, review)
    assert draft.offers_edit and not draft.offers_start and not draft.offers_amend
    assert not ReviewPolicy(staff_a, binh, review).offers_return  # a draft is not sent back
    review = services.review_submit(
        review=review, content=WRITTEN, proposed_tier="HTTNV", actor=member
    )
    assert ReviewPolicy(member, binh, review).offers_amend
    assert not ReviewPolicy(member, binh, review).offers_edit  # locked
    assert not ReviewPolicy(member, binh, review).offers_return
    assert ReviewPolicy(staff_a, binh, review).offers_return
    assert ReviewPolicy(staff_a, binh, review).offers_suggest
    assert ReviewPolicy(province.users["decider"], binh, review).offers_rate
    assert not ReviewPolicy(staff_a, binh, review).offers_rate  # staff do not decide
    Subject.objects.filter(pk=binh.pk).update(status=SubjectStatus.RATED, tier="HTTNV")
    binh.refresh_from_db()
    rated = ReviewPolicy(staff_a, binh, review)
    assert not rated.offers_return and not rated.offers_suggest and not rated.offers_amend
    assert not ReviewPolicy(province.users["decider"], binh, review).offers_rate
    cuong = Subject.objects.get(cycle=cycle, person=province.members["cuong"])
    assert ReviewPolicy(staff_a, cuong).offers_start
    cuong.cycle.status = CycleStatus.CLOSED  # nothing starts in a closed cycle
    assert not ReviewPolicy(staff_a, cuong).offers_start
    assert ReviewPolicy(staff_a, cuong).may_write


# --- the services refuse on their own -----------------------------------------------------


@pytest.mark.parametrize("who", ["staff_b", "inspector", "decider", "nogrant"])
def test_writing_someone_elses_review_is_refused_by_the_services(cycle, province, who):
    user = province.users[who]
    binh = _binh(cycle, province)
    before = _state()
    with pytest.raises(PermissionDenied):
        services.review_start(subject=binh, actor=user)
    assert _state() == before
    review = services.review_start(subject=binh, actor=None)
    before = _state()
    with pytest.raises(PermissionDenied):
        services.review_save(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=user)
    with pytest.raises(PermissionDenied):
        services.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=user)
    assert _state() == before
    review = services.review_submit(
        review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None
    )
    before = _state()
    with pytest.raises(PermissionDenied):
        services.review_amend(review=review, reason="Bổ sung", actor=user)
    with pytest.raises(PermissionDenied):
        services.review_return(review=review, comment="Bổ sung", actor=user)
    assert _state() == before


def test_the_writer_cannot_send_back_their_own_review_through_the_service(cycle, province):
    report = _submitted(_cell(cycle, province))
    before = _state()
    with pytest.raises(PermissionDenied):
        services.review_return(review=report, comment="Tự trả", actor=province.users["secretary"])
    assert _state() == before
    services.review_return(review=report, comment="Nêu rõ hơn", actor=province.users["staff_a"])
    report.refresh_from_db()
    assert report.status == "returned"


def test_linking_is_refused_to_those_who_may_not_write_the_report(cycle, province):
    report = services.review_start(subject=_cell(cycle, province), actor=None)
    before = _state()
    with pytest.raises(PermissionDenied):
        services.review_link(review=report, members=[], actor=province.users["member"])
    assert _state() == before
    services.review_link(review=report, members=[], actor=province.users["secretary"])


def test_a_suggestion_is_refused_to_the_writer_and_outside_the_actors_subtree(cycle, province):
    binh = _binh(cycle, province)
    before = _state()
    for who in ("member", "staff_b", "inspector"):
        with pytest.raises(ValidationError):
            services.suggestion_add(subject=binh, text="Làm rõ", actor=province.users[who])
    assert _state() == before
    suggestion = services.suggestion_add(
        subject=binh, text="Làm rõ", actor=province.users["secretary"]
    )
    assert suggestion.raised_by == province.cell_a1


def test_rating_goes_through_the_same_policy_in_the_service(cycle, province):
    """``decisions.decide`` refuses whoever ``may_rate`` refuses — nobody rates themselves, whatever
    their grants — with no page or API check in front of it."""
    an = province.members["an"]
    an_user = province.users["secretary"]
    accounts.grant_add(user=an_user, role="decider", unit=province.province, actor=None)
    own = Subject.objects.get(cycle=cycle, person=an, kind=SubjectKind.HEAD)
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    _submitted(binh)  # the cell after its members, its head after the cell
    decisions.decide(subject=binh, tier="HTTNV", actor=None)
    _submitted(_cell(cycle, province))
    decisions.decide(subject=_cell(cycle, province), tier="HTTNV", actor=None)
    _submitted(own)
    assert not ReviewPolicy(an_user, own).may_rate
    before = _state()
    with pytest.raises(PermissionDenied):
        decisions.decide(subject=own, tier="HTXSNV", actor=an_user)
    assert _state() == before
    for who in ("staff_p", "inspector", "nogrant"):
        with pytest.raises(PermissionDenied):
            decisions.decide(subject=own, tier="HTTNV", actor=province.users[who])
    assert _state() == before
    decisions.decide(subject=own, tier="HTTNV", actor=province.users["decider"])
    own.refresh_from_db()
    assert own.status == SubjectStatus.RATED


def test_the_agency_head_rates_the_staff_but_not_their_own_self_assessment(province):
    cuong, dung = province.members["cuong"], province.members["dung"]
    employ(cuong, province.agency, title="Công chức văn phòng")
    employ(dung, province.agency, title="Chủ tịch UBND xã")
    hold_post(dung, province.agency, title="Chủ tịch UBND xã", role="head")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    staff = Subject.objects.get(cycle=cycle, person=cuong, track="state")
    own = Subject.objects.get(cycle=cycle, person=dung, track="state")
    head = accounts.user_create(username="chutich", password="pass12345!", person=dung, actor=None)
    assert ReviewPolicy(head, staff).may_rate
    assert not ReviewPolicy(head, own).may_rate
    _submitted(own)
    with pytest.raises(PermissionDenied):
        decisions.decide(subject=own, tier="HTTNV", actor=head)
    _submitted(staff)
    decisions.decide(subject=staff, tier="HTTNV", actor=head)
