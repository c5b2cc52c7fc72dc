"""The chi ủy's comment on a self-review and the approving level's conclusion (``ReviewNote``),
printed in their blocks of the form (docs/opinions.md). They live here, beside the form that
prints them: the print page of this app reads them without reaching up a layer.

Each write is a new version (none is rewritten), checks ``reviews.policies.may_write_note``,
is audited, and refuses a page that read an older version (``revision``: the version read).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kiemdiem.audit.services import log_action
from kiemdiem.common.vietnamese import nfc_text
from kiemdiem.cycles.models import Subject
from kiemdiem.reviews import policies
from kiemdiem.reviews.models import NoteKind, ReviewNote

MAX_NOTE = 10_000


def latest(subject: Subject) -> dict[str, ReviewNote]:
    """The newest version of each kind of note on ``subject``."""
    notes: dict[str, ReviewNote] = {}
    for note in ReviewNote.objects.filter(subject=subject).select_related("written_by"):
        if note.kind not in notes or note.version > notes[note.kind].version:
            notes[note.kind] = note
    return notes


def history(subject: Subject, kind: str):
    return (
        ReviewNote.objects.filter(subject=subject, kind=kind)
        .select_related("written_by")
        .order_by("-version")
    )


@transaction.atomic
def note_write(
    *, subject: Subject, kind: str, text: str, actor, revision: int | None = None
) -> ReviewNote:
    """Record a new version of the ``kind`` note. ``revision``: the version the page showed
    (0 when there was none); a newer one stored meanwhile refuses the write."""
    if kind not in NoteKind.values:
        raise ValidationError({"kind": _("Not a kind of note.")})
    policies.check(
        policies.may_write_note(actor, subject, kind),
        _("You may not write this note on this review."),
    )
    text = nfc_text(text).strip()
    if not text:
        raise ValidationError({"text": _("Write the text.")})
    if len(text) > MAX_NOTE:
        raise ValidationError(
            {"text": _("At most %(n)s characters.") % {"n": f"{MAX_NOTE:,}".replace(",", ".")}}
        )
    Subject.objects.select_for_update().filter(pk=subject.pk).first()
    current = (
        ReviewNote.objects.filter(subject=subject, kind=kind).aggregate(n=Max("version"))["n"] or 0
    )
    if revision is not None and revision != current:
        raise ValidationError(
            {"revision": _("Someone changed this note after you opened the page; read it again.")}
        )
    note = ReviewNote.objects.create(
        subject=subject,
        kind=kind,
        version=current + 1,
        text=text,
        written_by=actor if getattr(actor, "pk", None) else None,
    )
    log_action(
        "review.note_written",
        actor=actor,
        target=subject,
        unit=subject.unit,
        data={"kind": kind, "version": note.version, "text": text},
    )
    return note
