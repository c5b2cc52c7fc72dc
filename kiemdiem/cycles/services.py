"""Writes about review cycles: open a cycle, issue plans level by level, rate, close.

Each write checks ``cycles.policies`` for its ``actor`` first and refuses with
``PermissionDenied`` (nothing changed); ``actor=None`` is the system (demo, commands, fixtures).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem import rules_engine
from kiemdiem.audit.services import log_action
from kiemdiem.common.vietnamese import nfc, nfc_text
from kiemdiem.cycles import hooks, policies
from kiemdiem.cycles.models import (
    STAGE_ORDER,
    CycleKind,
    CycleStatus,
    LocalPack,
    PinnedPack,
    PlaceDecision,
    Plan,
    PlanStatus,
    ReviewCycle,
    Stage,
    StageKind,
    Subject,
    SubjectStatus,
    Track,
)
from kiemdiem.orgtree.models import Unit, ancestor_paths

# The subject kinds each track's packs are chosen for.
STATE_KINDS = (
    "cong_chuc",
    "cong_chuc_leader",
    "vien_chuc",
    "vien_chuc_manager",
    "state_agency",
)


@dataclass(frozen=True)
class StageWindow:
    kind: str
    starts_on: datetime.date
    due_on: datetime.date


def check_open(cycle: ReviewCycle) -> None:
    """Nothing in a closed cycle changes any more."""
    # Ask the database: the object in hand may have been read before the cycle closed.
    if ReviewCycle.objects.filter(pk=cycle.pk, status=CycleStatus.CLOSED).exists():
        raise ValidationError(_("This cycle is closed; nothing in it can change."))


def hold_open(cycle_id: int | None = None, *, subject_id: int | None = None) -> int:
    """Refuse unless the cycle is open, and keep it open until this transaction ends.

    Review writes and ratings take ``FOR KEY SHARE`` on the cycle row: shared, so writers in one
    cycle never wait for each other, but in conflict with the ``FOR UPDATE`` that
    ``cycle_close`` takes — a close waits for the writes in flight, and a write that comes after
    a close sees it closed. Lock order everywhere: cycle, then subject, then review
    (docs/cycles.md). Anything that changes a cycle's status must take ``FOR UPDATE`` on it.
    SQLite runs one write transaction at a time, so the plain read is enough there.
    ``subject_id`` names the cycle by one of its subjects (one query instead of two). Answers
    the cycle's ``pins_token``, read in the same statement (``reviews.engine`` keeps the
    pins it read under it)."""
    q = connection.ops.quote_name
    cycles, subjects = q(ReviewCycle._meta.db_table), q(Subject._meta.db_table)
    lock = f" FOR KEY SHARE OF {cycles}" if connection.vendor == "postgresql" else ""
    if subject_id is not None:
        sql = (
            f"SELECT {cycles}.status, {cycles}.pins_token FROM {cycles} JOIN {subjects}"
            f" ON {subjects}.cycle_id = {cycles}.id WHERE {subjects}.id = %s{lock}"
        )
        params = [subject_id]
    else:
        sql = f"SELECT status, pins_token FROM {cycles} WHERE id = %s{lock}"
        params = [cycle_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None or row[0] == CycleStatus.CLOSED:
        raise ValidationError(_("This cycle is closed; nothing in it can change."))
    return row[1]


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _pins_for(kind: str, year: int) -> list[tuple[str, list[str], rules_engine.Pack]]:
    """The central packs in force for the cycle: one party pack, the state packs by kind."""
    pins: list[tuple[str, list[str], rules_engine.Pack]] = []
    try:
        party = rules_engine.select_pack("party", year)
    except rules_engine.PackError as error:
        raise ValidationError(
            {"year": _("No party rule set covers the review year %(year)s.") % {"year": year}}
        ) from error
    pins.append((Track.PARTY, sorted(party.kinds), party))
    if kind == CycleKind.QUARTERLY:
        return pins  # quarterly ratings are for leaders on the party track (KL 198, HD 43)
    by_pack: dict[str, tuple[rules_engine.Pack, list[str]]] = {}
    for subject_kind in STATE_KINDS:
        try:
            pack = rules_engine.select_pack("state", year, subject_kind)
        except rules_engine.PackError:
            continue
        by_pack.setdefault(pack.id, (pack, []))[1].append(subject_kind)
    pins += [(Track.STATE, kinds, pack) for pack, kinds in by_pack.values()]
    return pins


def _check_not_empty(stages: list[StageWindow]) -> None:
    """A plan says when things happen: one without a single stage is no plan."""
    if not stages:
        raise ValidationError({"stages": _("Give the dates of at least one stage of the plan.")})


def _check_windows(stages: list[StageWindow], start: datetime.date, end: datetime.date) -> None:
    kinds = [s.kind for s in stages]
    if sorted(kinds, key=STAGE_ORDER.index) != kinds or len(set(kinds)) != len(kinds):
        raise ValidationError({"stages": _("Give each stage once, in the order of the process.")})
    for stage in stages:
        if stage.due_on < stage.starts_on:
            raise ValidationError(
                {
                    "stages": _("%(stage)s ends before it starts.")
                    % {"stage": StageKind(stage.kind).label}
                }
            )
        if stage.starts_on < start:
            raise ValidationError(
                {
                    "stages": _(
                        "%(stage)s starts on %(day)s, before the cycle's period (%(start)s)."
                    )
                    % {
                        "stage": StageKind(stage.kind).label,
                        "day": _fmt(stage.starts_on),
                        "start": _fmt(start),
                    }
                }
            )


@transaction.atomic
def cycle_open(
    *,
    code: str,
    name: str,
    kind: str,
    year: int,
    period_start: datetime.date,
    period_end: datetime.date,
    root: Unit,
    stages: list[StageWindow],
    quarter: int | None = None,
    guidance: str = "",
    actor,
) -> ReviewCycle:
    """Open a cycle at ``root``, pin the rule packs of its year and issue the root plan. Needs
    ``change`` on ``root``."""
    policies.check(policies.may_open_cycle(actor, root))
    if kind == CycleKind.QUARTERLY:
        if quarter == 4:
            raise ValidationError(
                {
                    "quarter": _(
                        "There is no separate Q4 rating: Q4 is folded into the year-end review (HD 43)."
                    )
                }
            )
        if quarter not in (1, 2, 3):
            raise ValidationError({"quarter": _("Choose the quarter: 1, 2 or 3.")})
        if year < 2025:
            raise ValidationError(
                {"year": _("Quarterly ratings of leaders start with 2025 (KL 198).")}
            )
    elif quarter is not None:
        raise ValidationError({"quarter": _("Only quarterly cycles have a quarter.")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    if not root.is_active:
        raise ValidationError({"root": _("This unit has been dissolved.")})
    pins = _pins_for(kind, year)
    _check_windows(stages, period_start, period_end)
    cycle = ReviewCycle(
        code=nfc(code).upper(),
        name=nfc(name),
        kind=kind,
        year=year,
        quarter=quarter,
        period_start=period_start,
        period_end=period_end,
        root=root,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    cycle.full_clean()
    cycle.save()
    for track, kinds, pack in pins:
        PinnedPack.objects.create(
            cycle=cycle,
            track=track,
            subject_kinds=kinds,
            pack_id=pack.id,
            pack_version=pack.version,
            pack_hash=pack.hash,
        )
    plan = Plan.objects.create(cycle=cycle, unit=root, guidance=nfc_text(guidance))
    Stage.objects.bulk_create(Stage(plan=plan, **vars(s)) for s in stages)
    log_action(
        "cycle.opened",
        actor=actor,
        target=cycle,
        unit=root,
        data={
            "kind": kind,
            "year": year,
            "quarter": quarter,
            "packs": [f"{p.id} {p.version} {p.hash}" for _t, _k, p in pins],
        },
    )
    return cycle


def parent_plan_for(cycle: ReviewCycle, unit: Unit) -> Plan | None:
    """The plan of the nearest ancestor level that has issued one in this cycle."""
    return (
        Plan.objects.filter(cycle=cycle, unit__path__in=ancestor_paths(unit.path))
        .select_related("unit")
        .order_by("-unit__depth")
        .first()
    )


def _check_inside_parent(stages: Iterable[StageWindow], parent: Plan) -> None:
    windows = {s.kind: s for s in parent.stages.all()}
    for stage in stages:
        outer = windows.get(stage.kind)
        if outer is None:
            raise ValidationError(
                {
                    "stages": _("%(unit)s's plan has no “%(stage)s” stage to fit into.")
                    % {"unit": parent.unit, "stage": StageKind(stage.kind).label}
                }
            )
        if stage.starts_on < outer.starts_on or stage.due_on > outer.due_on:
            raise ValidationError(
                {
                    "stages": _(
                        "“%(stage)s” must fall within %(unit)s's window, %(start)s – %(due)s."
                    )
                    % {
                        "stage": StageKind(stage.kind).label,
                        "unit": parent.unit,
                        "start": _fmt(outer.starts_on),
                        "due": _fmt(outer.due_on),
                    }
                }
            )


def _threshold(value: int | None) -> int:
    """Peer comments are shown from this many commenters (docs/opinions.md): 1 to 50."""
    if value is None:
        return 3
    if not isinstance(value, int) or not 1 <= value <= 50:
        raise ValidationError({"peer_comment_threshold": _("Give a number from 1 to 50.")})
    return value


@transaction.atomic
def plan_issue(
    *,
    cycle: ReviewCycle,
    unit: Unit,
    stages: list[StageWindow],
    guidance: str = "",
    actor,
    peer_comment_threshold: int | None = None,
) -> Plan:
    """Issue ``unit``'s plan for ``cycle``; every stage must lie inside the parent's window.
    Needs ``change`` on ``unit``."""
    policies.check(policies.may_issue_plan(actor, unit))
    check_open(cycle)
    if not unit.path.startswith(cycle.root.path) or unit.pk == cycle.root_id:
        raise ValidationError(
            {"unit": _("This unit is not below the level that opened the cycle.")}
        )
    if Plan.objects.filter(cycle=cycle, unit=unit).exists():
        raise ValidationError({"unit": _("This unit has already issued its plan for the cycle.")})
    parent = parent_plan_for(cycle, unit)
    _check_not_empty(stages)
    _check_windows(stages, cycle.period_start, cycle.period_end)
    _check_inside_parent(stages, parent)
    plan = Plan.objects.create(
        cycle=cycle,
        unit=unit,
        parent=parent,
        guidance=nfc_text(guidance),
        peer_comment_threshold=_threshold(peer_comment_threshold),
    )
    Stage.objects.bulk_create(Stage(plan=plan, **vars(s)) for s in stages)
    log_action(
        "plan.issued",
        actor=actor,
        target=plan,
        unit=unit,
        data={
            "stages": {s.kind: [s.starts_on, s.due_on] for s in stages},
            "peer_comment_threshold": plan.peer_comment_threshold,
        },
    )
    return plan


@transaction.atomic
def plan_return(*, plan: Plan, comment: str, actor) -> Plan:
    """A higher level sends a plan back with a comment; the level revises and re-issues it.
    Needs ``change`` on the unit of the plan it fits into."""
    check_open(plan.cycle)
    if plan.parent_id is None:
        raise ValidationError(
            _("The plan of the level that opened the cycle has no higher level to send it back.")
        )
    policies.check(policies.PlanPolicy(actor, plan).may_return)
    if not nfc(comment):
        raise ValidationError({"comment": _("Say what needs changing.")})
    plan.status, plan.return_comment = PlanStatus.RETURNED, nfc(comment)
    plan.save(update_fields=["status", "return_comment"])
    log_action(
        "plan.returned",
        actor=actor,
        target=plan,
        unit=plan.unit,
        data={"comment": plan.return_comment},
    )
    return plan


@transaction.atomic
def plan_revise(
    *,
    plan: Plan,
    stages: list[StageWindow],
    guidance: str,
    actor,
    peer_comment_threshold: int | None = None,
) -> Plan:
    """Replace a plan's timetable and guidance (windows checked again) and re-issue it. Needs
    ``change`` on the plan's unit."""
    policies.check(policies.PlanPolicy(actor, plan).may_revise)
    check_open(plan.cycle)
    _check_not_empty(stages)
    _check_windows(stages, plan.cycle.period_start, plan.cycle.period_end)
    if plan.parent_id:
        _check_inside_parent(stages, plan.parent)
    for child in plan.children.all():
        inner = {s.kind: s for s in child.stages.all()}
        for stage in stages:
            if stage.kind in inner and not (
                stage.starts_on <= inner[stage.kind].starts_on
                and inner[stage.kind].due_on <= stage.due_on
            ):
                raise ValidationError(
                    {
                        "stages": _(
                            "%(unit)s's plan would fall outside the new “%(stage)s” window."
                        )
                        % {"unit": child.unit, "stage": StageKind(stage.kind).label}
                    }
                )
    plan.stages.all().delete()
    Stage.objects.bulk_create(Stage(plan=plan, **vars(s)) for s in stages)
    plan.guidance, plan.status, plan.return_comment = nfc(guidance), PlanStatus.ISSUED, ""
    if peer_comment_threshold is not None:  # left out: kept as it is
        plan.peer_comment_threshold = _threshold(peer_comment_threshold)
    plan.save(update_fields=["guidance", "status", "return_comment", "peer_comment_threshold"])
    log_action(
        "plan.revised",
        actor=actor,
        target=plan,
        unit=plan.unit,
        data={
            "stages": {s.kind: [s.starts_on, s.due_on] for s in stages},
            "peer_comment_threshold": plan.peer_comment_threshold,
        },
    )
    return plan


@transaction.atomic
def subject_carry_over(*, subject: Subject, reason: str, actor) -> Subject:
    """Leave a pending subject undecided this cycle, with the reason (the competent level:
    ``policies.may_rate``). It is out of the rating like a subject not rated, and the cycle
    may close with it. The tier itself is written only by ``decisions.services``."""
    policies.check(policies.may_rate(actor, subject))
    text = nfc_text(reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("Write the reason.")})
    if len(text) > 255:
        raise ValidationError({"reason": _("At most %(limit)s characters.") % {"limit": 255}})
    # Lock order: cycle (shared), then the subject alone, as decisions.services does.
    hold_open(subject_id=subject.pk)
    subject = (
        Subject.objects.select_for_update(no_key=True, of=("self",))
        .select_related("unit")
        .get(pk=subject.pk)
    )
    if subject.status != SubjectStatus.PENDING:
        raise ValidationError(
            _("Only a subject still waiting for its decision can be carried over.")
        )
    subject.status, subject.reason = SubjectStatus.CARRIED_OVER, text
    subject.save(update_fields=["status", "reason"])
    log_action(
        "subject.carried_over",
        actor=actor,
        target=subject,
        unit=subject.unit,
        data={"reason": text},
    )
    return subject


def _undecided_names(pending) -> str:
    """The first few subjects still undecided, by unit, for the refusal to close."""
    shown = list(
        pending.select_related("person", "unit").order_by("unit__path", "kind", "pk")[
            :UNDECIDED_NAMED
        ]
    )
    return "; ".join(
        f"{s.person.full_name + ' — ' if s.person_id else ''}{s.get_kind_display()}, {s.unit.name}"
        for s in shown
    )


UNDECIDED_NAMED = 10


@transaction.atomic
def cycle_close(*, cycle: ReviewCycle, actor) -> ReviewCycle:
    """Close a cycle once every subject on its list is decided, carried over with a reason, or
    out of the rating, and nothing the apps register (``hooks.register_close_check``) still
    blocks it: a rating re-opened and not decided again, a complaint still waiting.

    ``FOR UPDATE`` on the cycle row waits for the review writes and ratings in flight (they hold
    ``FOR KEY SHARE`` on it, see ``hold_open``) and keeps new ones out until the close commits.
    Needs ``change`` on the cycle's root."""
    policies.check(policies.CyclePolicy(actor, cycle).may_close)
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    # Ask the database: the object in hand may have been read before the cycle closed.
    if ReviewCycle.objects.filter(pk=cycle.pk, status=CycleStatus.CLOSED).exists():
        raise ValidationError(_("This cycle is already closed."))
    pending = cycle.subjects.filter(status=SubjectStatus.PENDING)
    count = pending.count()
    if count:
        # Name them: the level closing must decide them or carry them over with a reason.
        raise ValidationError(
            _(
                "%(count)s subjects are still undecided (decide them or carry them over with "
                "a reason): %(names)s%(more)s."
            )
            % {
                "count": count,
                "names": _undecided_names(pending),
                "more": " …" if count > UNDECIDED_NAMED else "",
            }
        )
    # What the apps above say still blocks it (cycles.hooks: re-opened ratings not decided
    # again, complaints still waiting — the decisions app).
    blockers = hooks.close_blockers(cycle)
    if blockers:
        raise ValidationError(blockers)
    cycle.status = CycleStatus.CLOSED
    cycle.save(update_fields=["status"])
    log_action("cycle.closed", actor=actor, target=cycle, unit=cycle.root, data={})
    return cycle


# ---------------------------------------------------------------------------------------------
# A person rated in several places (§16.9 C4)


@transaction.atomic
def place_choose(
    *,
    cycle: ReviewCycle,
    person,
    track: str,
    tier: str,
    reason: str,
    shown_decision: str,
    shown_ratings: str,
    actor,
):
    """Record the final tier the competent level chose for ``person``, rated differently in
    several places of ``cycle`` on ``track`` (§16.9 C4 [V HD 21]: the competent level picks
    the final one; no automatic min or max). The tier is one of the places' ratings; the
    reason is required; who and when are kept. A new choice replaces the earlier one (audited
    before → after) — but only from a page that showed it: ``shown_decision`` and
    ``shown_ratings`` are what the page was opened on (``places.decision_token`` and
    ``places.fingerprint``); a choice recorded or a place rated again since is refused
    ("Trang đã cũ"), nothing changed. Needs ``policies.may_choose_place`` on every place.
    The audit entry is filed under the lowest unit over every place, where the auditors of
    all of them — and only they — read it."""
    from kiemdiem.cycles import places

    found = places.conflicts(cycle, person_id=person.pk)
    conflict = next((c for c in found if c.track == track), None)
    subjects = (
        conflict.subjects
        if conflict is not None
        else list(Subject.objects.filter(cycle=cycle, person=person, track=track))
    )
    policies.check(policies.may_choose_place(actor, subjects))
    hold_open(cycle.pk)
    # Lock order: cycle, then the subjects (a rating in flight, or a second choice, waits),
    # then read again what the choice is made on.
    list(
        Subject.objects.select_for_update(no_key=True, of=("self",))
        .filter(cycle=cycle, person=person, track=track)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    found = places.conflicts(cycle, person_id=person.pk)
    conflict = next((c for c in found if c.track == track), None)
    if conflict is None:
        raise ValidationError(
            {"person": _("This person is not rated differently in several places of the cycle.")}
        )
    if shown_decision != conflict.decision_token:
        raise ValidationError(
            {
                "decision": _(
                    "The page is out of date: a final tier was recorded after it was opened. "
                    "Open the page again and choose once more."
                )
            }
        )
    if shown_ratings != conflict.fingerprint:
        raise ValidationError(
            {
                "ratings": _(
                    "The page is out of date: a place was rated again after it was opened. "
                    "Open the page again and choose once more."
                )
            }
        )
    if tier not in conflict.tiers:
        raise ValidationError(
            {
                "tier": _("Choose one of the tiers given in the places: %(tiers)s.")
                % {"tiers": ", ".join(conflict.tiers)}
            }
        )
    reason = nfc_text(reason or "")
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the choice.")})
    ratings = places.ratings_of(conflict.subjects)
    decision = conflict.decision
    before = decision.tier if decision is not None else ""
    values = {
        "tier": tier,
        "reason": reason.strip(),
        "ratings": ratings,
        "decided_at": timezone.now(),
        "decided_by": actor if getattr(actor, "pk", None) else None,
    }
    if decision is None:
        decision = PlaceDecision.objects.create(cycle=cycle, person=person, track=track, **values)
    else:
        for name, value in values.items():
            setattr(decision, name, value)
        decision.save(update_fields=list(values))
    log_action(
        "place.chosen",
        actor=actor,
        target=decision,
        unit=_unit_over((s.unit for s in conflict.subjects), cycle.root),
        data={
            "tier": [before, tier],
            "reason": decision.reason,
            "places": [f"{s.unit.name}: {s.tier}" for s in conflict.subjects],
        },
    )
    return decision


def _unit_over(units, default: Unit) -> Unit:
    """The lowest unit whose subtree holds every one of ``units`` (``default`` if none)."""
    units = list(units)
    common = set.intersection(*(set(ancestor_paths(u.path, include_self=True)) for u in units))
    if not common:
        return default
    path = max(common, key=len)
    return next((u for u in units if u.path == path), None) or Unit.objects.get(path=path)


# ---------------------------------------------------------------------------------------------
# Local rule packs


@transaction.atomic
def local_pack_load(
    *, text: str, file_name: str = "", check_only: bool = False, actor=None
) -> tuple[rules_engine.Pack, LocalPack | None, bool]:
    """Check a local rule pack's text and store it (unless ``check_only``): validated as the
    engine validates every pack (PackError, with a stable code, when it is not valid), marked
    local (``extends``) with its issuing unit (``issuer`` = the unit's code), and never
    replacing another text under the same id and version (§16.9 C6: a change is a new
    version). Returns the pack, its stored row (``None`` when none is) and whether this call
    stored it: loading the same text again returns the row already stored, ``False``; with
    ``check_only`` nothing is ever stored (``False``). Nothing is stored on error."""
    pack = rules_engine.loads_pack_text(text, path=file_name or "<text>")
    if not pack.is_local:
        raise ValidationError(
            {
                "extends": _(
                    "This is a central rule pack; only local packs (with “extends”) are loaded."
                )
            }
        )
    issuer = Unit.objects.filter(code=pack.issuer).first() if pack.issuer else None
    if issuer is None:
        raise ValidationError(
            {
                "issuer": _(
                    "“issuer” must be the code of the issuing province or unit (%(code)s is not one)."
                )
                % {"code": pack.issuer or "—"}
            }
        )
    stored = LocalPack.objects.filter(content_hash=pack.hash).first()
    if stored is not None:
        return pack, stored, False
    if LocalPack.objects.filter(pack_id=pack.id, version=pack.version).exists():
        raise ValidationError(
            {
                "version": _(
                    "%(pack)s version %(version)s is already loaded with another text; a changed pack needs a new version."
                )
                % {"pack": pack.id, "version": pack.version}
            }
        )
    if check_only:
        return pack, None, False
    local = LocalPack(
        pack_id=pack.id,
        version=pack.version,
        extends=pack.base.id if pack.base else "",
        title=pack.title_vi,
        issuer=issuer,
        text=text,
        content_hash=pack.hash,
        file_name=file_name[:255],
    )
    local.full_clean()
    local.save()
    log_action(
        "rule_pack.loaded",
        actor=actor,
        target=local,
        unit=issuer,
        data={"pack": f"{pack.id} {pack.version}", "extends": local.extends, "hash": pack.hash},
    )
    return pack, local, True


def _hold_for_pinning(cycle_id: int) -> None:
    """``hold_open`` for a pin: the same refusal of a closed cycle, but ``FOR UPDATE`` on the
    cycle row, so that pins of one cycle run one at a time (the overlap check below sees the
    pin a concurrent call just made) and no rating or submission of the cycle (which take
    ``FOR KEY SHARE`` on the row, ``hold_open``) runs between the "nobody rated yet" check and
    the pin. Pins are rare; the writes they hold up wait a moment. Lock order: the cycle
    first, as everywhere (docs/cycles.md)."""
    status = (
        ReviewCycle.objects.select_for_update()
        .filter(pk=cycle_id)
        .values_list("status", flat=True)
        .first()
    )
    if status is None or status == CycleStatus.CLOSED:
        raise ValidationError(_("This cycle is closed; nothing in it can change."))


def overlaps(pin: PinnedPack, *, track: str, kinds: list[str], scope: Unit) -> bool:
    """Whether a local ``pin`` would rate some of the subjects a new local pin of ``track``
    for ``kinds`` over ``scope`` rates: same track, a subject kind in common (a NĐ 90 pack for
    viên chức and a NĐ 335 pack for công chức rate different people), and one scope inside
    the other."""
    return (
        pin.track == track
        and bool(set(pin.subject_kinds) & set(kinds))
        and (pin.scope.path.startswith(scope.path) or scope.path.startswith(pin.scope.path))
    )


def _scope_of(cycle: ReviewCycle, issuer: Unit) -> Unit | None:
    """Where a unit's local pack applies in ``cycle``: the whole cycle when it was opened
    inside the issuer's subtree, the issuer's subtree when that lies inside the cycle."""
    if cycle.root.path.startswith(issuer.path):
        return cycle.root
    if issuer.path.startswith(cycle.root.path):
        return issuer
    return None


@transaction.atomic
def cycle_pin_local_pack(*, cycle: ReviewCycle, local_pack: LocalPack, actor) -> PinnedPack:
    """Pin a stored local pack to ``cycle`` for the subjects reviewed in the issuer's subtree.

    When: only while nobody there has been rated and no self-review there has been submitted
    (docs/cycles.md): the rules a level is judged by are set before the review, with the plan
    and guidance (regulations §6 step 0, §3.7 note 1), and a year's rules do not change under
    ratings already given (§16.9 C6). Once pinned it is never changed or replaced.
    It must extend the central pack the cycle pinned for that track (same hash).
    Needs ``policies.may_pin_local_pack`` (``change`` on the issuing unit)."""
    from kiemdiem.cycles import board
    from kiemdiem.cycles.local_packs import load_local

    policies.check(policies.may_pin_local_pack(actor, cycle, local_pack.issuer))
    _hold_for_pinning(cycle.pk)
    scope = _scope_of(cycle, local_pack.issuer)
    if scope is None:
        raise ValidationError(
            {"local_pack": _("%(unit)s is outside this cycle.") % {"unit": local_pack.issuer}}
        )
    try:
        pack = load_local(local_pack)
    except rules_engine.PackError as error:
        raise ValidationError({"local_pack": error.message()}) from error
    if pack.hash != local_pack.content_hash or pack.base is None:
        raise ValidationError({"local_pack": _("The stored text no longer matches its hash.")})
    central = next(
        (
            pin
            for pin in cycle.packs.filter(local_pack__isnull=True)
            if pin.pack_hash == pack.base.hash
        ),
        None,
    )
    if central is None:
        raise ValidationError(
            {
                "local_pack": _(
                    "%(pack)s extends %(base)s, which is not a rule set this cycle runs under (%(pinned)s)."
                )
                % {
                    "pack": pack.id,
                    "base": f"{pack.base.id} {pack.base.version}",
                    "pinned": ", ".join(
                        f"{p.pack_id} {p.pack_version}"
                        for p in cycle.packs.filter(local_pack__isnull=True)
                    ),
                }
            }
        )
    kinds = list(central.subject_kinds)
    overlapping = [
        pin
        for pin in cycle.packs.filter(local_pack__isnull=False).select_related("scope")
        if overlaps(pin, track=central.track, kinds=kinds, scope=scope)
    ]
    if overlapping:
        raise ValidationError(
            {
                "local_pack": _(
                    "%(pack)s is already pinned here; a pinned rule set is never replaced."
                )
                % {"pack": f"{overlapping[0].pack_id} {overlapping[0].pack_version}"}
            }
        )
    in_scope = Subject.objects.filter(
        cycle=cycle, track=central.track, unit__path__startswith=scope.path
    )
    if central.track == Track.STATE:
        in_scope = in_scope.filter(kind__in=kinds)
    if in_scope.filter(status=SubjectStatus.RATED).exists():
        raise ValidationError(
            {
                "local_pack": _(
                    "Some subjects in %(unit)s are already rated under the central rules; a local rule set can only be pinned before the first rating."
                )
                % {"unit": scope}
            }
        )
    if board.submitted_subjects(in_scope).exists():
        raise ValidationError(
            {
                "local_pack": _(
                    "Some self-reviews in %(unit)s are already submitted under the central rules; a local rule set can only be pinned before then."
                )
                % {"unit": scope}
            }
        )
    pin = PinnedPack.objects.create(
        cycle=cycle,
        track=central.track,
        subject_kinds=kinds,
        pack_id=pack.id,
        pack_version=pack.version,
        pack_hash=pack.hash,
        local_pack=local_pack,
        scope=scope,
        pinned_at=timezone.now(),
        pinned_by=actor if getattr(actor, "pk", None) else None,
    )
    log_action(
        "cycle.pack_pinned",
        actor=actor,
        target=cycle,
        unit=scope,
        data={"pack": f"{pack.id} {pack.version} {pack.hash}", "extends": pack.base.id},
    )
    return pin
