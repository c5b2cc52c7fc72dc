"""Restructuring the tree keeps the summaries right: a unit moved to another parent (alone, or
as part of a merge or a split) takes its subtree's figures with it — the old parent's roll-up
loses them and the new parent's gains them in the same transaction, folded or not, and
``tallies --verify`` finds nothing to mend. ``tallies --rebuild --unit`` recounts one subtree."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from kiemdiem.cycles import subjects, tallies
from kiemdiem.cycles.models import Subject, SubjectTally
from kiemdiem.decisions import bulk
from kiemdiem.orgtree import services as tree
from kiemdiem.people import restructure
from kiemdiem.reports.selectors import unit_table
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, open_annual

pytestmark = pytest.mark.django_db
D = datetime.date


def _rated(cycle, unit) -> dict[str, int]:
    """The tiers decided in ``unit``'s subtree, as the report reads them."""
    return {tier: n for tier, n in unit_table(cycle, unit).total.tiers.items() if n}


def _total(cycle, unit) -> int:
    return unit_table(cycle, unit).total.total


def _rate_members(cycle, province):
    m = province.members
    rows = []
    for key, tier in (("binh", "HTXSNV"), ("cuong", "HTNV"), ("dung", "HTTNV")):
        subject = Subject.objects.filter(cycle=cycle, person=m[key]).order_by("pk").first()
        review = reviews.review_start(subject=subject, actor=None)
        reviews.review_submit(review=review, content=WRITTEN, proposed_tier=tier, actor=None)
        rows.append((subject, tier, ""))
    bulk.decide_bulk(rows)


@pytest.mark.parametrize("fold_before", [True, False], ids=["folded", "pending"])
def test_a_moved_cell_takes_its_figures_to_the_new_parent(province, fold_before):
    cycle = open_annual(province, 2025)
    earlier = open_annual(province, 2024)  # an earlier cycle is carried too
    for c in (cycle, earlier):
        subjects.subjects_generate(cycle=c, actor=None)
    _rate_members(cycle, province)
    if fold_before:
        tallies.fold()
    a, b, a1 = province.commune_a, province.commune_b, province.cell_a1
    before_a, before_b = _total(cycle, a), _total(cycle, b)
    moving = _total(cycle, a1)
    earlier_b, earlier_moving = _total(earlier, b), _total(earlier, a1)
    assert moving >= 3  # the cell itself and An, Bình
    assert _rated(cycle, a) == {"HTXSNV": 1, "HTNV": 1}
    assert _rated(cycle, b) == {"HTTNV": 1}
    province_total = _total(cycle, province.province)

    tree.unit_move(unit=a1, new_parent=b, effective=D(2025, 6, 1), actor=None)

    assert _rated(cycle, a) == {"HTNV": 1}  # Cường stays in A2
    assert _rated(cycle, b) == {"HTXSNV": 1, "HTTNV": 1}
    assert _total(cycle, a) == before_a - moving
    assert _total(cycle, b) == before_b + moving
    assert _total(cycle, province.province) == province_total
    assert _total(earlier, b) == earlier_b + earlier_moving  # the figures follow the tree
    call_command("tallies", "--verify")
    tallies.fold()
    call_command("tallies", "--verify")
    assert _rated(cycle, b) == {"HTXSNV": 1, "HTTNV": 1}


def test_a_cell_moved_to_the_root_and_a_commune_moved_under_another(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    _rate_members(cycle, province)
    tallies.fold()
    # a commune (with its cells) moved under another commune: ancestors shared above
    tree.unit_move(
        unit=province.commune_b, new_parent=province.commune_a, effective=D(2025, 6, 1), actor=None
    )
    assert _rated(cycle, province.commune_a) == {"HTXSNV": 1, "HTTNV": 1, "HTNV": 1}
    call_command("tallies", "--verify")
    # a cell made a root of its own: no ancestors to gain it
    tree.unit_move(unit=province.cell_a2, new_parent=None, effective=D(2025, 7, 1), actor=None)
    assert _rated(cycle, province.province) == {"HTXSNV": 1, "HTTNV": 1}
    assert _rated(cycle, province.cell_a2) == {"HTNV": 1}
    call_command("tallies", "--verify")


def test_a_merge_keeps_the_summaries_right(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    _rate_members(cycle, province)
    tallies.fold()
    restructure.units_merge(
        sources=[province.commune_a],
        target=province.commune_b,
        effective=D(2025, 6, 1),
        actor=province.users["admin"],
    )
    # A's cells (and their members' subjects) now roll up into B; A keeps only its own
    assert _rated(cycle, province.commune_b) == {"HTXSNV": 1, "HTTNV": 1, "HTNV": 1}
    assert _rated(cycle, province.commune_a) == {}
    call_command("tallies", "--verify")


def test_the_rebuild_of_one_subtree_mends_it_and_carries_the_difference_up(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    _rate_members(cycle, province)
    tallies.fold()
    # the summaries of cell A1 (and so of A and P: the same bucket) are broken by hand
    broken = SubjectTally.objects.filter(cycle=cycle, unit=province.cell_a1).first()
    bucket = {k: getattr(broken, k) for k in tallies.KEY}
    for unit in (province.cell_a1, province.commune_a, province.province):
        row = SubjectTally.objects.get(cycle=cycle, unit=unit, **bucket)
        row.n += 7
        row.save()
    with pytest.raises(CommandError, match=province.cell_a1.code):
        call_command("tallies", "--verify", unit=province.commune_a.code)
    # B's subtree is right: its verify passes and its rebuild changes nothing above it
    call_command("tallies", "--verify", unit=province.commune_b.code)
    call_command("tallies", "--rebuild", unit=province.commune_b.code)
    with pytest.raises(CommandError):
        call_command("tallies", "--verify")
    call_command("tallies", "--rebuild", unit=province.cell_a1.code, cycle=cycle.code)
    call_command("tallies", "--verify")


def test_the_rebuild_of_a_subtree_with_pending_deltas(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    tallies.fold()
    _rate_members(cycle, province)  # pending deltas in A1, A2, B1
    call_command("tallies", "--rebuild", unit=province.commune_a.code)
    call_command("tallies", "--verify")
    tallies.fold()
    call_command("tallies", "--verify")
    assert _rated(cycle, province.province) == {"HTXSNV": 1, "HTTNV": 1, "HTNV": 1}


def test_an_unknown_unit_is_refused(province):
    with pytest.raises(CommandError, match="--unit"):
        call_command("tallies", "--rebuild", unit="NOPE")
