"""Counting (docs/meetings.md, "Counting"; the rules and how sure we are of them there).

* **Quorum**: a cell's meeting is valid when at least ``share`` (2/3 by default) of its
  official members, those exempt from party work and activity left out, are present.
* **Result**: an option carries when more than ``share`` (1/2 by default) of ``base`` — the
  official members present with a vote — chose it. At most one option can pass a share of
  one half or more; a smaller share is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

HALF = Fraction(1, 2)
TWO_THIRDS = Fraction(2, 3)


class TallyError(ValueError):
    """Counts that cannot be right (negative, more than those who may vote, an unknown
    option). ``field`` names the option at fault, or "" for the whole."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def more_than(share: Fraction, base: int) -> int:
    """The smallest whole number strictly more than ``share`` of ``base``."""
    if base < 0:
        raise TallyError("base must not be negative")
    product = share * base
    return product.numerator // product.denominator + 1


def quorum_needed(official_members: int, share: Fraction = TWO_THIRDS) -> int:
    """How many official members must be present: at least ``share`` of them (at least one)."""
    if official_members < 0:
        raise TallyError("official_members must not be negative")
    product = share * official_members
    need = -(-product.numerator // product.denominator)
    return max(need, 1) if official_members else 0


def has_quorum(present_official: int, official_members: int, share: Fraction = TWO_THIRDS) -> bool:
    return official_members > 0 and present_official >= quorum_needed(official_members, share)


def check_counts(counts: Mapping[str, int], options: tuple[str, ...], voters: int) -> None:
    """Refuse counts no meeting could have produced: an option not on the question, a
    negative or non-whole count, more votes in all than ``voters`` (those present with the
    vote). Raises ``TallyError`` naming the option."""
    for option, count in counts.items():
        if option not in options:
            raise TallyError(f"{option!r} is not an option of this question", option)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise TallyError(f"the count of {option} must be a whole number ≥ 0", option)
    total = sum(counts.values())
    if total > voters:
        raise TallyError(f"{total} votes counted but only {voters} present may vote")


@dataclass(frozen=True)
class Outcome:
    counts: dict[str, int]
    cast: int  # ballots (or hands) counted
    voters: int  # present with the right to vote: the base of the threshold
    needed: int  # votes an option must reach
    winner: str | None  # the option that reached ``needed``, or None

    @property
    def turnout(self) -> Fraction:
        return Fraction(self.cast, self.voters) if self.voters else Fraction(0)


def outcome(
    counts: Mapping[str, int],
    options: tuple[str, ...],
    voters: int,
    share: Fraction = HALF,
) -> Outcome:
    """The result of a vote: the option with more than ``share`` of ``voters``, if any."""
    if share < HALF:
        raise TallyError("a share under one half could let two options pass")
    check_counts(counts, options, voters)
    full = {option: int(counts.get(option, 0)) for option in options}
    needed = more_than(share, voters)
    passed = [option for option in options if voters and full[option] >= needed]
    return Outcome(
        counts=full,
        cast=sum(full.values()),
        voters=voters,
        needed=needed,
        winner=passed[0] if len(passed) == 1 else None,
    )
