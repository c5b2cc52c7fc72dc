"""The tier a meeting voted for each subject, from the apps that hold the votes.

cycles sits below the meetings and opinions apps (#13): they tell it, from their
``AppConfig.ready()``, how to read a cycle's voted tiers, and the readers above (the signals of
formalism in ``kiemdiem.insights``, which compare self-proposed, voted, proposed and decided
tiers) ask here without importing them::

    from kiemdiem.cycles import votes
    votes.register_source("meetings.vote", voted_tiers)

A source is ``source(cycle_id, subject_ids=None) -> {subject id: tier}`` (the tiers by the
engine's names, ``HTXSNV`` … ``KHTNV``), read in a bounded number of queries for the whole
cycle. With no source registered, there is no vote to compare and the signals say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Source = Callable[..., dict[int, str]]

_sources: dict[str, Source] = {}


def register_source(code: str, source: Source) -> None:
    _sources[code] = source


def unregister_source(code: str) -> None:
    _sources.pop(code, None)


def has_sources() -> bool:
    return bool(_sources)


def voted_tiers(cycle_id: int, subject_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Every registered source's voted tiers for the cycle (a later source's answer wins)."""
    out: dict[int, str] = {}
    ids = list(subject_ids) if subject_ids is not None else None
    for code in sorted(_sources):
        out.update(_sources[code](cycle_id, ids))
    return out
