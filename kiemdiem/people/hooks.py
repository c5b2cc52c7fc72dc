"""What a person's page shows from the apps above people, without importing them.

``register_person_section(fn)``: ``fn(request, person)`` returns the HTML of a section of the
person's page (already checked against its own app's policy), or "" for none. The register of
discipline registers its section here from ``RegisterConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

PersonSection = Callable[[object, object], str]

_sections: list[PersonSection] = []


def register_person_section(fn: PersonSection) -> PersonSection:
    if fn not in _sections:  # ready() may run twice (tests, the autoreloader)
        _sections.append(fn)
    return fn


def person_sections(request, person) -> list[SafeString]:
    # Each section is rendered by its app's own template (autoescaped there).
    return [mark_safe(html) for fn in _sections if (html := fn(request, person))]
