"""The bulk path of the review services: many self-reviews written.

Through ``reviews.services`` one subject costs several milliseconds (locks, re-reads, the
engine's look-ups, one audit entry per step): over a minute for the two cycles of the demo
province's 3,000 members. ``reviews_write_bulk`` writes exactly the rows the services write —
a review as ``review_start`` + ``review_save`` (+ ``review_submit``) leave it, with its
version; the same audit entries — after the same checks, with what they look up read once per
call (``cycles.selectors.CycleIndex`` for the engine's facts), and inserts in bulk. It runs as
the system (actor ``None``, as the demo and management commands do): a user's writes go
through the services, one at a time.

The ratings' bulk path is ``decisions.bulk.decide_bulk`` (decisions is the one writer of the
tier); it reuses ``lock_subjects`` and ``Packs`` from here. ``demo/tests/test_review_cycles.py``
compares both paths row for row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.audit.services import log_actions_bulk, log_row
from kiemdiem.cycles import readings
from kiemdiem.cycles.models import (
    CycleKind,
    PinnedPack,
    Subject,
    SubjectStatus,
    Track,
)
from kiemdiem.cycles.places import final_tier
from kiemdiem.cycles.selectors import CycleIndex
from kiemdiem.cycles.services import hold_open
from kiemdiem.register import selectors as register
from kiemdiem.reviews import engine, shortcomings
from kiemdiem.reviews import services as reviews
from kiemdiem.reviews.models import ReviewStatus, ReviewVersion, SelfReview, VersionKind

BATCH = 500  # rows per INSERT or UPDATE
CHUNK = 5_000  # ids per look-up query
QUARTERS = {"q1_tier", "q2_tier", "q3_tier"}


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def lock_subjects(subjects: Sequence[Subject]) -> int:
    """Hold the one cycle of ``subjects`` open and lock them, as the services do for each
    (cycle, then subjects: docs/cycles.md); returns the cycle's id."""
    cycles = {s.cycle_id for s in subjects}
    if len(cycles) != 1:
        raise ValueError("a bulk write concerns the subjects of one cycle")
    (cycle_id,) = cycles
    hold_open(cycle_id)
    for chunk in chunks(s.pk for s in subjects):
        locked = Subject.objects.select_for_update(no_key=True, of=("self",)).filter(pk__in=chunk)
        list(locked.values_list("pk", flat=True))
    return cycle_id


class Packs:
    """The pinned rule set and the form of each (cycle, track, kind), read once per call."""

    def __init__(self):
        self.packs: dict = {}
        self.forms: dict = {}
        self.pins: dict = {}

    def _pin_key(self, subject: Subject):
        """Which pin rates the subject: a province's local pin covers only its subtree."""
        key = (subject.cycle_id, subject.track)
        if key not in self.pins:
            self.pins[key] = list(
                PinnedPack.objects.filter(
                    cycle_id=subject.cycle_id, track=subject.track
                ).select_related("scope", "local_pack")
            )
        if not any(p.local_pack_id for p in self.pins[key]):
            return None
        pin = engine.choose_pin(self.pins[key], subject)
        return pin.pk if pin is not None else None

    def pack(self, subject: Subject):
        """``engine.pinned_pack`` (a mismatch is raised again each time, as the engine would)."""
        key = (subject.cycle_id, subject.track, subject.kind, self._pin_key(subject))
        if key not in self.packs:
            try:
                self.packs[key] = engine.pinned_pack(subject)
            except engine.PackMismatch as error:
                self.packs[key] = error
        if isinstance(self.packs[key], engine.PackMismatch):
            raise self.packs[key]
        return self.packs[key]

    def form(self, subject: Subject):
        """``services.form_of``; its ValidationError (no form) is raised again each time."""
        key = (subject.cycle_id, subject.track, subject.kind, self._pin_key(subject))
        if key not in self.forms:
            try:
                self.forms[key] = reviews.form_of(subject)
            except ValidationError as error:
                self.forms[key] = error
        if isinstance(self.forms[key], ValidationError):
            raise self.forms[key]
        return self.forms[key]


def _facts(
    index: CycleIndex, subject: Subject, pack, kind_name: str, statuses: Sequence[str] = ()
) -> dict[str, Any]:
    """``engine.system_facts`` from the index (lists in pk order, as ``first()`` reads them);
    ``statuses`` are those of the shortcomings the review reports on (its rows are written
    after the engine has read them)."""
    used = pack.kind(kind_name).fields_used
    annual_leader = subject.person_id and QUARTERS & used
    if (annual_leader and subject.cycle.kind == CycleKind.ANNUAL) or readings.DERIVED_FIELDS & used:
        # Other cycles' ratings, or other subjects' tiers (few such subjects): not in the index.
        facts = engine.system_facts(subject, pack, kind_name)
        if shortcomings.FACT in used:
            facts[shortcomings.FACT] = shortcomings.percent(statuses)
        return facts
    facts: dict[str, Any] = {}
    if {"exempt_from_activity", "suspended"} & used:
        facts["exempt_from_activity"] = index.status[subject.pk] == SubjectStatus.NOT_RATED
        facts["suspended"] = False
    if subject.person_id and ({"is_cbccvc", "state_tier"} & used):
        states = index.state_of[subject.person_id]
        facts["is_cbccvc"] = bool(states)
        tiers = {
            index.tier[s]
            for s in states
            if index.status[s] == SubjectStatus.RATED and index.tier[s]
        }
        # Two agencies, two tiers: the competent level's choice (``engine.system_facts``).
        if len(tiers) == 1:
            facts["state_tier"] = tiers.pop()
        elif tiers and (tier := final_tier(subject.cycle_id, subject.person_id, Track.STATE)):
            facts["state_tier"] = tier
    if shortcomings.FACT in used:
        facts[shortcomings.FACT] = shortcomings.percent(statuses)
    if "unit_tier" in used:
        led = index.unit_subjects[engine.led_unit_id(subject)]
        others = [p for p in led if p != subject.pk]
        if others and index.tier[others[0]]:
            facts["unit_tier"] = index.tier[others[0]]
    if used & register.FACTS:
        # A register with nothing bearing on the rated year (most demo years) answers without
        # a query per subject.
        if "register_empty" not in index.__dict__:
            index.__dict__["register_empty"] = register.register_is_empty(subject.cycle.year)
        if index.__dict__["register_empty"] and subject.track in engine.REGISTER_TRACKS:
            facts.update(register.nothing_counts(used))
        else:
            facts.update(engine.register_facts(subject, used))
    return facts


@dataclass
class NewReview:
    """``review_start``, then ``review_save`` with ``compose(started content)`` (the draft
    begins with last cycle's shortcomings) and ``proposed_tier``, then ``review_submit`` if
    ``submit``."""

    subject: Subject
    compose: Callable[[dict], dict]
    proposed_tier: str = ""
    submit: bool = False


@transaction.atomic
def reviews_write_bulk(rows: Sequence[NewReview]) -> list[SelfReview]:
    """Write the reviews of subjects of one cycle that have none yet, as the system."""
    if not rows:
        return []
    cycle_id = lock_subjects([row.subject for row in rows])
    existing = set()
    for chunk in chunks(row.subject.pk for row in rows):
        existing.update(
            SelfReview.objects.filter(subject_id__in=chunk).values_list("subject_id", flat=True)
        )
    if existing:  # review_start would hand back the review: the caller lost track of it
        raise ValueError(f"these subjects already have a review: {sorted(existing)}")
    index, packs = CycleIndex(cycle_id), Packs()
    carried_of = shortcomings.carried_bulk([row.subject for row in rows])
    now = timezone.now()
    built = []
    for row in rows:
        subject = row.subject
        if index.status[subject.pk] == SubjectStatus.NOT_RATED:
            raise ValidationError(
                _("This subject is not rated in this cycle: %(reason)s")
                % {"reason": subject.reason}
            )
        form = packs.form(subject)
        carried = carried_of[subject.pk] if shortcomings.report_key(form) else []
        started = shortcomings.start_content(form, carried)
        pack = packs.pack(subject)
        kind = engine.engine_kind(subject, pack) if pack is not None else None
        content = reviews.clean_content(
            form,
            row.compose(started),
            inputs=engine.inputs_for(pack, kind) if kind else None,
            carried=[r.text for r in carried],
            previous=started,
        )
        statuses = shortcomings.report_statuses(form, content, row.submit)
        known = _facts(index, subject, pack, kind, statuses) if kind else None
        result = engine.evaluate(subject, reviews.rating_of(form, content), pack=pack, known=known)
        review = SelfReview(
            subject=subject,
            form_key=form.key,
            content=content,
            proposed_tier=reviews.check_tier(row.proposed_tier),
            engine_result=engine.stored(result),
            updated_by=None,
        )
        if row.submit:
            if not review.proposed_tier:
                raise ValidationError({"proposed_tier": _("Propose your tier before submitting.")})
            reviews.check_filled(review)
            waiting = reviews.collective_pending(subject)
            if waiting is not None:
                raise ValidationError(
                    _(
                        "The collective's report of %(unit)s has not been submitted yet: members"
                        " submit their reviews after the collective's (HD 21 §3.7)."
                    )
                    % {"unit": waiting.unit.name}
                )
            review.version = 1
            review.status = ReviewStatus.SUBMITTED
            review.submitted_at = now
        built.append((form, review, carried))
    SelfReview.objects.bulk_create([r for _f, r, _c in built], batch_size=BATCH)
    shortcomings.record_bulk(built)
    submitted = [(f, r) for f, r, _c in built if r.status == ReviewStatus.SUBMITTED]
    ReviewVersion.objects.bulk_create(
        [
            ReviewVersion(
                review=r,
                number=r.version,
                kind=VersionKind.SUBMITTED,
                content=r.content,
                proposed_tier=r.proposed_tier,
                engine_result=r.engine_result,
                note="",
                created_by=None,
            )
            for _f, r in submitted
        ],
        batch_size=BATCH,
    )
    texts = {r.pk: str(r) for _f, r, _c in built}  # each review is named twice
    log_actions_bulk(
        [
            log_row(
                "review.started", r, unit=r.subject.unit, data={"form": f.code}, text=texts[r.pk]
            )
            for f, r, _c in built
        ]
        + [
            log_row(
                "review.submitted",
                r,
                unit=r.subject.unit,
                data={
                    "version": r.version,
                    "proposed_tier": r.proposed_tier,
                    "note": "",
                    **shortcomings.summary_of(r, f),
                },
                text=texts[r.pk],
            )
            for f, r in submitted
        ],
        actor=None,
    )
    return [r for _f, r, _c in built]
