"""What cycles learns from the apps above it, without importing them.

cycles sits below reviews (and below the opinions, meetings and decisions to come): they import
cycles, cycles imports none of them. Where cycles' own work depends on theirs, they tell it here
from their ``AppConfig.ready()``:

* ``register_rating_check(check)`` — ``decisions.services.decide`` (the one writer of the tier)
  calls every check with the locked subject before it records a decided tier; a check refuses
  with ``ValidationError``. The reviews app checks that a subject with a self-review form has
  submitted it.
* ``register_review_states(states)`` — where a subject's self-review is found and which of its
  statuses mean submitted or being written: the progress board counts them in its one query.
* ``register_close_check(check)`` — ``cycles.services.cycle_close`` calls every check with the
  locked cycle; a check returns what still blocks closing it, as sentences naming the subjects
  (an empty list: nothing). The decisions app names the ratings re-opened and not decided
  again, and the complaints still waiting to be decided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

RatingCheck = Callable[[object], None]

_rating_checks: list[RatingCheck] = []


def register_rating_check(check: RatingCheck) -> None:
    if check not in _rating_checks:  # ready() may run twice (tests, the autoreloader)
        _rating_checks.append(check)


CloseCheck = Callable[[object], list[str]]

_close_checks: list[CloseCheck] = []


def register_close_check(check: CloseCheck) -> None:
    if check not in _close_checks:
        _close_checks.append(check)


def close_blockers(cycle) -> list[str]:
    """What the registered checks say still blocks closing ``cycle`` (empty: nothing)."""
    found: list[str] = []
    for check in _close_checks:
        found.extend(check(cycle))
    return found


def check_rating(subject) -> None:
    """Run every registered check on ``subject`` before it is rated (ValidationError refuses)."""
    for check in _rating_checks:
        check(subject)


@dataclass(frozen=True)
class ReviewStates:
    """How the progress board reads a subject's self-review."""

    relation: str  # the query name from a Subject to its review (a one-to-one)
    status_field: str  # the review's status field
    submitted: str  # the status of a submitted review
    in_progress: tuple[str, ...]  # the statuses of a review being written (draft, sent back)


_review_states: ReviewStates | None = None


def register_review_states(states: ReviewStates) -> None:
    global _review_states
    _review_states = states


def review_states() -> ReviewStates:
    if _review_states is None:
        raise ImproperlyConfigured(
            "No app has registered the self-review states (kiemdiem.reviews in INSTALLED_APPS)."
        )
    return _review_states
