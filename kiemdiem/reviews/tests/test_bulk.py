"""The bulk paths of the review services refuse what the services refuse (the demo compares
what both write for a whole province: demo/tests/test_review_cycles.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectStatus
from kiemdiem.cycles.selectors import CycleIndex, prerequisites
from kiemdiem.decisions import bulk as decisions_bulk
from kiemdiem.decisions import services as decisions
from kiemdiem.reviews import bulk, engine
from kiemdiem.reviews import services as reviews
from kiemdiem.reviews.models import SelfReview
from kiemdiem.testing import WRITTEN, employ, hold_post, open_annual

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(province):
    an, dung = province.members["an"], province.members["dung"]
    hold_post(an, province.standing, title="Ủy viên")
    employ(dung, province.agency, title="Văn thư")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def of(cycle, **kw) -> Subject:
    return Subject.objects.select_related("cycle", "unit", "person").get(cycle=cycle, **kw)


def written(_started):
    return dict(WRITTEN)


def refusal(call) -> list[str]:
    with pytest.raises(ValidationError) as error, transaction.atomic():
        call()
    return error.value.messages


def test_the_index_orders_the_ratings_as_the_selector(province, cycle):
    index = CycleIndex(cycle.pk)
    for subject in Subject.objects.filter(cycle=cycle):
        assert index.prerequisites(subject.pk) == set(
            prerequisites(subject).values_list("pk", flat=True)
        ), subject


def test_ratings_wait_for_their_prerequisites_and_a_submitted_review(province, cycle):
    dung = province.members["dung"]
    member = of(cycle, person=dung, kind="party_member")
    state = of(cycle, person=dung, kind="cong_chuc")
    # the state rating first, with the service's own message
    assert refusal(lambda: decisions_bulk.decide_bulk([(member, "HTTNV", "")])) == refusal(
        lambda: decisions.decide(subject=member, tier="HTTNV", actor=None)
    )
    # a subject with a form is rated on its submitted review
    assert refusal(lambda: decisions_bulk.decide_bulk([(state, "HTTNV", "")])) == refusal(
        lambda: decisions.decide(subject=state, tier="HTTNV", actor=None)
    )
    bulk.reviews_write_bulk([bulk.NewReview(state, written, "HTTNV", submit=True)])
    # in one call, in order: the state rating, then the member's (whose review is a draft)
    bulk.reviews_write_bulk([bulk.NewReview(member, written, "HTTNV")])
    assert refusal(
        lambda: decisions_bulk.decide_bulk([(state, "HTTNV", "Đạt"), (member, "HTTNV", "")])
    ) == refusal(
        lambda: [
            decisions.decide(subject=subject, tier="HTTNV", actor=None)
            for subject in (state, member)
        ]
    )
    assert of(cycle, pk=state.pk).status == SubjectStatus.PENDING  # nothing written
    decisions_bulk.decide_bulk([(state, "HTTNV", " Đạt ")])
    rated = of(cycle, pk=state.pk)
    assert (rated.status, rated.tier, rated.rating_note) == (SubjectStatus.RATED, "HTTNV", "Đạt")
    assert refusal(lambda: decisions_bulk.decide_bulk([(state, "HTTNV", "")])) == refusal(
        lambda: decisions.decide(subject=state, tier="HTTNV", actor=None)
    )


def test_members_of_a_collective_submit_after_its_report(province, cycle):
    seat = of(cycle, person=province.members["an"], unit=province.standing)
    assert refusal(
        lambda: bulk.reviews_write_bulk([bulk.NewReview(seat, written, "HTTNV", submit=True)])
    ) == refusal(
        lambda: reviews.review_submit(
            review=reviews.review_start(subject=seat, actor=None),
            content=WRITTEN,
            proposed_tier="HTTNV",
            actor=None,
        )
    )
    assert not SelfReview.objects.filter(subject=seat).exists()


def test_no_review_for_a_subject_out_of_the_rating_and_none_twice(province, cycle):
    cuong = of(cycle, person=province.members["cuong"], kind="party_member")
    subjects.subject_exclude(subject=cuong, reason="Đi học dài hạn", actor=None)
    cuong = of(cycle, pk=cuong.pk)
    assert refusal(lambda: bulk.reviews_write_bulk([bulk.NewReview(cuong, written)])) == refusal(
        lambda: reviews.review_start(subject=cuong, actor=None)
    )
    binh = of(cycle, person=province.members["binh"], kind="party_member")
    bulk.reviews_write_bulk([bulk.NewReview(binh, written)])
    with pytest.raises(ValueError, match="already have a review"):
        bulk.reviews_write_bulk([bulk.NewReview(binh, written)])


@pytest.mark.parametrize("year", [2022, 2025])  # the 2019 rules (unit caps) and the 2025 rules
def test_the_engine_facts_from_the_index_are_the_engines_own(province, year):
    an, dung = province.members["an"], province.members["dung"]
    hold_post(an, province.standing, title="Ủy viên")
    employ(dung, province.agency, title="Văn thư")
    cycle = open_annual(province, year)
    subjects.subjects_generate(cycle=cycle, actor=None)
    # some tiers in place: the province (led by its standing committee), the agency, a cell,
    # Dung's state rating
    rated = Subject.objects.filter(cycle=cycle).filter(
        Q(person__isnull=True, unit__in=[province.province, province.agency, province.cell_a1])
        | Q(person=dung, track="state")
    )
    assert rated.update(tier="HTNV") == 4
    index, packs, compared = CycleIndex(cycle.pk), bulk.Packs(), 0
    for subject in Subject.objects.filter(cycle=cycle).select_related("cycle", "unit", "person"):
        pack = packs.pack(subject)
        kind = engine.engine_kind(subject, pack) if pack is not None else None
        if kind is None:
            continue
        facts = engine.system_facts(subject, pack, kind)
        assert bulk._facts(index, subject, pack, kind) == facts, subject
        compared += bool(facts)
    assert compared > 5
