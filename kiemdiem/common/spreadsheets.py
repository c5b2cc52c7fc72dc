"""Spreadsheet cells that are safe to open (OWASP "CSV injection").

A spreadsheet program evaluates a text cell beginning with ``=``, ``+``, ``-`` or ``@`` (and,
in some programs, a tab or carriage return before one) as a formula: ``=HYPERLINK(...)`` in a
name becomes a link, ``=1+2`` becomes 3. Every .xlsx and .csv writer passes its text cells
through ``safe_cell``, which puts a single quote in front of such texts; the importer takes it
off again with ``unquote_cell``, so an export re-imports to exactly what was exported.
Numbers, dates and other values are left as they are: a negative number stays a number.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` for a spreadsheet cell: a text a spreadsheet would evaluate gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unquote_cell(value):
    """The text ``safe_cell`` quoted, as it was; anything else unchanged."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
