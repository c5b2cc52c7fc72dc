from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiemdiem.tally import TallyError, check_counts, has_quorum, more_than, outcome, quorum_needed

OPTIONS = ("HTXSNV", "HTTNV", "HTNV", "KHTNV")


@pytest.mark.parametrize(
    ("base", "need"), [(0, 1), (1, 1), (2, 2), (3, 2), (4, 3), (15, 8), (50, 26)]
)
def test_more_than_half(base, need):
    assert more_than(Fraction(1, 2), base) == need


@pytest.mark.parametrize(("members", "need"), [(3, 2), (9, 6), (10, 7), (15, 10), (1, 1)])
def test_two_thirds_quorum(members, need):
    assert quorum_needed(members) == need
    assert has_quorum(need, members) and not has_quorum(need - 1, members)


def test_no_members_no_quorum():
    assert not has_quorum(0, 0)


def test_result_needs_more_than_half_of_those_present():
    result = outcome({"HTTNV": 8, "HTNV": 7}, OPTIONS, voters=15)
    assert result.winner == "HTTNV" and result.needed == 8 and result.cast == 15
    tie = outcome({"HTTNV": 7, "HTNV": 7}, OPTIONS, voters=15)
    assert tie.winner is None and tie.counts["KHTNV"] == 0


def test_abstentions_count_against():
    result = outcome({"HTTNV": 7}, OPTIONS, voters=15)
    assert result.winner is None and result.turnout == Fraction(7, 15)


@pytest.mark.parametrize(
    ("counts", "field"),
    [({"XX": 1}, "XX"), ({"HTNV": -1}, "HTNV"), ({"HTNV": 1.5}, "HTNV"), ({"HTNV": 16}, "")],
)
def test_impossible_counts_refused_naming_the_option(counts, field):
    with pytest.raises(TallyError) as caught:
        check_counts(counts, OPTIONS, 15)
    assert caught.value.field == field


def test_share_under_half_refused():
    with pytest.raises(TallyError):
        outcome({}, OPTIONS, 3, share=Fraction(1, 3))


@given(st.lists(st.integers(0, 20), min_size=4, max_size=4), st.integers(0, 90))
def test_at_most_one_winner_and_it_has_more_than_half(counts, extra):
    voters = sum(counts) + extra
    result = outcome(dict(zip(OPTIONS, counts, strict=True)), OPTIONS, voters)
    if result.winner is not None:
        assert 2 * result.counts[result.winner] > voters
    assert sum(2 * c > voters for c in counts) <= 1
