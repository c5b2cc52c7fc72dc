"""The one place the import pipeline talks to the legacy-encoding helper (``encodings.py``).

Cells repeat a lot (family names, middle names, titles), so verdicts are cached by text; the
cell reference is put into the problem afterwards.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from django.utils.translation import get_language

from kiemdiem.imports import encodings


class CsvEncodingError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@lru_cache(maxsize=200_000)
def _verdict(text: str):
    return encodings.repair_cell(text)


def check_text(text: str, ref: str) -> tuple[str | None, str | None, str | None, bool]:
    """Return ``(value, code, message, refused)`` for one text cell named ``ref`` (e.g. "C7").

    ``value`` is clean NFC text, or None when the cell is refused.
    """
    value, problem = _verdict(text)
    if problem is None:
        return value, None, None, False
    problem = dataclasses.replace(problem, cells=(ref,))
    return value, problem.code, problem.message(get_language() or "vi"), problem.refused


def decode_csv(data: bytes) -> tuple[str, str]:
    """CSV bytes → (text, encoding name); CsvEncodingError with a user message otherwise."""
    try:
        return encodings.decode_csv_bytes(data)
    except encodings.EncodingProblem as exc:
        raise CsvEncodingError(exc.problem.message(get_language() or "vi")) from exc
