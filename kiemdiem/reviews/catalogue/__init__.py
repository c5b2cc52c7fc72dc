"""The self-review forms and checklists, as data (``forms.toml``, ``checklists.toml``).

``form_for(pack_id, subject_kind)`` picks the official form a subject fills in under the rule
set its cycle pinned; ``checklists()[name]`` gives the 27 manifestations or the 19 prohibitions
(of QĐ 37-QĐ/TW, or of QĐ 47-QĐ/TW for the 2019 forms).

An item whose wording is our summary (tag M) is shown and printed as such until a province
supplies the official wording: TOML files in ``settings.KIEMDIEM_LOCAL_WORDING_DIR``
(``wording.load_local``, docs/operations.md), read and checked when the checklists are loaded.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import get_language

HERE = Path(__file__).parent
logger = logging.getLogger(__name__)
SECTION_TYPES = {"text", "products", "checklist", "shortcomings", "rating"}


def _pick(vi: str, en: str) -> str:
    return en if (get_language() or "vi").startswith("en") and en else vi


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    # V seen in sources, P partly, M our summary (regulations.md §10–§11); L the official
    # wording a province supplied (``source`` says from where).
    tag: str
    vi: str
    en: str
    source: str = ""

    @property
    def label(self) -> str:
        return _pick(self.vi, self.en)

    @property
    def is_summary(self) -> bool:
        """The wording is our summary, to be checked against the official text."""
        return self.tag == "M"


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

    @property
    def has_summaries(self) -> bool:
        return any(i.is_summary for g in self.groups for i in g.items)

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
    # Set by the form: the scored part of the 100-point frame the section belongs to.
    part: str = ""
    scored: bool = False

    @property
    def title(self) -> str:
        return _pick(self.vi, self.en)

    @property
    def help(self) -> str:
        return _pick(self.help_vi, self.help_en)


@dataclass(frozen=True)
class Part:
    """A scored part of a form (QĐ 366's 100-point frame): its sections each get points, at
    most ``points`` in all, and their sum is the rating input ``feeds``."""

    key: str
    vi: str
    en: str
    points: int
    feeds: str
    sections: tuple[str, ...]

    @property
    def title(self) -> str:
        return _pick(self.vi, self.en)


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
    parts: tuple[Part, ...] = ()

    @property
    def title(self) -> str:
        return _pick(self.vi, self.en)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def part(self, key: str) -> Part | None:
        return next((p for p in self.parts if p.key == key), None)

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
    """The checklists, with a province's official wording (if any) in place of our summaries."""
    from kiemdiem.reviews.catalogue import wording

    out = {}
    for name, raw in _read("checklists.toml").items():
        groups = tuple(
            ChecklistGroup(
                g["title_vi"], g["title_en"], tuple(ChecklistItem(**i) for i in g["items"])
            )
            for g in raw["groups"]
        )
        out[name] = Checklist(name, raw["title_vi"], raw["title_en"], raw["source"], groups)
    try:
        local = wording.load_local()
    except CatalogueError:
        # A mistake in a province's file must not take the review pages down: its items keep
        # our summary, marked as such, and `manage.py check` (reviews.E001) says what is wrong.
        logger.exception("The local wording of checklist items was not loaded")
        local = []
    return wording.apply(out, local)


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
        own = {s: sections[s] for s in spec["sections"]}
        for section_key, list_name in spec.get("lists", {}).items():
            if own.get(section_key) is None or own[section_key].type != "checklist":
                raise CatalogueError(f"form {key}: lists: {section_key} is not its checklist")
            if list_name not in checklists():
                raise CatalogueError(f"form {key}: lists: unknown checklist {list_name!r}")
            own[section_key] = dataclasses.replace(own[section_key], list=list_name)
        parts = []
        for raw_part in spec.get("parts", ()):
            parts.append(part := _part(key, raw_part, own))
            for s in part.sections:
                own[s] = dataclasses.replace(own[s], part=part.key, scored=True)
        out[key] = FormSpec(
            key=key,
            code=spec["code"],
            vi=spec["vi"],
            en=spec["en"],
            packs=tuple(spec["packs"]),
            kinds=tuple(spec["kinds"]),
            sections=tuple(own[s] for s in spec["sections"]),
            optional=tuple(spec.get("optional", ())),
            confidence=spec["confidence"],
            parts=tuple(parts),
        )
    return out


def _part(form_key: str, raw: dict, own: dict[str, Section]) -> Part:
    part = Part(
        key=raw["key"],
        vi=raw["vi"],
        en=raw["en"],
        points=int(raw["points"]),
        feeds=raw["feeds"],
        sections=tuple(raw["sections"]),
    )
    for s in part.sections:
        if s not in own or own[s].type not in ("text", "products"):
            raise CatalogueError(
                f"form {form_key}: part {part.key}: {s} is not a text or products section of it"
            )
        if own[s].scored:
            raise CatalogueError(f"form {form_key}: part {part.key}: {s} is in two parts")
    return part


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
