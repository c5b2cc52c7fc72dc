"""The ballot's counting core: quorum, hands checked against those present, and a vote's
result against its threshold. Plain Python (no Django, no other kiemdiem package: an import
contract in pyproject.toml), typed strictly, so the arithmetic the minutes print can be read
and tested alone (docs/meetings.md, "Counting")."""

from kiemdiem.tally.core import (
    Outcome,
    TallyError,
    check_counts,
    has_quorum,
    more_than,
    outcome,
    quorum_needed,
)

__all__ = [
    "Outcome",
    "TallyError",
    "check_counts",
    "has_quorum",
    "more_than",
    "outcome",
    "quorum_needed",
]
