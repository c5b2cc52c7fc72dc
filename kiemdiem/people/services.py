"""Writes about people: persons, party membership, statuses and affiliations. Atomic, audited.

Each write checks ``people.policies`` for its ``actor`` first and refuses with
``PermissionDenied`` (nothing changed), so no interface can forget the subtree rule.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kiemdiem.audit.services import diff, log_action, snapshot
from kiemdiem.common.dates import check_change_date, today
from kiemdiem.common.validators import PERSON_TEXT_FIELDS, check_person_texts
from kiemdiem.common.vietnamese import fold_diacritics, name_sort_key, nfc
from kiemdiem.orgtree.models import CELL_KINDS, KIND_GROUP, Unit, UnitGroup
from kiemdiem.people import policies
from kiemdiem.people.models import (
    Affiliation,
    AffiliationKind,
    CadreAuthority,
    MemberStatus,
    MemberStatusKind,
    PartyMember,
    Person,
)

PERSON_FIELDS = [
    "family_name",
    "middle_name",
    "given_name",
    "birth_date",
    "gender",
    "ethnicity",
    "citizen_id",
    "phone",
    "email",
]
MEMBER_FIELDS = ["card_number", "admitted_on", "official_on", "occupation"]


def _home_unit(person: Person) -> Unit | None:
    """The unit an entry about a person is filed under: their cell, else any current unit."""
    affiliation = (
        Affiliation.objects.current()
        .filter(person=person)
        .select_related("unit")
        .order_by("kind")  # "cell" sorts first
        .first()
    )
    return affiliation.unit if affiliation else None


def _refuse_unit(unit: Unit) -> None:
    policies.refuse(_("You may not change %(unit)s.") % {"unit": unit})


def _check_unit(actor, unit: Unit) -> None:
    if not policies.may_change_unit(actor, unit):
        _refuse_unit(unit)


def check_create(actor, unit: Unit | None) -> None:
    if not policies.may_create_person(actor, unit):
        if unit is not None:
            _refuse_unit(unit)
        policies.refuse()


def _check_person(actor, person: Person) -> None:
    policies.check(policies.may_change_person(actor, person))


def _apply_person_fields(person: Person, fields: dict, *, on: datetime.date | None = None) -> None:
    """Set ``fields`` and the derived name columns; ``on`` is today's date if already known."""
    for name in PERSON_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(person, name, nfc(value) if isinstance(value, str) else value)
    check_person_texts({n: getattr(person, n) for n in PERSON_TEXT_FIELDS if n in fields})
    person.citizen_id = person.citizen_id or None
    if person.citizen_id and not (person.citizen_id.isdigit() and len(person.citizen_id) == 12):
        raise ValidationError({"citizen_id": _("A citizen ID has exactly 12 digits.")})
    if person.birth_date and person.birth_date > (on or today()):
        raise ValidationError({"birth_date": _("The date of birth cannot be in the future.")})
    person.full_name = " ".join(
        p for p in (person.family_name, person.middle_name, person.given_name) if p
    )
    # Long foreign names can exceed the column; order beyond 800 key characters is moot.
    person.sort_key = name_sort_key(person.family_name, person.middle_name, person.given_name)[:800]
    person.search_text = fold_diacritics(person.full_name)


@transaction.atomic
def person_create(*, actor, unit: Unit | None = None, **fields) -> Person:
    """Create a person. ``fields`` are the names in PERSON_FIELDS.

    ``unit`` files the audit entry under the unit the person is being added to.
    """
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    check_create(actor, unit)
    person = Person()
    _apply_person_fields(person, fields)
    person.full_clean()
    person.save()
    log_action(
        "person.created",
        actor=actor,
        target=person,
        unit=unit,
        data=snapshot(person, PERSON_FIELDS),
    )
    return person


@transaction.atomic
def person_update(*, person: Person, actor, **fields) -> Person:
    _check_person(actor, person)
    before = snapshot(person, PERSON_FIELDS)
    _apply_person_fields(person, fields)
    person.full_clean()
    person.save()
    changes = diff(before, snapshot(person, PERSON_FIELDS))
    if changes:
        log_action(
            "person.updated",
            actor=actor,
            target=person,
            unit=_home_unit(person),
            data={"changes": changes},
        )
    return person


def _age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _check_member_dates(admitted_on, official_on, birth_date, *, on=None) -> None:
    if admitted_on > (on or today()):
        raise ValidationError({"admitted_on": _("The admission date cannot be in the future.")})
    if official_on and official_on < admitted_on:
        raise ValidationError(
            {"official_on": _("A member becomes official after being admitted, not before.")}
        )
    if birth_date and _age_on(birth_date, admitted_on) < 18:
        raise ValidationError({"admitted_on": _("A party member is admitted at 18 or older.")})


@transaction.atomic
def member_admit(
    *,
    person: Person,
    admitted_on: datetime.date,
    official_on: datetime.date | None = None,
    card_number: str | None = None,
    occupation: str = "cbccvc",
    unit: Unit | None = None,
    actor,
) -> PartyMember:
    """Record a person's party membership, active from the admission date.

    ``unit`` files the audit entry under the cell the member is being added to (a new member
    has no affiliation yet, so it cannot be found from the person).
    """
    policies.check(policies.may_admit(actor, person, unit))
    if PartyMember.objects.filter(person=person).exists():
        raise ValidationError({"person": _("This person is already a party member.")})
    _check_member_dates(admitted_on, official_on, person.birth_date)
    member = PartyMember(
        person=person,
        admitted_on=admitted_on,
        official_on=official_on,
        card_number=nfc(card_number) or None,
        occupation=occupation,
    )
    member.full_clean()
    member.save()
    MemberStatus.objects.create(
        member=member, status=MemberStatusKind.ACTIVE, valid_from=admitted_on
    )
    log_action(
        "member.admitted",
        actor=actor,
        target=member,
        unit=unit or _home_unit(person),
        data=snapshot(member, MEMBER_FIELDS),
    )
    return member


@transaction.atomic
def member_update(
    *,
    member: PartyMember,
    admitted_on: datetime.date,
    official_on: datetime.date | None,
    card_number: str | None,
    occupation: str,
    actor,
) -> PartyMember:
    _check_person(actor, member.person)
    before = snapshot(member, MEMBER_FIELDS)
    _check_member_dates(admitted_on, official_on, member.person.birth_date)
    member.admitted_on, member.official_on = admitted_on, official_on
    member.card_number, member.occupation = nfc(card_number) or None, occupation
    member.full_clean()
    member.save()
    changes = diff(before, snapshot(member, MEMBER_FIELDS))
    if changes:
        log_action(
            "member.updated",
            actor=actor,
            target=member,
            unit=_home_unit(member.person),
            data={"changes": changes},
        )
    return member


def membership_of(person: Person) -> PartyMember:
    """The person's party membership, for a change of status; refused when they have none."""
    member = PartyMember.objects.filter(person=person).first()
    if member is None:
        raise ValidationError(_("This person is not a party member."))
    return member


@transaction.atomic
def member_status_change(
    *, member: PartyMember, status: str, effective: datetime.date, reason: str = "", actor
) -> MemberStatus:
    """Start a new activity status (active, exempt, suspended) from ``effective`` on."""
    _check_person(actor, member.person)
    current = (
        MemberStatus.objects.select_for_update()
        .filter(member=member, valid_to__isnull=True)
        .first()
    )
    if current and current.status == status:
        raise ValidationError({"status": _("The member already has this status.")})
    check_change_date(effective, after=current.valid_from if current else None)
    if current:
        current.valid_to = effective
        current.save(update_fields=["valid_to"])
    new = MemberStatus.objects.create(
        member=member, status=status, valid_from=effective, reason=nfc(reason)
    )
    log_action(
        "member.status_changed",
        actor=actor,
        target=member,
        unit=_home_unit(member.person),
        data={
            "status": [current.status if current else None, status],
            "effective": effective,
            "reason": new.reason,
        },
    )
    return new


class Current:
    """Who is where now, as ``_validate_affiliation`` asks it: the database's answers, one
    query per question (``people.bulk`` answers from memory for many rows at once)."""

    def unit_active(self, unit: Unit) -> bool:
        return unit.is_active

    def is_member(self, person: Person) -> bool:
        return PartyMember.objects.filter(person=person).exists()

    def cell_of(self, person: Person) -> Unit | None:
        cell = Affiliation.objects.current().filter(person=person, kind=AffiliationKind.CELL)
        current = cell.select_related("unit").first()
        return current.unit if current else None

    def has_residence(self, person: Person) -> bool:
        residence = Affiliation.objects.current().filter(kind=AffiliationKind.RESIDENCE)
        return residence.filter(person=person).exists()

    def head_of(self, unit: Unit) -> Person | None:
        heads = Affiliation.objects.current().filter(unit=unit, kind=AffiliationKind.POSITION)
        head = heads.filter(role="head").select_related("person").first()
        return head.person if head else None


def _validate_affiliation(
    person: Person, unit: Unit, kind: str, fields: dict, current: Current | None = None
) -> None:
    current = current or Current()
    if not current.unit_active(unit):
        raise ValidationError({"unit": _("This unit has been dissolved.")})
    if kind in (AffiliationKind.CELL, AffiliationKind.RESIDENCE):
        if unit.kind not in CELL_KINDS:
            raise ValidationError({"unit": _("Choose a party cell.")})
        if not current.is_member(person):
            raise ValidationError({"person": _("Only party members belong to a party cell.")})
    if kind == AffiliationKind.EMPLOYMENT:
        if KIND_GROUP[unit.kind] != UnitGroup.STATE:
            raise ValidationError({"unit": _("Choose a state agency or public service unit.")})
        if not fields.get("state_category"):
            raise ValidationError({"state_category": _("Choose the state category.")})
    if kind == AffiliationKind.POSITION and not fields.get("title"):
        raise ValidationError({"title": _("Enter the title of the post.")})
    if kind == AffiliationKind.CELL:
        cell = current.cell_of(person)
        if cell:
            raise ValidationError(
                {
                    "unit": _(
                        "%(person)s is already active in %(cell)s; transfer the member instead."
                    )
                    % {"person": person, "cell": cell}
                }
            )
    if kind == AffiliationKind.RESIDENCE and current.has_residence(person):
        raise ValidationError({"unit": _("End the current residence cell first.")})
    if kind == AffiliationKind.POSITION and fields.get("role") == "head":
        head = current.head_of(unit)
        if head:
            raise ValidationError(
                {
                    "role": _("%(unit)s already has a head: %(person)s.")
                    % {"unit": unit, "person": head}
                }
            )


AFFILIATION_FIELDS = [
    "title",
    "role",
    "concurrent",
    "state_category",
    "residence_exemption",
    "note",
]


@transaction.atomic
def affiliation_start(
    *, person: Person, unit: Unit, kind: str, valid_from: datetime.date, actor, **fields
) -> Affiliation:
    """Record that ``person`` belongs to ``unit`` (cell, residence, post or employment)."""
    unknown = set(fields) - set(AFFILIATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown affiliation fields: {sorted(unknown)}")
    if not policies.may_start_affiliation(actor, person, unit):
        _refuse_unit(unit)
    check_change_date(valid_from, field="valid_from")
    _validate_affiliation(person, unit, kind, fields)
    cleaned = {k: nfc(v) if isinstance(v, str) else v for k, v in fields.items()}
    affiliation = Affiliation(person=person, unit=unit, kind=kind, valid_from=valid_from, **cleaned)
    # The rules were checked above and the database enforces the constraints; skipping the
    # per-row constraint and foreign-key queries keeps bulk loads fast.
    affiliation.full_clean(exclude=["person", "unit"], validate_constraints=False)
    try:
        with transaction.atomic():
            affiliation.save()
    except IntegrityError as exc:  # a concurrent writer won the race for the same slot
        raise ValidationError({"unit": _("This place was just taken by another change.")}) from exc
    log_action(
        "affiliation.started",
        actor=actor,
        target=affiliation,
        unit=unit,
        data={"kind": kind, "person": person.pk, "valid_from": valid_from, **cleaned},
    )
    return affiliation


@transaction.atomic
def affiliation_end(*, affiliation: Affiliation, valid_to: datetime.date, actor) -> Affiliation:
    affiliation = Affiliation.objects.select_for_update().get(pk=affiliation.pk)
    if not policies.may_end_affiliation(actor, affiliation):
        _refuse_unit(affiliation.unit)
    if affiliation.valid_to is not None:
        raise ValidationError({"valid_to": _("This affiliation has already ended.")})
    if valid_to <= affiliation.valid_from:
        raise ValidationError({"valid_to": _("The end date must be after the start date.")})
    check_change_date(valid_to, field="valid_to")
    affiliation.valid_to = valid_to
    affiliation.save(update_fields=["valid_to"])
    log_action(
        "affiliation.ended",
        actor=actor,
        target=affiliation,
        unit=affiliation.unit,
        data={"valid_to": valid_to},
    )
    return affiliation


@transaction.atomic
def affiliation_update(
    *, affiliation: Affiliation, valid_from: datetime.date, actor
) -> Affiliation:
    """Correct the start date of an affiliation (e.g. a post held since an earlier date)."""
    affiliation = Affiliation.objects.select_for_update().get(pk=affiliation.pk)
    _check_unit(actor, affiliation.unit)
    check_change_date(valid_from, field="valid_from")
    if affiliation.valid_to is not None and affiliation.valid_to <= valid_from:
        raise ValidationError({"valid_from": _("The end date must be after the start date.")})
    before = affiliation.valid_from
    if before == valid_from:
        return affiliation
    affiliation.valid_from = valid_from
    affiliation.save(update_fields=["valid_from"])
    log_action(
        "affiliation.updated",
        actor=actor,
        target=affiliation,
        unit=affiliation.unit,
        data={"changes": {"valid_from": [str(before), str(valid_from)]}},
    )
    return affiliation


@transaction.atomic
def member_transfer(
    *, person: Person, to_cell: Unit, effective: datetime.date, actor
) -> Affiliation:
    """Move a member's party activity to another cell from ``effective`` on.

    Needs change rights where the membership is now (the current cell) and on ``to_cell``.
    """
    _check_person(actor, person)
    _check_unit(actor, to_cell)
    current = (
        Affiliation.objects.select_for_update()
        .filter(person=person, kind=AffiliationKind.CELL, valid_to__isnull=True)
        .first()
    )
    if current is None:
        raise ValidationError({"person": _("This person is not active in any party cell.")})
    if current.unit_id == to_cell.pk:
        raise ValidationError({"to_cell": _("The member is already in this cell.")})
    if to_cell.kind not in CELL_KINDS or not to_cell.is_active:
        raise ValidationError({"to_cell": _("Choose an active party cell.")})
    if (
        Affiliation.objects.current()
        .filter(person=person, kind=AffiliationKind.RESIDENCE, unit=to_cell)
        .exists()
    ):
        raise ValidationError(
            {"to_cell": _("This is the member's residence cell; end that registration first.")}
        )
    if effective <= current.valid_from or effective > today():
        raise ValidationError(
            {
                "effective": _("The transfer date must be after %(date)s and not in the future.")
                % {"date": current.valid_from.strftime("%d/%m/%Y")}
            }
        )
    from_cell = current.unit
    current.valid_to = effective
    current.save(update_fields=["valid_to"])
    new = Affiliation.objects.create(
        person=person, unit=to_cell, kind=AffiliationKind.CELL, valid_from=effective
    )
    log_action(
        "member.transferred",
        actor=actor,
        target=person,
        unit=to_cell,
        data={"cell": [from_cell.pk, to_cell.pk], "effective": effective},
    )
    return new


@transaction.atomic
def authority_assign(
    *, person: Person, authority: Unit, valid_from: datetime.date, note: str = "", actor
) -> CadreAuthority:
    """Name the collective that decides for ``person`` from ``valid_from`` on."""
    _check_person(actor, person)
    _check_unit(actor, authority)
    if not authority.is_active:
        raise ValidationError({"authority": _("This unit has been dissolved.")})
    if KIND_GROUP[authority.kind] not in (UnitGroup.COLLECTIVE, UnitGroup.PARTY):
        raise ValidationError(
            {"authority": _("Choose a party committee or leadership collective.")}
        )
    current = (
        CadreAuthority.objects.select_for_update()
        .filter(person=person, valid_to__isnull=True)
        .first()
    )
    if current:
        if current.authority_id == authority.pk:
            raise ValidationError({"authority": _("This is already the managing collective.")})
        if valid_from <= current.valid_from:
            raise ValidationError(
                {"valid_from": _("The start date must be after the current one.")}
            )
        current.valid_to = valid_from
        current.save(update_fields=["valid_to"])
    assignment = CadreAuthority.objects.create(
        person=person, authority=authority, valid_from=valid_from, note=nfc(note)
    )
    log_action(
        "authority.assigned",
        actor=actor,
        target=person,
        unit=authority,
        data={"authority": authority.pk, "valid_from": valid_from},
    )
    return assignment


@transaction.atomic
def person_enrol(
    *,
    unit: Unit,
    kind: str,
    valid_from: datetime.date,
    person_fields: dict,
    membership: dict | None = None,
    actor,
    **affiliation_fields,
) -> Person:
    """Add a new person to ``unit`` in one step: the person, their party membership when
    ``membership`` is given (admitted_on, official_on, card_number, occupation), and the
    affiliation that places them in the unit. All or nothing.
    """
    if kind in (AffiliationKind.CELL, AffiliationKind.RESIDENCE) and not membership:
        raise ValidationError(
            {
                "admitted_on": _(
                    "Only party members belong to a party cell: give the admission date."
                )
            }
        )
    person = person_create(actor=actor, unit=unit, **person_fields)
    if membership:
        member_admit(person=person, unit=unit, actor=actor, **membership)
    affiliation_start(
        person=person,
        unit=unit,
        kind=kind,
        valid_from=valid_from,
        actor=actor,
        **affiliation_fields,
    )
    return person
