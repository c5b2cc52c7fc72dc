"""Remediation's writes: remedy items (on ``reviews.Shortcoming`` rows, through
``reviews.shortcomings``), the list of organizations to consolidate and its actions.

Each service checks ``remediation.policies`` itself, validates (``ValidationError`` naming the
field), audits and runs in one transaction. Lock order: the cycle row, then the consolidation
rows (building); the consolidation row, then its action (actions).
"""

from __future__ import annotations

from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.audit.services import log_action
from kiemdiem.common.vietnamese import nfc_text
from kiemdiem.cycles.models import (
    UNIT_SUBJECT_KINDS,
    CycleStatus,
    ReviewCycle,
    Subject,
    SubjectKind,
    SubjectStatus,
    TierChoice,
    Track,
)
from kiemdiem.orgtree.models import CELL_KINDS
from kiemdiem.people.models import Person
from kiemdiem.remediation import policies
from kiemdiem.remediation.models import (
    ActionStatus,
    Consolidation,
    ConsolidationAction,
    ConsolidationReason,
)
from kiemdiem.reviews import shortcomings
from kiemdiem.reviews.models import Shortcoming

MAX_TEXT = 5_000
# HD 27 (2014): a cell was "yếu kém" when more than half of its members were rated at the
# lowest tier [V for 2014; not in the current regimes, so a setting: docs/remediation.md].
DEFAULT_WEAK_SHARE = Fraction(1, 2)


def weak_share() -> Fraction:
    return Fraction(str(getattr(settings, "KIEMDIEM_WEAK_MEMBERS_SHARE", DEFAULT_WEAK_SHARE)))


# --- remedy items -------------------------------------------------------------------------


def remedy_item_add(
    *, subject: Subject, actor, source: str, source_ref: str, text: str, **plan
) -> Shortcoming:
    """A shortcoming a meeting or a decision named (``reviews.shortcomings``' service; the
    decisions screen calls it with ``source`` "decision" and ``source_ref`` "decision:<id>")."""
    return shortcomings.shortcoming_add_named(
        subject=subject, actor=actor, source=source, source_ref=source_ref, text=text, **plan
    )


@transaction.atomic
def remedy_item_update(
    *,
    shortcoming: Shortcoming,
    actor,
    remedy_plan: str,
    owner=None,
    due_date=None,
    status: str | None = None,
    note: str = "",
) -> Shortcoming:
    """The plan, owner and due date of a remedy item, and its status when given and changed
    (a row a later review reports on follows that report and refuses a status by hand)."""
    row = shortcomings.shortcoming_plan(
        shortcoming=shortcoming,
        actor=actor,
        remedy_plan=remedy_plan,
        owner=owner,
        due_date=due_date,
    )
    if status is not None and (status != row.status or note.strip()):
        row = shortcomings.shortcoming_status(
            shortcoming=row, actor=actor, status=status, note=note
        )
    return row


# --- organizations to consolidate ---------------------------------------------------------


def _weak_cells(cycle: ReviewCycle, path: str) -> dict[int, tuple[int, int]]:
    """Cells whose members' tiers make them weak: cell → (members KHTNV, members rated).

    HD 27 reads "more than half of **a cell's members** KHTNV" (regulations.md §3.4): only
    party cells (``CELL_KINDS``) — never a committee's or a commune's leaders rated there —
    and their members: the people rated on the party track in the cell, its secretary too
    (reviewed there once, as its head), each person once, with a decided tier. (The rule
    packs' ``children`` of a cell leave the head out only because the head is rated after
    the cell; this signal is read once everything is decided.)"""
    rows = (
        Subject.objects.filter(
            cycle=cycle,
            person__isnull=False,
            track=Track.PARTY,
            unit__path__startswith=path,
            unit__kind__in=CELL_KINDS,
            status=SubjectStatus.RATED,
        )
        .exclude(tier="")
        .values("unit_id")
        .annotate(
            rated=Count("person", distinct=True),
            failed=Count("person", distinct=True, filter=Q(tier=TierChoice.KHTNV)),
        )
        .order_by()
    )
    share = weak_share()
    return {
        r["unit_id"]: (r["failed"], r["rated"])
        for r in rows
        if r["rated"] and Fraction(r["failed"], r["rated"]) > share
    }


@transaction.atomic
def consolidation_build(*, cycle: ReviewCycle, unit, actor) -> list[Consolidation]:
    """Put on the list the organizations of ``unit``'s subtree that ``cycle`` rated KHTNV, and
    the cells weak by their members' tiers (``ConsolidationReason``). Idempotent: a unit
    already on the list stays as it is, with its actions. Only once the subtree is decided
    (the cycle closed, or no subject of the subtree waiting). Locks the cycle row."""
    policies.check(policies.may_build(actor, unit))
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    in_tree = Subject.objects.filter(cycle=cycle, unit__path__startswith=unit.path)
    if cycle.status != CycleStatus.CLOSED and in_tree.filter(status=SubjectStatus.PENDING).exists():
        raise ValidationError(
            {
                "cycle": _(
                    "Some subjects of this unit are not decided yet: build the list once they are."
                )
            }
        )
    existing = set(
        Consolidation.objects.filter(cycle=cycle, unit__path__startswith=unit.path).values_list(
            "unit_id", flat=True
        )
    )
    new: dict[int, Consolidation] = {}
    failed = in_tree.filter(
        person__isnull=True, kind__in=UNIT_SUBJECT_KINDS, tier=TierChoice.KHTNV
    ).exclude(kind=SubjectKind.MASS_ORG)
    for subject in failed.order_by("unit__path", "pk"):
        if subject.unit_id not in existing and subject.unit_id not in new:
            new[subject.unit_id] = Consolidation(
                cycle=cycle,
                unit_id=subject.unit_id,
                subject=subject,
                reason=ConsolidationReason.KHTNV,
            )
    for unit_id, (failed_n, rated) in _weak_cells(cycle, unit.path).items():
        if unit_id not in existing and unit_id not in new:
            new[unit_id] = Consolidation(
                cycle=cycle,
                unit_id=unit_id,
                reason=ConsolidationReason.MEMBERS_KHTNV,
                detail=_("%(n)s of %(m)s members rated KHTNV") % {"n": failed_n, "m": rated},
            )
    Consolidation.objects.bulk_create(list(new.values()))
    log_action(
        "remediation.consolidation_built",
        actor=actor,
        target=cycle,
        unit=unit,
        data={"cycle": cycle.name, "added": len(new), "kept": len(existing)},
    )
    return list(
        Consolidation.objects.filter(cycle=cycle, unit__path__startswith=unit.path).select_related(
            "unit"
        )
    )


def _owner(actor, owner):
    if owner is not None and actor is not None:
        if not restrict(Person.objects.filter(pk=owner.pk), actor, Action.VIEW).exists():
            raise ValidationError({"owner": _("This person does not exist.")})
    return owner


def _text(field: str, value, required: bool = False) -> str:
    text = nfc_text(str(value or "")).strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > MAX_TEXT:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": MAX_TEXT}})
    return text


def _entry(action: ConsolidationAction) -> dict:
    """What the audit entry of an action says (its unit, where it is logged, apart)."""
    c = action.consolidation
    return {
        "unit": c.unit.name,
        "text": action.text,
        "owner": action.owner.full_name if action.owner_id else "",
        "due_date": action.due_date.isoformat() if action.due_date else "",
        "status": action.status,
        "result": action.result,
    }


@transaction.atomic
def consolidation_action_add(
    *, consolidation: Consolidation, actor, text: str, owner=None, due_date=None
) -> ConsolidationAction:
    """A follow-up action for a unit on the list. Locks the consolidation row."""
    c = (
        Consolidation.objects.select_for_update(of=("self",))
        .select_related("unit", "cycle")
        .get(pk=consolidation.pk)
    )
    policies.check(policies.may_change_consolidation(actor, c))
    text = _text("text", text, required=True)
    if due_date is not None and due_date < c.cycle.period_end:
        raise ValidationError(
            {"due_date": _("The due date falls before the end of the period reviewed.")}
        )
    action = ConsolidationAction.objects.create(
        consolidation=c,
        text=text,
        owner=_owner(actor, owner),
        due_date=due_date,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    log_action("remediation.action_added", actor=actor, target=c, unit=c.unit, data=_entry(action))
    return action


@transaction.atomic
def consolidation_action_update(
    *,
    action: ConsolidationAction,
    actor,
    text: str,
    owner=None,
    due_date=None,
    status: str = ActionStatus.PLANNED,
    result: str = "",
) -> ConsolidationAction:
    """Change an action: what, who, by when, how far, and what came of it. Locks the
    consolidation row, then the action."""
    c = (
        Consolidation.objects.select_for_update(of=("self",))
        .select_related("unit", "cycle")
        .get(pk=action.consolidation_id)
    )
    policies.check(policies.may_change_consolidation(actor, c))
    row = ConsolidationAction.objects.select_for_update().get(pk=action.pk)
    row.consolidation = c
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    if due_date is not None and due_date < c.cycle.period_end:
        raise ValidationError(
            {"due_date": _("The due date falls before the end of the period reviewed.")}
        )
    row.text = _text("text", text, required=True)
    row.owner = _owner(actor, owner)
    row.due_date, row.status, row.result = due_date, status, _text("result", result)
    row.save()
    log_action("remediation.action_changed", actor=actor, target=c, unit=c.unit, data=_entry(row))
    return row
