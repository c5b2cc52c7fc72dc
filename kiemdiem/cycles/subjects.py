"""Who is reviewed where: the subject list of a cycle, generated from the registry.

Rules (HD 21/25/43, regulations.md §2 and §5.5):
  * every party organization, leadership collective and state agency is reviewed at its level;
  * every party member in the cell where they are active on the reference day (so a member
    transferred during the year is reviewed in the new cell); members outside the political
    system get their own kind (Mẫu 2C);
  * leaders in each place they hold a post — their cell and each collective or committee — and
    as head where they head it (once per place: a cell's secretary is reviewed there as head);
  * civil servants and public employees on the state track in their agency — as leaders
    (NĐ 335 ``cong_chuc_leader``, NĐ 90 ``vien_chuc_manager``) when they are head or deputy of
    that agency (a ``position`` affiliation with role head or deputy in it, the record the
    agency-head rule already reads; §12.1, §16.7–16.8);
  * the Fatherland Front committee and each socio-political organization, on their own track
    (§6: their ratings come before the party organization's), unless
    ``KIEMDIEM_MASS_ORG_SUBJECTS`` is off;
  * members exempt from party work and activity or suspended are listed as not rated, with the
    reason, so the list shows everyone;
  * a quarterly cycle lists leaders only (KL 198, HD 43).

Each write checks ``cycles.policies`` for its ``actor`` first (``PermissionDenied``, nothing
changed).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kiemdiem.audit.services import log_action
from kiemdiem.common.dates import today, valid_on
from kiemdiem.cycles import policies
from kiemdiem.cycles.models import (
    PERSON_SUBJECT_KINDS,
    CycleKind,
    ReviewCycle,
    Subject,
    SubjectKind,
    SubjectStatus,
    Track,
    track_of,
)
from kiemdiem.orgtree.models import KIND_GROUP, Unit, UnitGroup
from kiemdiem.people.models import (
    OUTSIDE_POLITICAL_SYSTEM,
    Affiliation,
    AffiliationKind,
    MemberStatus,
    MemberStatusKind,
    PostRole,
    StateCategory,
)

UNIT_SUBJECTS = {
    UnitGroup.PARTY: (SubjectKind.PARTY_ORG, Track.PARTY),
    UnitGroup.COLLECTIVE: (SubjectKind.COLLECTIVE, Track.PARTY),
    UnitGroup.STATE: (SubjectKind.STATE_AGENCY, Track.STATE),
    UnitGroup.MASS: (SubjectKind.MASS_ORG, Track.MASS),
}
# State category → (kind without a post, kind as head or deputy of a state unit).
STATE_SUBJECTS = {
    StateCategory.CADRE: (SubjectKind.CIVIL_SERVANT, SubjectKind.CIVIL_SERVANT_LEADER),
    StateCategory.CIVIL_SERVANT: (SubjectKind.CIVIL_SERVANT, SubjectKind.CIVIL_SERVANT_LEADER),
    StateCategory.PUBLIC_EMPLOYEE: (
        SubjectKind.PUBLIC_EMPLOYEE,
        SubjectKind.PUBLIC_EMPLOYEE_MANAGER,
    ),
}
# The roles that make a state post a leadership or management post (NĐ 90 Art. 4, 8, 13).
STATE_LEADER_ROLES = frozenset({PostRole.HEAD, PostRole.DEPUTY})
BATCH = 5000


def reference_day(cycle: ReviewCycle) -> datetime.date:
    """The registry is read as it stands at the end of the period (or today, if earlier)."""
    return min(cycle.period_end, today())


def _not_rated(day: datetime.date) -> dict[int, str]:
    """Person id → reason, for members exempt or suspended on ``day``."""
    rows = MemberStatus.objects.filter(valid_on(day)).exclude(status=MemberStatusKind.ACTIVE)
    return {
        person_id: str(MemberStatusKind(status).label)
        for person_id, status in rows.values_list("member__person_id", "status")
    }


def mass_org_subjects() -> bool:
    """Whether the Front and the mass organizations are subjects of a cycle (§6) [M]."""
    return bool(getattr(settings, "KIEMDIEM_MASS_ORG_SUBJECTS", True))


def _planned_subjects(cycle: ReviewCycle, day: datetime.date):
    units = Unit.objects.filter(path__startswith=cycle.root.path, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )
    groups, paths = {}, {}
    for pk, kind, path in units.values_list("pk", "kind", "path"):
        groups[pk], paths[pk] = KIND_GROUP[kind], path
    not_rated = _not_rated(day)
    quarterly = cycle.kind == CycleKind.QUARTERLY
    unit_groups = set(UNIT_SUBJECTS) - (set() if mass_org_subjects() else {UnitGroup.MASS})

    if not quarterly:
        for pk, group in groups.items():
            if group in unit_groups:
                kind, track = UNIT_SUBJECTS[group]
                yield Subject(cycle=cycle, kind=kind, track=track, unit_id=pk)

    rows = (
        Affiliation.objects.filter(valid_on(day), unit__in=units)
        .values_list(
            "person_id",
            "unit_id",
            "kind",
            "role",
            "state_category",
            "person__membership__occupation",
        )
        .order_by("person_id")
    )
    posts: dict[tuple[int, int], bool] = {}  # (person, unit) → heads it
    cells: list[tuple[int, int, str | None]] = []
    jobs: list[tuple[int, int, str]] = []  # (person, unit, state category)
    state_posts: dict[int, list[str]] = {}  # person → paths of the state units they lead
    for person_id, unit_id, kind, role, state_category, occupation in rows.iterator(
        chunk_size=BATCH
    ):
        group = groups.get(unit_id)
        if kind == AffiliationKind.POSITION and group in (UnitGroup.PARTY, UnitGroup.COLLECTIVE):
            posts[(person_id, unit_id)] = posts.get((person_id, unit_id), False) or role == "head"
        elif kind == AffiliationKind.POSITION and group == UnitGroup.STATE:
            if role in STATE_LEADER_ROLES:
                state_posts.setdefault(person_id, []).append(paths[unit_id])
        elif kind == AffiliationKind.CELL and not quarterly:
            cells.append((person_id, unit_id, occupation))
        elif (
            kind == AffiliationKind.EMPLOYMENT
            and not quarterly
            and state_category in STATE_SUBJECTS
        ):
            jobs.append((person_id, unit_id, state_category))
    for person_id, unit_id, state_category in jobs:
        plain, leader = STATE_SUBJECTS[state_category]
        # Head or deputy of the agency that employs them. A post at the head of a department
        # under it is not enough yet: the subject is reviewed at the agency, whose tier and
        # sub-units the leader rules would read instead of the department's ([M], docs/cycles.md).
        leads = paths[unit_id] in state_posts.get(person_id, ())
        yield Subject(
            cycle=cycle,
            kind=leader if leads else plain,
            track=Track.STATE,
            person_id=person_id,
            unit_id=unit_id,
        )
    leaders = {person_id for person_id, _unit in posts}
    for (person_id, unit_id), heads in posts.items():
        yield _person_subject(
            cycle, SubjectKind.HEAD if heads else SubjectKind.LEADER, person_id, unit_id, not_rated
        )
    for person_id, unit_id, occupation in cells:
        if (person_id, unit_id) in posts:
            continue  # a cell's own secretary is reviewed there once, as its head or leader
        if person_id in leaders:
            kind = SubjectKind.LEADER
        elif occupation in OUTSIDE_POLITICAL_SYSTEM:
            kind = SubjectKind.MEMBER_OUTSIDE
        else:
            kind = SubjectKind.PARTY_MEMBER
        yield _person_subject(cycle, kind, person_id, unit_id, not_rated)


def _person_subject(cycle, kind, person_id, unit_id, not_rated) -> Subject:
    subject = Subject(
        cycle=cycle, kind=kind, track=Track.PARTY, person_id=person_id, unit_id=unit_id
    )
    if person_id in not_rated:
        subject.status, subject.reason = SubjectStatus.NOT_RATED, not_rated[person_id]
    return subject


@transaction.atomic
def subjects_generate(*, cycle: ReviewCycle, actor) -> int:
    """Fill the cycle's subject list from the registry. Done once; adjust by hand afterwards.
    Needs ``change`` on the cycle's root."""
    policies.check(policies.CyclePolicy(actor, cycle).may_generate_subjects)
    if cycle.subjects.exists():
        raise ValidationError(
            {"cycle": _("The subject list of this cycle has already been generated.")}
        )
    day = reference_day(cycle)
    batch: list[Subject] = []
    count = 0
    for subject in _planned_subjects(cycle, day):
        batch.append(subject)
        if len(batch) >= BATCH:
            Subject.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    Subject.objects.bulk_create(batch)
    count += len(batch)
    log_action(
        "cycle.subjects_generated",
        actor=actor,
        target=cycle,
        unit=cycle.root,
        data={"count": count, "reference_day": day},
    )
    return count


@transaction.atomic
def subject_exclude(*, subject: Subject, reason: str, actor) -> Subject:
    """Take a subject out of the rating (with the reason, audited). Needs ``change`` on the
    subject's unit."""
    policies.check(policies.may_change_subjects(actor, subject.unit))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    if subject.status == SubjectStatus.NOT_RATED:
        raise ValidationError({"reason": _("This subject is already not rated.")})
    subject.status, subject.reason = SubjectStatus.NOT_RATED, reason.strip()
    subject.save(update_fields=["status", "reason"])
    log_action(
        "subject.excluded",
        actor=actor,
        target=subject,
        unit=subject.unit,
        data={"reason": subject.reason},
    )
    return subject


@transaction.atomic
def subject_add(
    *, cycle: ReviewCycle, kind: str, unit: Unit, person=None, reason: str, actor
) -> Subject:
    """Add a subject the registry did not produce (with the reason, audited). Needs ``change``
    on ``unit``."""
    policies.check(policies.may_change_subjects(actor, unit))
    if kind in PERSON_SUBJECT_KINDS and person is None:
        raise ValidationError({"person": _("This kind of subject is a person: say who.")})
    if kind not in PERSON_SUBJECT_KINDS and person is not None:
        raise ValidationError(
            {"person": _("This kind of subject is a unit: leave the person out.")}
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    if not unit.path.startswith(cycle.root.path):
        raise ValidationError({"unit": _("This unit is outside the cycle.")})
    track = track_of(kind)
    if Subject.objects.filter(cycle=cycle, kind=kind, unit=unit, person=person).exists():
        raise ValidationError({"kind": _("This subject is already on the list.")})
    subject = Subject.objects.create(
        cycle=cycle,
        kind=kind,
        track=track,
        unit=unit,
        person=person,
        reason=reason.strip(),
        added_by_hand=True,
    )
    log_action(
        "subject.added",
        actor=actor,
        target=subject,
        unit=unit,
        data={"kind": kind, "reason": subject.reason},
    )
    return subject
