"""The one place the import pipeline talks to the legacy-encoding helper (``encodings.py``).

A file is normally in one encoding throughout, so a text cell is judged with its column
(``encodings.column_context``): in a TCVN3 column, a cell that reads validly both as Unicode
and as TCVN3 is TCVN3; in a column mixing encodings, such a cell is refused (``enc.E005``) and
the clear legacy cells are converted with a warning (``enc.W002``); in a column where most
names carry diacritics, an unaccented name is refused (``enc.E001``).

Rows are read as a stream, so the import reads the file once with each cell judged on its own
while a ``ColumnTexts`` per column counts the texts; ``contexts`` then tells, from those
counts, whether any cell would be read differently with its column. Only then (a file with
legacy text, or unaccented names among accented ones) is the file read a second time with the
columns' contexts.

Cells repeat a lot (family names, middle names, titles), so verdicts are cached by text and
context; the cell reference is put into the problem afterwards.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from functools import lru_cache

from django.utils.translation import get_language

from kiemdiem.imports import encodings
from kiemdiem.imports.encodings import NEUTRAL, ColumnContext

_LEGACY = ("tcvn3", "vni", "mojibake_utf8_as_cp1252")


class CsvEncodingError(ValueError):
    def __init__(self, message: str, problem: encodings.Problem | None = None):
        super().__init__(message)
        self.message = message
        self.problem = problem


@lru_cache(maxsize=200_000)
def _classify(text: str) -> encodings.TextVerdict:
    return encodings.classify(text)


@lru_cache(maxsize=200_000)
def _verdict(text: str, context: ColumnContext):
    """(value or None when refused, the cell's problem or None, a legacy cell of a mixed column)."""
    v = encodings.classify_in_column(text, context, _classify(text))
    problem = v.problem()
    refused = v.refused or (problem is not None and problem.refused)
    return (None if refused else v.fixed), problem, context.mixed and v.kind in _LEGACY


def check_text(
    text: str, ref: str, context: ColumnContext = NEUTRAL
) -> tuple[str | None, list[encodings.Problem]]:
    """Return ``(value, problems)`` for one text cell named ``ref`` (e.g. "C7").

    ``value`` is clean NFC text, or None when the cell is refused (then one of ``problems``
    is an ``enc.E…`` error). ``context`` is the cell's column's (``NEUTRAL``: the cell alone).
    """
    value, problem, mixed = _verdict(text, context)
    found = []
    if problem is not None:
        found.append(dataclasses.replace(problem, cells=(ref,)))
    if mixed:
        found.append(encodings.Problem("enc.W002", (ref,), encoding=context.label))
    return value, found


class ColumnTexts:
    """The texts of one column as the rows go by (how many times each), for its context.

    ``case``: the case style the column's kind implies (``encodings.TITLE`` for people's
    names), used until the column's own cells show one.
    """

    def __init__(self, case: str = ""):
        self.counts: Counter[str] = Counter()
        self.case = case
        #: the context a cell is read with on the first reading, before the column is known
        self.first_context = ColumnContext(case=case) if case else NEUTRAL

    def add(self, text: str) -> None:
        self.counts[text] += 1

    def context(self) -> ColumnContext:
        return encodings.column_context(self.counts.items(), judge=_classify, case=self.case)

    def changes_with(self, context: ColumnContext) -> bool:
        """Whether any text of the column is read differently with ``context`` than on the
        first reading."""
        if context == self.first_context:
            return False
        if not (context.prefer or context.mixed or context.words or context.case):
            # Only the diacritics rule: it can change nothing but ASCII cells.
            candidates = [
                t for t in self.counts if _classify(t).kind in ("ascii", "no_diacritics_suspect")
            ]
        else:
            candidates = list(self.counts)
        first = self.first_context
        return any(_verdict(t, context) != _verdict(t, first) for t in candidates)


def contexts(columns: dict[str, ColumnTexts]) -> dict[str, ColumnContext] | None:
    """The columns' contexts if any of them changes how a cell is read, else None."""
    found = {key: texts.context() for key, texts in columns.items()}
    if any(columns[key].changes_with(ctx) for key, ctx in found.items()):
        return {key: ctx for key, ctx in found.items() if ctx != NEUTRAL}
    return None


def context_to_dict(context: ColumnContext) -> dict:
    return {
        "prefer": context.prefer,
        "rivals": sorted(context.rivals),
        "escalate": context.escalate,
        "label": context.label,
        "case": context.case,
        "words": sorted(context.words),
    }


def context_from_dict(data: dict) -> ColumnContext:
    return ColumnContext(
        data.get("prefer"),
        frozenset(data.get("rivals", ())),
        data["escalate"],
        data["label"],
        data.get("case", ""),
        frozenset(data.get("words", ())),
    )


def decode_csv(data: bytes) -> tuple[str, str]:
    """CSV bytes → (text, encoding name); CsvEncodingError with a user message otherwise."""
    try:
        # A TCVN3/VNI file stays as shown: its cells are converted column by column.
        return encodings.decode_csv_bytes(data, legacy_as_shown=True)
    except encodings.EncodingProblem as exc:
        raise CsvEncodingError(exc.problem.message(get_language() or "vi"), exc.problem) from exc
