"""A faster writer for the demo's self-reviews and ratings (``review_cycles``).

Going through ``reviews.services`` and ``cycles.services.subject_rate`` one subject at a time
costs about 9 ms per subject (locks, re-reads, the prerequisites query, one audit entry per
step): some 70 s for the two cycles of a 3,000-member province. Like ``demo.fastpath`` for the
people, this writer makes exactly the rows the services would make — the review as
``review_start`` + ``review_save`` (+ ``review_submit``) leave it, with the engine's result from
``reviews.engine.evaluate`` and the content cleaned by ``reviews.services.clean_content``; its
version; the ratings as ``subject_rate`` records them; the same audit entries — after the same
checks (no second review, not rated, a known tier, the collective's report first, the order of
``cycles.selectors.prerequisites`` checked in memory), and inserts them in bulk. The subjects
in ``via_services`` (the demo logins' cells) still go through the services. Returns,
amendments, links and closing always do. ``tests/test_generator.py`` checks that both writers
produce the same data.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from kiemdiem.audit.context import current_request_id
from kiemdiem.audit.models import LogEntry
from kiemdiem.common.vietnamese import nfc
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus, TierChoice, Track
from kiemdiem.demo.fastpath import BATCH
from kiemdiem.demo.review_cycles import Item, ServiceReviews
from kiemdiem.orgtree.models import KIND_GROUP, SEGMENT_LENGTH, UnitGroup
from kiemdiem.reviews import engine
from kiemdiem.reviews import services as reviews
from kiemdiem.reviews.models import ReviewStatus, ReviewVersion, SelfReview, VersionKind


def entries(action: str, rows: list[tuple]) -> list[LogEntry]:
    """Audit entries as ``log_action`` writes them: (target, its text, unit, data) per row
    (the text computed once per target: it is asked for twice per review)."""
    request_id = current_request_id()
    return [
        LogEntry(
            action=action,
            actor=None,
            content_type=ContentType.objects.get_for_model(target),
            object_id=str(target.pk),
            object_repr=text[:255],
            unit=unit,
            data=data or {},
            request_id=request_id,
        )
        for target, text, unit, data in rows
    ]


class Order:
    """``cycles.selectors.prerequisites`` in memory, for one cycle's subject list."""

    def __init__(self, cycle_id: int):
        rows = (
            Subject.objects.filter(cycle_id=cycle_id)
            .order_by("pk")
            .values_list(
                "pk",
                "kind",
                "track",
                "person_id",
                "unit_id",
                "unit__path",
                "unit__kind",
                "status",
                "tier",
            )
        )
        self.status: dict[int, str] = {}
        self.tier: dict[int, str] = {}
        self.rows: dict[int, tuple] = {}
        self.state_of = defaultdict(list)  # person -> their state-track subjects
        self.collective_of = defaultdict(list)  # unit -> its collective subject
        self.unit_subjects = defaultdict(list)  # unit -> the subjects of the unit itself
        self.orgs_below = defaultdict(list)  # path -> party organizations one level below
        for pk, kind, track, person, unit, path, unit_kind, status, tier in rows:
            self.status[pk] = status
            self.tier[pk] = tier
            self.rows[pk] = (kind, track, person, unit, path, unit_kind)
            if person is not None and track == Track.STATE:
                self.state_of[person].append(pk)
            if kind == SubjectKind.COLLECTIVE:
                self.collective_of[unit].append(pk)
            if person is None:
                self.unit_subjects[unit].append(pk)
            if kind == SubjectKind.PARTY_ORG:
                self.orgs_below[path[:-SEGMENT_LENGTH]].append(pk)

    def prerequisites(self, pk: int) -> set[int]:
        kind, track, person, unit, path, unit_kind = self.rows[pk]
        wanted: set[int] = set()
        if person is not None and track == Track.PARTY:
            wanted.update(self.state_of[person])
        if person is not None and KIND_GROUP[unit_kind] == UnitGroup.COLLECTIVE:
            wanted.update(self.collective_of[unit])
        if kind == SubjectKind.HEAD:
            wanted.update(self.unit_subjects[unit])
        if kind == SubjectKind.PARTY_ORG:
            wanted.update(self.orgs_below[path])
        wanted.discard(pk)
        return wanted

    def rated(self, pk: int, tier: str) -> None:
        self.status[pk], self.tier[pk] = SubjectStatus.RATED, tier

    def system_facts(self, subject: Subject, pack, kind_name: str) -> dict:
        """``reviews.engine.system_facts`` from memory (lists in pk order, as ``first()``)."""
        used = pack.kind(kind_name).fields_used
        facts: dict = {}
        if {"exempt_from_activity", "suspended"} & used:
            facts["exempt_from_activity"] = self.status[subject.pk] == SubjectStatus.NOT_RATED
            facts["suspended"] = False
        if subject.person_id and ({"is_cbccvc", "state_tier"} & used):
            states = self.state_of[subject.person_id]
            facts["is_cbccvc"] = bool(states)
            if states and self.tier[states[0]]:
                facts["state_tier"] = self.tier[states[0]]
        if "unit_tier" in used:
            others = [p for p in self.unit_subjects[subject.unit_id] if p != subject.pk]
            if others and self.tier[others[0]]:
                facts["unit_tier"] = self.tier[others[0]]
        return facts

    def check(self, pk: int) -> None:
        waiting = [p for p in self.prerequisites(pk) if self.status[p] == SubjectStatus.PENDING]
        if waiting:
            raise ValidationError(f"subject {pk}: rate these first: {sorted(waiting)}")


class FastReviews(ServiceReviews):
    def __init__(self, *, via_services: set[int]):
        super().__init__()
        self.via_services = via_services
        self.forms: dict = {}
        self.packs: dict = {}
        self.orders: dict[int, Order] = {}
        self.earlier: dict[int, tuple[dict, dict]] = {}

    # --- reviews ---------------------------------------------------------------------------

    def pinned_pack(self, subject: Subject):
        """``reviews.engine.pinned_pack``, read once per cycle, track and kind (a mismatch is
        raised again each time, as the engine would)."""
        key = (subject.cycle_id, subject.track, subject.kind)
        if key not in self.packs:
            try:
                self.packs[key] = engine.pinned_pack(subject)
            except engine.PackMismatch as error:
                self.packs[key] = error
        if isinstance(self.packs[key], engine.PackMismatch):
            raise self.packs[key]
        return self.packs[key]

    def write(self, items: list[Item]) -> None:
        super().write([i for i in items if i.subject.pk in self.via_services])
        bulk = [i for i in items if i.subject.pk not in self.via_services]
        if bulk:
            self.write_bulk(bulk)

    def form_of(self, subject: Subject):
        key = (subject.cycle_id, subject.track, subject.kind)
        if key not in self.forms:
            self.forms[key] = reviews.form_of(subject)
        return self.forms[key]

    @staticmethod
    def previous(cycle) -> tuple[dict, dict]:
        """Each person's and each unit's last submitted review of an earlier cycle: its
        shortcomings, one per line (``reviews.services.previous_shortcomings``)."""
        earlier = (
            SelfReview.objects.filter(
                status=ReviewStatus.SUBMITTED, subject__cycle__period_end__lt=cycle.period_start
            )
            .order_by("-subject__cycle__period_end", "-submitted_at")
            .values_list("subject__person_id", "subject__track", "subject__unit_id", "content")
        )
        by_person: dict = {}
        by_unit: dict = {}
        for person, track, unit, content in earlier:
            lines = reviews.shortcoming_lines(content.get("han_che"))
            if person is not None:
                by_person.setdefault((person, track), lines)
            else:
                by_unit.setdefault(unit, lines)
        return by_person, by_unit

    def build(self, item: Item, now, by_person: dict, by_unit: dict) -> tuple:
        """The review ``review_start`` + ``review_save`` (+ ``review_submit``) would leave."""
        subject = item.subject
        if subject.status == SubjectStatus.NOT_RATED:
            raise ValidationError(f"{subject} is not rated in this cycle")
        form = self.form_of(subject)
        started = {}
        if any(s.type == "shortcomings" for s in form.sections):
            lines = (
                by_person.get((subject.person_id, subject.track), [])
                if subject.person_id
                else by_unit.get(subject.unit_id, [])
            )
            started["khac_phuc"] = [
                {"shortcoming": text, "remedy": "", "done": False, "carried": True}
                for text in lines
            ]
        pack = self.pinned_pack(subject)
        kind = engine.engine_kind(subject, pack) if pack is not None else None
        content = reviews.clean_content(
            form,
            item.compose(started),
            inputs=engine.inputs_for(pack, kind) if kind else None,
            carried=[row["shortcoming"] for row in started.get("khac_phuc", [])],
        )
        # The engine's two look-ups (pinned rule set, facts from other subjects) are served
        # from memory: the ``Order`` index is kept up to date by ``rate``.
        known = self.order(subject.cycle_id).system_facts(subject, pack, kind) if kind else None
        result = engine.evaluate(subject, reviews.rating_of(form, content), pack=pack, known=known)
        review = SelfReview(
            subject=subject,
            form_key=form.key,
            content=content,
            proposed_tier=reviews.check_tier(item.proposed_tier),
            engine_result=engine.stored(result),
            updated_by=None,
        )
        if item.submit:
            if not review.proposed_tier:
                raise ValidationError(f"{subject}: no proposed tier to submit")
            reviews.check_filled(review)
            if reviews.collective_pending(subject) is not None:
                raise ValidationError(f"{subject}: the collective's report comes first")
            review.version = 1
            review.status = ReviewStatus.SUBMITTED
            review.submitted_at = now
        return item, form, review

    def write_bulk(self, items: list[Item]) -> None:
        cycle = items[0].subject.cycle
        if any(i.subject.cycle_id != cycle.pk for i in items):
            raise ValueError("one cycle at a time")
        existing = set(
            SelfReview.objects.filter(subject__in=[i.subject for i in items]).values_list(
                "subject_id", flat=True
            )
        )
        if existing:
            raise ValidationError(f"these subjects already have a review: {sorted(existing)}")
        if cycle.pk not in self.earlier:
            self.earlier[cycle.pk] = self.previous(cycle)
        by_person, by_unit = self.earlier[cycle.pk]
        now = timezone.now()
        rows = [self.build(item, now, by_person, by_unit) for item in items]
        SelfReview.objects.bulk_create([r for _i, _f, r in rows], batch_size=BATCH)
        submitted = [(f, r) for _i, f, r in rows if r.status == ReviewStatus.SUBMITTED]
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
        texts = {r.subject_id: str(r) for _i, _f, r in rows}
        LogEntry.objects.bulk_create(
            entries(
                "review.started",
                [(r, texts[r.subject_id], r.subject.unit, {"form": f.code}) for _i, f, r in rows],
            )
            + entries(
                "review.submitted",
                [
                    (
                        r,
                        texts[r.subject_id],
                        r.subject.unit,
                        {"version": r.version, "proposed_tier": r.proposed_tier, "note": ""},
                    )
                    for _f, r in submitted
                ],
            ),
            batch_size=BATCH,
        )
        for item, _f, review in rows:
            self.reviews[item.subject.pk] = review

    # --- ratings ---------------------------------------------------------------------------

    def order(self, cycle_id: int) -> Order:
        if cycle_id not in self.orders:
            self.orders[cycle_id] = Order(cycle_id)
        return self.orders[cycle_id]

    def rate(self, wave: list[tuple[Subject, str, str]]) -> None:
        if not wave:
            return
        order = self.order(wave[0][0].cycle_id)
        slow = [w for w in wave if w[0].pk in self.via_services]
        for subject, _tier, _note in slow:
            order.check(subject.pk)  # as the service will
        super().rate(slow)
        for subject, tier, _note in slow:
            order.rated(subject.pk, tier)
        now = timezone.now()
        rated = []
        for subject, tier, note in wave:
            if subject.pk in self.via_services:
                continue
            if order.status[subject.pk] == SubjectStatus.NOT_RATED:
                raise ValidationError(f"{subject} is not rated in this cycle")
            if tier not in TierChoice.values:
                raise ValidationError(f"{subject}: unknown tier {tier!r}")
            order.check(subject.pk)
            before = subject.tier
            subject.tier = tier
            subject.status = SubjectStatus.RATED
            subject.rating_note = nfc(note.strip())
            subject.rated_at = now
            subject.rated_by = None
            order.rated(subject.pk, tier)
            rated.append((subject, before))
        groups = defaultdict(list)
        for subject, _before in rated:
            groups[(subject.tier, subject.rating_note)].append(subject.pk)
        for (tier, note), pks in groups.items():
            for start in range(0, len(pks), BATCH):
                Subject.objects.filter(pk__in=pks[start : start + BATCH]).update(
                    tier=tier,
                    status=SubjectStatus.RATED,
                    rating_note=note,
                    rated_at=now,
                    rated_by=None,
                )
        LogEntry.objects.bulk_create(
            entries(
                "subject.rated",
                [
                    (s, str(s), s.unit, {"tier": [before, s.tier], "note": s.rating_note})
                    for s, before in rated
                ],
            ),
            batch_size=BATCH,
        )
