"""Opinions' writes: requests (one subject, or every member of a cell in one go), answers
(versioned), peer comments. Each checks ``opinions.policies`` itself, validates
(``ValidationError`` naming the field), audits and runs in one transaction.

Where a request goes (``asked_unit``) is read from the registry, never typed in:

* residence cell: the member's residence affiliation current at the end of the rated period
  (or now); a member exempt under HD 33 §1.1 (``Affiliation.residence_exemption``) is skipped
  with the reason — no yearly opinion is taken (regulations.md §8);
* superior committee and inspection commission: the subject's deciding level
  (``Unit.managed_by``, else the parent) — the commission is that committee's, answered by
  whoever may change that unit;
* employing agency: the member's current state employment;
* previous cell: the cell the member left during the rated period (a cell affiliation ended
  between the period's first and last day, in another unit);
* a named individual: ``asked_person``.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from kiemdiem.audit.services import log_action
from kiemdiem.common.dates import today
from kiemdiem.common.vietnamese import nfc_text
from kiemdiem.cycles.models import (
    PERSON_SUBJECT_KINDS,
    CycleStatus,
    Plan,
    ReviewCycle,
    Stage,
    StageKind,
    Subject,
    TierChoice,
    Track,
)
from kiemdiem.opinions import policies
from kiemdiem.opinions.models import (
    DutyRating,
    OpinionAnswer,
    OpinionRequest,
    PeerComment,
    PeerCommenter,
    ResidenceDuty,
    Source,
)
from kiemdiem.orgtree.models import Unit, ancestor_paths
from kiemdiem.people.models import Affiliation, AffiliationKind, Person, ResidenceExemption

MAX_TEXT = 10_000
DEFAULT_THRESHOLD = 3


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _open(cycle: ReviewCycle) -> None:
    if cycle.status != CycleStatus.OPEN:
        raise ValidationError(_("This cycle is closed; nothing in it can change any more."))


def _text(value: str, name: str = "text", *, required: bool = False) -> str:
    value = nfc_text(value or "").strip()
    if required and not value:
        raise ValidationError({name: _("Write the text.")})
    if len(value) > MAX_TEXT:
        raise ValidationError({name: _("At most %(n)s characters.") % {"n": "10.000"}})
    return value


# --- the plan's windows and threshold ------------------------------------------------------------


def _plans_above(subject: Subject):
    """The plans of the subject's cycle at or above its unit, nearest first."""
    paths = ancestor_paths(subject.unit.path, include_self=True)
    plans = list(Plan.objects.filter(cycle_id=subject.cycle_id, unit__path__in=paths))
    plans.sort(key=lambda p: len(p.unit.path), reverse=True)
    return plans


def _stage(subject: Subject, kind: str) -> Stage | None:
    """The ``kind`` stage of the nearest plan at or above the subject's unit that has one."""
    paths = ancestor_paths(subject.unit.path, include_self=True)
    stages = list(
        Stage.objects.filter(
            plan__cycle_id=subject.cycle_id, plan__unit__path__in=paths, kind=kind
        ).select_related("plan__unit")
    )
    stages.sort(key=lambda s: len(s.plan.unit.path), reverse=True)
    return stages[0] if stages else None


def opinions_due(subject: Subject) -> datetime.date | None:
    stage = _stage(subject, StageKind.OPINIONS)
    return stage.due_on if stage else None


def threshold(subject: Subject) -> int:
    """How many people must have commented before the comments are shown (the nearest plan's
    ``peer_comment_threshold``; 3 without a plan)."""
    plans = _plans_above(subject)
    return plans[0].peer_comment_threshold if plans else DEFAULT_THRESHOLD


def peer_window(subject: Subject) -> tuple[datetime.date | None, datetime.date | None]:
    """From the start of the opinions stage to the end of the meeting stage (either end open
    when the plans do not set it)."""
    opinions, meeting = _stage(subject, StageKind.OPINIONS), _stage(subject, StageKind.MEETING)
    start = opinions.starts_on if opinions else (meeting.starts_on if meeting else None)
    end = meeting.due_on if meeting else (opinions.due_on if opinions else None)
    return start, end


# --- where a request goes ---------------------------------------------------------------------


@dataclass
class Target:
    unit: Unit | None = None
    skip: str = ""  # why no request is made (exempt, not applicable)


def _period_day(subject: Subject) -> datetime.date:
    return min(subject.cycle.period_end, today())


def _on(day: datetime.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def target(subject: Subject, source: str) -> Target:
    """Where a request of ``source`` about ``subject`` goes, or why none is made."""
    person = subject.person
    if source in (Source.RESIDENCE_CELL, Source.EMPLOYING_AGENCY, Source.PREVIOUS_CELL) and (
        person is None
    ):
        return Target(skip=_("Only a person has a residence, an employer or a previous cell."))
    day = _period_day(subject)
    if source == Source.RESIDENCE_CELL:
        link = (
            Affiliation.objects.filter(_on(day), person=person, kind=AffiliationKind.RESIDENCE)
            .select_related("unit")
            .order_by("-valid_from")
            .first()
        )
        if link is None:
            return Target(skip=_("No residence party cell is registered."))
        if link.residence_exemption:
            reason = ResidenceExemption(link.residence_exemption).label
            return Target(
                skip=_("Exempt under HD 33 §1.1 (%(reason)s): no yearly opinion is taken.")
                % {"reason": reason}
            )
        if link.unit_id == subject.unit_id:
            return Target(skip=_("The residence cell is the cell where the member is reviewed."))
        return Target(unit=link.unit)
    if source in (Source.SUPERIOR_COMMITTEE, Source.INSPECTION_COMMISSION):
        unit = subject.unit.deciding_unit
        if unit is None:
            return Target(skip=_("The unit has no level above it."))
        return Target(unit=unit)
    if source == Source.EMPLOYING_AGENCY:
        job = (
            Affiliation.objects.filter(_on(day), person=person, kind=AffiliationKind.EMPLOYMENT)
            .select_related("unit")
            .order_by("-valid_from")
            .first()
        )
        if job is None:
            return Target(skip=_("No current state employment is registered."))
        return Target(unit=job.unit)
    if source == Source.PREVIOUS_CELL:
        cycle = subject.cycle
        left = (
            Affiliation.objects.filter(
                person=person,
                kind=AffiliationKind.CELL,
                valid_to__gte=cycle.period_start,
                valid_to__lte=cycle.period_end,
            )
            .exclude(unit_id=subject.unit_id)
            .select_related("unit")
            .order_by("-valid_to")
            .first()
        )
        if left is None:
            return Target(skip=_("The member did not move from another cell during the year."))
        return Target(unit=left.unit)
    return Target(skip=_("Name the person to ask."))


def _check_deadline(subject: Subject, deadline: datetime.date) -> None:
    if deadline < today():
        raise ValidationError({"deadline": _("The deadline has already passed.")})
    due = opinions_due(subject)
    if due is not None and deadline > due:
        raise ValidationError(
            {
                "deadline": _("The plan's opinions stage ends on %(due)s: answer by that day.")
                % {"due": _fmt(due)}
            }
        )


def _check_subject(subject: Subject) -> None:
    if subject.kind not in PERSON_SUBJECT_KINDS or subject.track != Track.PARTY:
        raise ValidationError(
            {"subject": _("Opinions are asked about party members reviewed in a party cell.")}
        )


@transaction.atomic
def request_create(
    *,
    subject: Subject,
    source: str,
    deadline: datetime.date,
    actor,
    asked_person: Person | None = None,
    note: str = "",
) -> tuple[OpinionRequest, bool]:
    """Ask ``source`` for an opinion on ``subject``. Asking again returns the request already
    made (``created`` False): a second click never makes a second one."""
    policies.check(
        policies.may_request(actor, subject), _("You may not ask for opinions on this member.")
    )
    if source not in Source.values:
        raise ValidationError({"source": _("Not a source of opinions.")})
    _open(subject.cycle)
    _check_subject(subject)
    note = _text(note, "note")
    if source == Source.INDIVIDUAL:
        if asked_person is None:
            raise ValidationError({"asked_person": _("Name the person to ask.")})
        if asked_person.pk == subject.person_id:
            raise ValidationError({"asked_person": _("A member is not asked about themself.")})
        lookup = {"subject": subject, "asked_person": asked_person}
        unit = None
    else:
        if asked_person is not None:
            raise ValidationError({"asked_person": _("Only a named person's request names one.")})
        found = target(subject, source)
        if found.unit is None:
            raise ValidationError({"source": found.skip})
        unit = found.unit
        lookup = {"subject": subject, "source": source, "asked_unit": unit, "asked_person": None}
    existing = OpinionRequest.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    _check_deadline(subject, deadline)
    try:
        with transaction.atomic():
            made = OpinionRequest.objects.create(
                subject=subject,
                source=source,
                asked_unit=unit,
                asked_person=asked_person,
                deadline=deadline,
                note=note,
                requested_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:  # made meanwhile by a second click
        return OpinionRequest.objects.get(**lookup), False
    log_action(
        "opinion.requested",
        actor=actor,
        target=subject,
        unit=subject.unit,
        data={"source": source, "asked": made.asked_name, "deadline": _fmt(deadline)},
    )
    return made, True


@dataclass
class CellRequests:
    created: list[OpinionRequest] = field(default_factory=list)
    existing: list[OpinionRequest] = field(default_factory=list)
    skipped: list[tuple[Subject, str]] = field(default_factory=list)


@transaction.atomic
def request_for_cell(
    *,
    cycle: ReviewCycle,
    unit: Unit,
    source: str,
    deadline: datetime.date,
    actor,
    note: str = "",
) -> CellRequests:
    """Ask ``source`` about every party member reviewed in ``unit`` in ``cycle``. Members for
    whom no request is made (exempt under HD 33, nothing registered) are listed with the
    reason, each; those already asked are left as they are."""
    policies.check(policies.may_request_in(actor, unit), _("You may not ask for this cell."))
    if source not in Source.values or source == Source.INDIVIDUAL:
        raise ValidationError({"source": _("Choose a source other than a named person.")})
    _open(cycle)
    result = CellRequests()
    subjects = (
        Subject.objects.filter(
            cycle=cycle, unit=unit, track=Track.PARTY, kind__in=PERSON_SUBJECT_KINDS
        )
        .select_related("cycle", "unit", "person")
        .order_by("person__sort_key", "pk")
    )
    if not subjects:
        raise ValidationError({"unit": _("Nobody is reviewed in this cell in this cycle.")})
    checked = False
    for subject in subjects:
        if not policies.may_request(actor, subject):  # oneself
            result.skipped.append((subject, _("You do not ask for opinions on yourself.")))
            continue
        found = target(subject, source)
        if found.unit is None:
            result.skipped.append((subject, found.skip))
            log_action(
                "opinion.request_skipped",
                actor=actor,
                target=subject,
                unit=subject.unit,
                data={"source": source, "reason": found.skip},
            )
            continue
        if not checked:
            _check_deadline(subject, deadline)
            checked = True
        made, created = request_create(
            subject=subject, source=source, deadline=deadline, actor=actor, note=note
        )
        (result.created if created else result.existing).append(made)
    return result


# --- answers --------------------------------------------------------------------------------


def latest_version(request: OpinionRequest) -> int:
    return OpinionAnswer.objects.filter(request=request).aggregate(n=Max("version"))["n"] or 0


def _duties(value) -> dict:
    if not isinstance(value, dict):
        raise ValidationError({"duties": _("Rate each duty.")})
    unknown = set(value) - set(ResidenceDuty.values)
    if unknown:
        raise ValidationError(
            {
                "duties": _("Not a duty: %(codes)s.")
                % {"codes": ", ".join(sorted(str(c) for c in unknown))}
            }
        )
    missing = [str(ResidenceDuty(c).label) for c in ResidenceDuty.values if not value.get(c)]
    if missing:
        raise ValidationError(
            {"duties": _("Rate each duty; not rated: %(duties)s.") % {"duties": "; ".join(missing)}}
        )
    bad = [c for c, r in value.items() if r not in DutyRating.values]
    if bad:
        raise ValidationError(
            {"duties": _("Not a rating for: %(codes)s.") % {"codes": ", ".join(sorted(bad))}}
        )
    return {c: value[c] for c in ResidenceDuty.values}


@transaction.atomic
def answer(
    *,
    request: OpinionRequest,
    actor,
    text: str = "",
    duties: dict | None = None,
    state_tier: str = "",
    suggested_tier: str = "",
    revision: int = 0,
) -> OpinionAnswer:
    """Answer ``request`` (``revision`` 0), or correct the answer (``revision``: the version
    the page showed). A request answered meanwhile — twice, or from a stale page — is refused:
    the answer already given is kept."""
    policies.check(policies.may_answer(actor, request), _("You may not answer this request."))
    locked = (
        OpinionRequest.objects.select_for_update()
        .select_related("subject__cycle")
        .get(pk=request.pk)
    )
    _open(locked.subject.cycle)
    current = latest_version(locked)
    if revision != current:
        if current and not revision:
            raise ValidationError(
                {"revision": _("This request is already answered; correct the answer instead.")}
            )
        raise ValidationError(
            {"revision": _("The answer was changed after you opened the page; read it again.")}
        )
    text = _text(text)
    data: dict = {"text": text}
    if locked.source == Source.RESIDENCE_CELL:
        data["duties"] = _duties(duties or {})
    elif duties:
        raise ValidationError({"duties": _("Only the residence cell rates the duties.")})
    if locked.source == Source.EMPLOYING_AGENCY:
        if state_tier not in TierChoice.values:
            raise ValidationError({"state_tier": _("Give the member's state tier this year.")})
        data["state_tier"] = state_tier
    elif state_tier:
        raise ValidationError({"state_tier": _("Only the employing agency gives a state tier.")})
    if suggested_tier:
        if locked.source in (Source.RESIDENCE_CELL, Source.EMPLOYING_AGENCY):
            raise ValidationError({"suggested_tier": _("This source does not suggest a tier.")})
        if suggested_tier not in TierChoice.values:
            raise ValidationError({"suggested_tier": _("Not a tier.")})
        data["suggested_tier"] = suggested_tier
    if locked.source not in (Source.RESIDENCE_CELL, Source.EMPLOYING_AGENCY) and not text:
        raise ValidationError({"text": _("Write the opinion.")})
    made = OpinionAnswer.objects.create(
        request=locked,
        version=current + 1,
        answered_by=actor if getattr(actor, "pk", None) else None,
        **data,
    )
    log_action(
        "opinion.answered",
        actor=actor,
        target=locked.subject,
        unit=locked.subject.unit,
        data={"source": locked.source, "version": made.version, **data},
    )
    return made


# --- peer comments --------------------------------------------------------------------------


def author_tag(subject_id: int, person_id: int) -> str:
    """A keyed hash of (subject, author): the author finds their comment again; a reader of
    the rows without the server's secret cannot tell whose it is."""
    key = ("kiemdiem.opinions.peer:" + settings.SECRET_KEY).encode()
    return hmac.new(key, f"{subject_id}:{person_id}".encode(), hashlib.sha256).hexdigest()


def _check_window(subject: Subject, day: datetime.date) -> None:
    start, end = peer_window(subject)
    if (start and day < start) or (end and day > end):
        raise ValidationError(
            _("Comments are written from %(start)s to %(end)s (the opinions and meeting stages).")
            % {"start": _fmt(start) if start else "…", "end": _fmt(end) if end else "…"}
        )


@transaction.atomic
def peer_comment_write(
    *, subject: Subject, actor, text: str, person: Person | None = None
) -> PeerComment:
    """The actor's comment on ``subject`` (written again: the same comment corrected). The
    audit entry names the subject, masks the text and the author, and has no actor.
    ``person``: only for the system (``actor=None``: the demo, comments taken on paper), the
    member who wrote it — who must still be a peer of the subject."""
    if actor is None:
        if person is None or not policies.peers_of(subject).filter(person_id=person.pk).exists():
            raise ValidationError(
                {
                    "person": _(
                        "Only the other members of the cell or collective comment on a member."
                    )
                }
            )
        author_id = person.pk
    else:
        policies.check(
            policies.may_comment(actor, subject),
            _("Only the other members of the cell or collective comment on a member."),
        )
        author_id = actor.person_id
    _open(subject.cycle)
    day = today()
    _check_window(subject, day)
    text = _text(text, required=True)
    tag = author_tag(subject.pk, author_id)
    Subject.objects.select_for_update().filter(pk=subject.pk).first()
    comment = PeerComment.objects.filter(subject=subject, author_tag=tag).first()
    if comment is None:
        comment = PeerComment.objects.create(
            subject=subject, text=text, author_tag=tag, written_on=day
        )
        PeerCommenter.objects.get_or_create(subject=subject, person_id=author_id)
    else:
        comment.text = text
        comment.save(update_fields=["text"])
    log_action(
        "peer_comment.written",
        actor=None,
        target=subject,
        unit=subject.unit,
        data={"text": text, "author": author_id},
    )
    return comment
