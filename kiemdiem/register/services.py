"""Writing the register: record, edit and annul an entry, attach its documents.

Each service checks ``policies`` itself, validates (``ValidationError`` naming the field),
writes its audit line and runs in one transaction. Locks: the entry's row, then nothing
else (an attachment counts the entry's files under that lock, so two uploads cannot pass the
limit together). Recording runs ``hooks.run_entry_recorded`` last, inside the transaction: the
decisions app re-opens a rating already decided for the entry's year.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.audit.services import log_action
from kiemdiem.common.attachments import check_attachment, check_count
from kiemdiem.common.dates import today
from kiemdiem.orgtree.models import Unit, UnitGroup
from kiemdiem.people.models import PartyMember, Person
from kiemdiem.register import hooks, policies
from kiemdiem.register.models import (
    FORMS_FOR,
    DisciplineForm,
    EntryKind,
    EntryTrack,
    RegisterEntry,
    RegisterFile,
)

# What an edit may change; who the entry is about never changes (annul it and record anew).
EDITABLE = (
    "kind",
    "track",
    "discipline_form",
    "decided_on",
    "issuing_body",
    "document_number",
    "year",
    "counted_in_year",
    "self_detected_and_remedied",
    "duty_related",
    "summary",
)
PERSON_KINDS = {
    EntryKind.DISCIPLINE,
    EntryKind.DEGRADATION,
    EntryKind.PROHIBITIONS,
    EntryKind.EXEMPLARY,
    EntryKind.INSPECTION,
}
UNIT_KINDS = {EntryKind.DISCIPLINE, EntryKind.INSPECTION, EntryKind.CORRUPTION}
FIRST_YEAR = 1990
MAX_TEXT = {"issuing_body": 255, "document_number": 80}


def audit_unit(entry: RegisterEntry) -> Unit | None:
    """The unit an audit line is filed under: the entry's unit, or the person's first home."""
    if entry.unit_id:
        return entry.unit
    found = policies.homes(entry.person) if entry.person_id else []
    return found[0] if found else None


def _values(entry: RegisterEntry) -> dict[str, Any]:
    out = {}
    for name in EDITABLE:
        value = getattr(entry, name)
        out[name] = value.isoformat() if isinstance(value, datetime.date) else value
    return out


def allowed_forms(entry: RegisterEntry) -> tuple[str, ...]:
    """The discipline forms that apply to whom the entry is about, on its track."""
    if entry.unit_id:
        if entry.track == EntryTrack.PARTY and entry.unit.group == UnitGroup.STATE:
            return ()
        return FORMS_FOR[(entry.track, "unit")]
    if entry.track == EntryTrack.STATE:
        return FORMS_FOR[("state", "person")]
    member = PartyMember.objects.filter(person_id=entry.person_id).first()
    if member is None:
        return ()
    probationary = member.is_probationary(entry.decided_on)
    return FORMS_FOR[("party", "probationary" if probationary else "official")]


def _clean(entry: RegisterEntry) -> None:
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if (entry.person_id is None) == (entry.unit_id is None):
        error("person", _("Name either a person or a unit, not both."))
    if entry.kind not in EntryKind.values:
        error("kind", _("Choose the kind of entry."))
    elif entry.person_id and entry.kind not in PERSON_KINDS:
        error("kind", _("This kind of entry is about a unit, not a person."))
    elif entry.unit_id and entry.kind not in UNIT_KINDS:
        error("kind", _("This kind of entry is about a person, not a unit."))
    if entry.track not in EntryTrack.values:
        error("track", _("Choose party or state."))
    if not entry.decided_on:
        error("decided_on", _("Enter the date of the decision or conclusion."))
    elif entry.decided_on > today():
        error("decided_on", _("The date of the decision cannot be in the future."))
    entry.issuing_body = (entry.issuing_body or "").strip()
    entry.document_number = (entry.document_number or "").strip()
    entry.summary = (entry.summary or "").strip()
    if not entry.issuing_body:
        error("issuing_body", _("Enter the body that issued it."))
    for name, limit in MAX_TEXT.items():
        if len(getattr(entry, name)) > limit:
            error(name, _("At most %(limit)s characters.") % {"limit": limit})
    last = min((entry.decided_on or today()).year, today().year)
    if not isinstance(entry.year, int) or not FIRST_YEAR <= entry.year <= last:
        error(
            "year",
            _("The year of the violation is a year from %(first)s to %(last)s.")
            % {"first": FIRST_YEAR, "last": last},
        )
    counted = entry.counted_in_year
    if counted is not None and (not isinstance(counted, int) or not FIRST_YEAR <= counted <= 2100):
        error("counted_in_year", _("Enter the rated year, or leave it empty."))
    if counted == entry.year:
        entry.counted_in_year = None  # counted in its own year: the ordinary case
    if entry.kind == EntryKind.DISCIPLINE and not errors:
        forms = allowed_forms(entry)
        if not entry.discipline_form:
            error("discipline_form", _("Choose the form of discipline."))
        elif entry.discipline_form not in forms:
            names = ", ".join(str(DisciplineForm(f).label) for f in forms) or _("none")
            error(
                "discipline_form",
                _("This form does not apply here; the forms that do: %(forms)s.")
                % {"forms": names},
            )
    elif entry.kind != EntryKind.DISCIPLINE:
        if entry.discipline_form:
            error("discipline_form", _("Only a discipline decision has a form of discipline."))
    if errors:
        raise ValidationError(errors)


def entry_check(*, actor, person: Person | None = None, unit: Unit | None = None, **fields):
    """``entry_record``'s checks without writing (an import's checking pass)."""
    policies.check(policies.may_record_for(actor, person=person, unit=unit))
    entry = RegisterEntry(person=person, unit=unit, **fields)
    entry.discipline_form = entry.discipline_form or ""
    _clean(entry)


@transaction.atomic
def entry_record(
    *,
    actor,
    kind: str,
    track: str,
    decided_on: datetime.date,
    issuing_body: str,
    year: int,
    person: Person | None = None,
    unit: Unit | None = None,
    discipline_form: str = "",
    document_number: str = "",
    counted_in_year: int | None = None,
    self_detected_and_remedied: bool = False,
    duty_related: bool = False,
    summary: str = "",
    files: Iterable = (),
) -> RegisterEntry:
    policies.check(policies.may_record_for(actor, person=person, unit=unit))
    entry = RegisterEntry(
        kind=kind,
        track=track,
        person=person,
        unit=unit,
        discipline_form=discipline_form or "",
        decided_on=decided_on,
        issuing_body=issuing_body,
        document_number=document_number,
        year=year,
        counted_in_year=counted_in_year,
        self_detected_and_remedied=bool(self_detected_and_remedied),
        duty_related=bool(duty_related),
        summary=summary,
        entered_by=actor if getattr(actor, "pk", None) else None,
    )
    _clean(entry)
    checked = _checked_files(files, existing=0)
    entry.save()
    for item in checked:
        RegisterFile.from_checked(item, entry=entry, uploaded_by=entry.entered_by).save()
    data = _values(entry) | {"files": [c.name for c in checked]}
    data["person" if entry.person_id else "unit"] = entry.person_id or entry.unit_id
    log_action(
        "register.entry_recorded", actor=actor, target=entry, unit=audit_unit(entry), data=data
    )
    hooks.run_entry_recorded(entry)
    return entry


def _locked(entry: RegisterEntry) -> RegisterEntry:
    # Only the entry's row is locked (of=self: its person and unit are joined, not locked).
    return (
        RegisterEntry.objects.select_for_update(of=("self",))
        .select_related("person", "unit")
        .get(pk=entry.pk)
    )


def _check_open(entry: RegisterEntry) -> None:
    if entry.annulled:
        raise ValidationError(_("This entry was annulled; it can no longer be changed."))


@transaction.atomic
def entry_update(*, entry: RegisterEntry, actor, **changes) -> RegisterEntry:
    """Change the editable fields; the audit line keeps each change as [before, after]."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationError(
            {
                name: [_("This field cannot be changed; annul the entry instead.")]
                for name in unknown
            }
        )
    entry = _locked(entry)
    policies.check(policies.may_change_entry(actor, entry))
    _check_open(entry)
    before = _values(entry)
    for name, value in changes.items():
        if name == "discipline_form" and value is None:
            value = ""
        setattr(entry, name, value)
    _clean(entry)
    after = _values(entry)
    diff = {name: [before[name], after[name]] for name in EDITABLE if before[name] != after[name]}
    if not diff:
        return entry
    entry.save(update_fields=list(diff))
    log_action(
        "register.entry_updated",
        actor=actor,
        target=entry,
        unit=audit_unit(entry),
        data={"changes": diff},
    )
    hooks.run_entry_recorded(entry)  # what it counts for changed: decided years re-open
    return entry


@transaction.atomic
def entry_annul(*, entry: RegisterEntry, reason: str, actor) -> RegisterEntry:
    """Annul an entry made by mistake or quashed: it stays, and stops counting."""
    entry = _locked(entry)
    policies.check(policies.may_change_entry(actor, entry))
    _check_open(entry)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the entry is annulled.")]})
    entry.annulled_at = timezone.now()
    entry.annulled_by = actor if getattr(actor, "pk", None) else None
    entry.annul_reason = reason
    entry.save(update_fields=["annulled_at", "annulled_by", "annul_reason"])
    log_action(
        "register.entry_annulled",
        actor=actor,
        target=entry,
        unit=audit_unit(entry),
        data={"reason": reason},
    )
    hooks.run_entry_recorded(entry)  # it stops counting: decided years re-open
    return entry


def _checked_files(files: Iterable, *, existing: int) -> list:
    files = [f for f in files if f]
    try:
        check_count(existing, len(files))
        return [check_attachment(f) for f in files]
    except ValidationError as error:
        raise ValidationError({"files": error.messages}) from error


@transaction.atomic
def file_attach(*, entry: RegisterEntry, files: Iterable, actor) -> list[RegisterFile]:
    entry = _locked(entry)
    policies.check(policies.may_change_entry(actor, entry))
    _check_open(entry)
    checked = _checked_files(files, existing=entry.files.count())
    if not checked:
        raise ValidationError({"files": [_("Choose a file to attach.")]})
    user = actor if getattr(actor, "pk", None) else None
    saved = []
    for item in checked:
        row = RegisterFile.from_checked(item, entry=entry, uploaded_by=user)
        row.save()
        saved.append(row)
    log_action(
        "register.file_attached",
        actor=actor,
        target=entry,
        unit=audit_unit(entry),
        data={"files": [c.name for c in checked]},
    )
    return saved
