"""One registry of exporters: every file the system hands out (a self-review form, a decision
list, the people of a unit) is an exporter declared by the app that owns the data.

An exporter (the idea is pretix's ``BaseExporter``, written afresh) declares:

* ``identifier`` — stable, lower snake_case, used in URLs, the API and job parameters;
* ``label`` and ``description`` — shown on the documents page;
* ``formats`` — what it renders to: ``docx``, ``pdf``, ``xlsx``, ``csv``;
* ``form_class`` — its parameters (a unit, a cycle, a decision…): a Django form built as
  ``form_class(data, user=user)`` whose ``clean`` asks the permission door, so a unit or a
  subject the user may not see is refused with the field named;
* ``policy`` — who may use it at all: a function ``policy(user) -> bool`` from the app's
  ``policies.py`` (rights live in the door and the policies only);
* ``items(user, cleaned)`` — what it writes: one item per document (a batch is many items, a
  list is one); every read goes through ``restrict()``/the app's selectors;
* ``render(item, fmt)`` — one item as an :class:`Output`.

Apps register their exporters in ``AppConfig.ready()`` from ``<app>/exporters.py``; this module
knows no domain (it sits below the tree in the layers). Adding a document (meeting minutes) is a
template and an exporter whose ``items`` builds its rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
}
FORMAT_LABELS = {
    "docx": "Word (.docx)",
    "pdf": "PDF",
    "xlsx": "Excel (.xlsx)",
    "csv": "CSV (UTF-8)",
}


@dataclass
class Output:
    filename: str  # without a folder; the extension is the format's
    data: bytes

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.filename.rsplit(".", 1)[-1], "application/octet-stream")


class Exporter:
    identifier: str = ""
    label: Promise | str = ""
    description: Promise | str = ""
    formats: Sequence[str] = ("docx", "pdf")
    form_class: Any = None
    # A batch writes one file per item into a ZIP; a list writes its one item as one file.
    batch: bool = False
    # The field of ``form_class`` that names the unit the export is about (for the job's record
    # and the audit line), or "".
    unit_field: str = "unit"

    # The app's policy function (its policies.py): whether ``user`` may use this exporter.
    policy: Any = None

    def form(self, user, data=None, **kwargs):
        return self.form_class(data, user=user, **kwargs)

    def count(self, user, cleaned: dict) -> int:
        """How many items ``items`` will give (checked against the limits before starting)."""
        return 1

    def items(self, user, cleaned: dict) -> Iterable[Any]:  # pragma: no cover
        raise NotImplementedError

    def render(self, item: Any, fmt: str) -> Output:  # pragma: no cover
        """One item in ``fmt``; PDF is made from the DOCX by the job (``render.to_pdf``), so a
        document exporter renders ``docx`` (and ``xlsx`` when it is a table)."""
        raise NotImplementedError

    def archive_name(self, cleaned: dict) -> str:
        """The ZIP's name, without extension."""
        return self.identifier

    def unit_of(self, cleaned: dict):
        return cleaned.get(self.unit_field) if self.unit_field else None


EXPORTERS: dict[str, Exporter] = {}


def register(exporter: Exporter | type[Exporter]) -> Exporter:
    """Add an exporter (a class is instantiated); an identifier registered twice by two
    different classes is a programming error."""
    instance = exporter() if isinstance(exporter, type) else exporter
    code = instance.identifier
    if not code or code != code.lower() or " " in code:
        raise ValueError(f"Exporter identifier {code!r} must be lower snake_case")
    if not callable(instance.policy):
        raise ValueError(f"Exporter {code!r} names no policy")
    known = EXPORTERS.get(code)
    if known is not None and type(known) is not type(instance):
        raise ValueError(f"Exporter {code!r} registered twice")
    EXPORTERS[code] = instance
    return instance


def get(identifier: str) -> Exporter | None:
    return EXPORTERS.get(identifier)
