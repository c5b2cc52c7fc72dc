"""What the self-review page learns from the apps above reviews, without importing them.

``register_review_facts(fn)``: ``fn(subject)`` returns ``(label, value)`` lines shown beside the
self-proposed tier (opinions: the state tier the employing agency gave in its answer, which the
member weighs when proposing a party tier — regulations.md §12.6).
"""

from __future__ import annotations

from collections.abc import Callable

ReviewFacts = Callable[[object], list[tuple[str, str]]]

_facts: list[ReviewFacts] = []


def register_review_facts(fn: ReviewFacts) -> None:
    if fn not in _facts:  # ready() may run twice
        _facts.append(fn)


def review_facts(subject) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for fn in _facts:
        lines.extend(fn(subject))
    return lines
