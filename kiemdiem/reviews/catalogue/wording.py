"""A province's official wording of checklist items (a local override, no code).

The catalogue's wording of many items is our summary (tag M, regulations.md §10–§11). A province
that holds the official texts puts TOML files in ``settings.KIEMDIEM_LOCAL_WORDING_DIR``, one
table per item, named by checklist and item code::

    [degradation.TT6]
    vi = "Nói không đi đôi với làm; ..."      # the official wording (required)
    en = "..."                                # optional
    source = "Nghị quyết 04-NQ/TW, mục 2.1"   # where it is from (required)

Every file is checked when the checklists are loaded; a mistake stops the load with a message
that names the file, the line and the item (``manage.py check`` shows it before a restart).
The item then carries tag L and is no longer shown as a summary.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

KEYS = {"vi", "en", "source"}


@dataclass(frozen=True)
class Wording:
    checklist: str
    item: str
    vi: str
    en: str
    source: str
    file: str


def _error(message: str):
    from kiemdiem.reviews.catalogue import CatalogueError

    return CatalogueError(message)


def _line_of(text: str, checklist: str, item: str) -> int:
    """The line of the table ``[checklist.item]`` (or of its key) in ``text``; 0 if not found."""
    name = re.escape(checklist)
    if not item:
        patterns: tuple[str, ...] = (rf"^\s*\[\s*\"?{name}\"?\s*[.\]]",)
    else:
        key = re.escape(item)
        patterns = (
            rf"^\s*\[\s*\"?{name}\"?\s*\.\s*\"?{key}\"?\s*\]",
            rf"^\s*\"?{key}\"?\s*=",
        )
    lines = text.splitlines()
    for pattern in patterns:
        for number, line in enumerate(lines, start=1):
            if re.search(pattern, line):
                return number
    return 0


def load_local(directory: str | None = None) -> list[Wording]:
    """Every item wording in the directory's ``*.toml`` files (sorted by name), checked against
    the catalogue's checklists: known checklist, known item, ``vi`` and ``source`` given as
    text, no other keys, no item given twice."""
    from kiemdiem.reviews.catalogue import _read

    directory = settings.KIEMDIEM_LOCAL_WORDING_DIR if directory is None else directory
    if not directory:
        return []
    root = Path(directory)
    if not root.is_dir():
        raise _error(f"KIEMDIEM_LOCAL_WORDING_DIR: {root} is not a directory")
    catalogue = {
        name: {i["id"] for g in raw["groups"] for i in g["items"]}
        for name, raw in _read("checklists.toml").items()
    }
    out: list[Wording] = []
    seen: dict[tuple[str, str], str] = {}
    for path in sorted(root.glob("*.toml")):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise _error(f"{path}: not UTF-8 text (byte {error.start})") from error
        except OSError as error:
            raise _error(f"{path}: cannot be read ({error.strerror})") from error
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise _error(f"{path}: not valid TOML: {error}") from error
        for checklist, items in data.items():
            where = f"{path}, line {_line_of(text, checklist, '')}"
            if checklist not in catalogue:
                known = ", ".join(sorted(catalogue))
                raise _error(f"{where}: unknown checklist {checklist!r} (known: {known})")
            if not isinstance(items, dict):
                raise _error(f"{where}: [{checklist}] must hold one table per item")
            for item, entry in items.items():
                where = f"{path}, line {_line_of(text, checklist, item)}, [{checklist}.{item}]"
                if item not in catalogue[checklist]:
                    raise _error(f"{where}: unknown item {item!r} of {checklist}")
                if not isinstance(entry, dict):
                    raise _error(f"{where}: expected a table with vi, en, source")
                extra = sorted(set(entry) - KEYS)
                if extra:
                    raise _error(f"{where}: unknown keys {extra} (allowed: en, source, vi)")
                for key in ("vi", "source"):
                    if not isinstance(entry.get(key), str) or not entry[key].strip():
                        raise _error(f"{where}: {key} is missing or empty")
                if not isinstance(entry.get("en", ""), str):
                    raise _error(f"{where}: en must be text")
                if (checklist, item) in seen:
                    raise _error(f"{where}: already given in {seen[checklist, item]}")
                seen[checklist, item] = str(path)
                out.append(
                    Wording(
                        checklist,
                        item,
                        entry["vi"].strip(),
                        entry.get("en", "").strip(),
                        entry["source"].strip(),
                        str(path),
                    )
                )
    return out


def apply(checklists: dict, wordings: list[Wording]) -> dict:
    """``checklists`` with each supplied wording in place of the catalogue's (tag L)."""
    by_list: dict[str, dict[str, Wording]] = {}
    for w in wordings:
        by_list.setdefault(w.checklist, {})[w.item] = w
    out = {}
    for name, checklist in checklists.items():
        local = by_list.get(name)
        if not local:
            out[name] = checklist
            continue
        groups = tuple(
            dataclasses.replace(
                group,
                items=tuple(
                    dataclasses.replace(
                        item,
                        tag="L",
                        vi=local[item.id].vi,
                        en=local[item.id].en,
                        source=local[item.id].source,
                    )
                    if item.id in local
                    else item
                    for item in group.items
                ),
            )
            for group in checklist.groups
        )
        out[name] = dataclasses.replace(checklist, groups=groups)
    return out


def check(app_configs=None, **kwargs):
    """System check (``manage.py check``): the catalogue and the province's wording load."""
    from django.core.checks import Error

    from kiemdiem.reviews import catalogue

    catalogue.checklists.cache_clear()
    catalogue.forms.cache_clear()
    try:
        load_local()
        catalogue.forms()
    except catalogue.CatalogueError as error:
        return [
            Error(
                str(error),
                hint="docs/operations.md, “Official wording of checklist items”",
                id="reviews.E001",
            )
        ]
    return []
