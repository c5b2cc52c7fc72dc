"""The self-review forms and checklists, as data (``forms.toml``, ``checklists.toml``).

``form_for(pack_id, subject_kind)`` picks the official form a subject fills in under the rule
set its cycle pinned; ``checklist(name)`` gives the 27 manifestations or the 19 prohibitions.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import get_language

HERE = Path(__file__).parent
SECTION_TYPES = {"text", "products", "checklist", "shortcomings", "rating"}


def _pick(vi: str, en: str) -> str:
    return en if (get_language() or "vi").startswith("en") and en else vi


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    tag: str  # V seen in sources, P partly, M reconstructed (regulations.md §10–§11)
    vi: str
    en: str

    @property
    def label(self) -> str:
        return _pick(self.vi, self.en)


@dataclass(frozen=True)
class ChecklistGroup:
    vi: str
    en: str
    items: tuple[ChecklistItem, ...]

    @property
    def title(self) -> str:
        return _pick(self.vi, self.en)


@dataclass(frozen=True)
class Checklist:
    name: str
    vi: str
    en: str
    source: str
    groups: tuple[ChecklistGroup, ...]

    @property
    def title(self) -> str:
        return _pick(self.vi, self.en)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(item.id for group in self.groups for item in group.items)

    def label_of(self, item_id: str) -> str:
        for group in self.groups:
            for item in group.items:
                if item.id == item_id:
                    return item.label
        return item_id


@dataclass(frozen=True)
class Section:
    key: str
    type: str
    vi: str
    en: str
    help_vi: str = ""
    help_en: str = ""
    list: str = ""
    optional: bool = False

    @property
    def title(self) -> str:
        return _pick(self.vi, self.en)

    @property
    def help(self) -> str:
        return _pick(self.help_vi, self.help_en)


@dataclass(frozen=True)
class FormSpec:
    key: str
    code: str
    vi: str
    en: str
    packs: tuple[str, ...]
    kinds: tuple[str, ...]
    sections: tuple[Section, ...]
    optional: tuple[str, ...]
    confidence: str

    @property
    def title(self) -> str:
        return _pick(self.vi, self.en)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def required(self) -> tuple[Section, ...]:
        """The written sections that must not be left empty at submission."""
        return tuple(
            s
            for s in self.sections
            if s.type in ("text", "products") and not s.optional and s.key not in self.optional
        )


class CatalogueError(ValueError):
    pass


def _read(name: str) -> dict:
    with (HERE / name).open("rb") as handle:
        return tomllib.load(handle)


@functools.cache
def checklists() -> dict[str, Checklist]:
    out = {}
    for name, raw in _read("checklists.toml").items():
        groups = tuple(
            ChecklistGroup(
                g["title_vi"], g["title_en"], tuple(ChecklistItem(**i) for i in g["items"])
            )
            for g in raw["groups"]
        )
        out[name] = Checklist(name, raw["title_vi"], raw["title_en"], raw["source"], groups)
    return out


@functools.cache
def forms() -> dict[str, FormSpec]:
    """Every form, checked: known section types, known checklists, no form without a rating."""
    raw = _read("forms.toml")
    sections: dict[str, Section] = {}
    for key, spec in raw["sections"].items():
        if spec["type"] not in SECTION_TYPES:
            raise CatalogueError(f"section {key}: unknown type {spec['type']!r}")
        if spec["type"] == "checklist" and spec.get("list") not in checklists():
            raise CatalogueError(f"section {key}: unknown checklist {spec.get('list')!r}")
        sections[key] = Section(key=key, **spec)
    out = {}
    for key, spec in raw["forms"].items():
        missing = [s for s in spec["sections"] if s not in sections]
        if missing:
            raise CatalogueError(f"form {key}: unknown sections {missing}")
        if not any(sections[s].type == "rating" for s in spec["sections"]):
            raise CatalogueError(f"form {key}: has no rating section")
        out[key] = FormSpec(
            key=key,
            code=spec["code"],
            vi=spec["vi"],
            en=spec["en"],
            packs=tuple(spec["packs"]),
            kinds=tuple(spec["kinds"]),
            sections=tuple(sections[s] for s in spec["sections"]),
            optional=tuple(spec.get("optional", ())),
            confidence=spec["confidence"],
        )
    return out


def form_for(pack_id: str, subject_kind: str) -> FormSpec:
    """The form a subject of ``subject_kind`` fills in under the rule set ``pack_id``.

    A local pack (a province's specialization) uses the forms of the central pack it refines:
    its id starts with the central id (e.g. ``R2025-TQ``)."""
    for spec in forms().values():
        if subject_kind in spec.kinds and any(
            pack_id == p or pack_id.startswith(p + "-") for p in spec.packs
        ):
            return spec
    raise CatalogueError(f"no self-review form for {subject_kind} under {pack_id}")
