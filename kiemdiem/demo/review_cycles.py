"""The demo's review cycles: last year's annual review, closed, and this year's, half-way.

``load_cycles(seed=…, fast=…)`` runs after the province and its people are written.

**Last year** (closed). The province opened the annual cycle with six stage windows from
November to January; each commune and the two provincial committees issued their plans inside
them; the subject list was generated; nearly everyone wrote and submitted a self-review (the
state self-assessment first, then the collectives' and organizations' reports, then the
members'); the ratings were recorded in the order the rules require (``cycles.selectors``:
the state track first, lower units before higher, a cell after its members, the state agencies
and mass organizations before the party organization, a head after the unit headed, a member
after their state rating) — with about 15 % HTXSNV,
70 % HTTNV, 12 % HTNV and 3 % KHTNV; a few reviews were amended, the collectives' reports link
their members' reviews, and the cycle was closed (``cycles.services.cycle_close``).

**This year** (open). The timetable is laid around today: the self-review stage of about half
of the communes ended a few days ago (their unsubmitted reviews are overdue), the rest are still
open. About 55 % of the reviews are submitted, 20 % are drafts and the rest not started; a few
were sent back with a comment; agency heads rated some state subjects; of the party ratings only
a few cells are done. Last year's shortcomings appear pre-filled in this year's reviews
(``reviews.services.review_start`` does that). The demo logins get what they need: the member
``dangvien`` has a draft, the secretary ``bithu`` a cell with reviews in every state, and the
decider ``quyetdinh`` reports waiting for a rating.

Everything goes through the services (``cycles.services``, ``cycles.subjects``,
``reviews.services``) as the system (actor ``None``). With ``fast`` (the default) the bulk of the
reviews and ratings goes through the bulk paths of those services (``reviews.bulk``, ``decisions.bulk``) — the same
rows and audit entries, after the same checks — while the demo logins' cells still go through
the services one at a time.
Only ``random.Random`` objects seeded from ``seed`` decide anything, so a seed always gives the
same cycles.

What follows the ratings — an override over a quota, notices, a publication, a complaint, the
register, named shortcomings, consolidation, this year's proposals — is ``demo.aftermath``.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kiemdiem.common.dates import today as local_today
from kiemdiem.cycles import services as cycles
from kiemdiem.cycles import subjects as subject_lists
from kiemdiem.cycles.models import (
    Plan,
    ReviewCycle,
    StageKind,
    Subject,
    SubjectKind,
    SubjectStatus,
    Track,
)
from kiemdiem.cycles.selectors import CycleIndex
from kiemdiem.decisions import bulk as decisions_bulk
from kiemdiem.decisions import quotas
from kiemdiem.decisions import screen as screens
from kiemdiem.decisions import services as decisions
from kiemdiem.demo import aftermath
from kiemdiem.demo import opinions as demo_opinions
from kiemdiem.demo import review_texts as texts
from kiemdiem.orgtree.models import KIND_GROUP, SEGMENT_LENGTH, Unit, UnitGroup
from kiemdiem.reviews import bulk, engine
from kiemdiem.reviews import services as reviews
from kiemdiem.reviews.bulk import NewReview
from kiemdiem.reviews.models import ReviewStatus, ReviewVersion, SelfReview, VersionKind
from kiemdiem.reviews.shortcomings import FOUND_SECTION
from kiemdiem.rules_engine.quotas import allowed_htxsnv

D = datetime.date
DAY = datetime.timedelta(days=1)
TIERS = ["HTXSNV", "HTTNV", "HTNV", "KHTNV"]
PARTY_WEIGHTS = [15, 70, 12, 3]
STATE_WEIGHTS = [15, 72, 11, 2]
# What becomes of a subject's review.
NONE, DRAFT, SUBMITTED = "none", "draft", "submitted"
PLAN_UNIT_KINDS = ["dang_bo_xa", "dang_bo_tren_co_so"]
LOGINS = ("dangvien", "bithu", "quyetdinh", "tochucxa")


# --- timetables ----------------------------------------------------------------------------


def last_year_stages(year: int) -> list[cycles.StageWindow]:
    """The provincial plan of the annual review of ``year``: November to January."""
    return [
        cycles.StageWindow(StageKind.SELF_REVIEW, D(year, 11, 10), D(year, 12, 5)),
        cycles.StageWindow(StageKind.OPINIONS, D(year, 11, 20), D(year, 12, 12)),
        cycles.StageWindow(StageKind.MEETING, D(year, 12, 1), D(year, 12, 20)),
        cycles.StageWindow(StageKind.PROPOSALS, D(year, 12, 10), D(year, 12, 26)),
        cycles.StageWindow(StageKind.DECISION, D(year, 12, 15), D(year + 1, 1, 15)),
        cycles.StageWindow(StageKind.PUBLICATION, D(year, 12, 25), D(year + 1, 1, 31)),
    ]


def current_stages(today: datetime.date) -> list[cycles.StageWindow]:
    """The provincial plan of this year's review, laid around ``today``: the self-review stage
    began about three weeks ago and ends in twelve days; the later stages follow."""
    first = D(today.year, 1, 1)

    def window(kind, start, due):
        return cycles.StageWindow(kind, max(first, today + start * DAY), today + due * DAY)

    return [
        window(StageKind.SELF_REVIEW, -24, 12),
        window(StageKind.OPINIONS, -14, 18),
        window(StageKind.MEETING, -4, 25),
        window(StageKind.PROPOSALS, 5, 32),
        window(StageKind.DECISION, 10, 45),
        window(StageKind.PUBLICATION, 15, 55),
    ]


def inner_stages(
    rng: random.Random,
    outer: list[cycles.StageWindow],
    *,
    self_review_due: datetime.date | None = None,
) -> list[cycles.StageWindow]:
    """A lower level's plan: each window a little inside the parent's."""
    stages = []
    for stage in outer:
        start = min(stage.starts_on + rng.randint(0, 3) * DAY, stage.due_on)
        due = max(stage.due_on - rng.randint(0, 4) * DAY, start)
        if stage.kind == StageKind.SELF_REVIEW and self_review_due is not None:
            due = min(max(self_review_due, start), stage.due_on)
        stages.append(cycles.StageWindow(stage.kind, start, due))
    return stages


# --- what the reviews say ------------------------------------------------------------------

TOTAL_BANDS = {"HTXSNV": (90, 97), "HTTNV": (72, 88), "HTNV": (55, 68), "KHTNV": (32, 46)}
GENERAL_BANDS = {"HTXSNV": (27, 30), "HTTNV": (21, 26.5), "HTNV": (17, 22), "KHTNV": (10, 16)}
# Criterion levels (four-level regimes): the first criterion at the floor, the others drawn.
LEVELS = {
    "HTXSNV": (["XS", "XS", "T"], "T"),
    "HTTNV": (["T", "T", "T", "XS"], "T"),
    "HTNV": (["T", "TB", "TB"], "TB"),
    "KHTNV": (["TB", "T"], "TB"),
}


def _num(value: float) -> str:
    return f"{value:g}"


def _half(rng: random.Random, low: float, high: float) -> float:
    return rng.randint(int(low * 2), int(high * 2)) / 2


def rating_values(
    rng: random.Random, inputs: list[engine.Input], tier: str, *, complete: bool = True
) -> dict[str, str]:
    """The rating section's inputs (``engine.inputs_for``) filled so that the pinned rule set
    gives ``tier``; a draft (``complete=False``) has only some of them."""
    names = {i.name: i for i in inputs}
    top, good, done, bad = (tier == t for t in TIERS)
    out: dict[str, str] = {}
    total = rng.randint(*TOTAL_BANDS[tier])
    general = _half(rng, *GENERAL_BANDS[tier])
    if "fact.general_score" in names:
        if "fact.qty_pct" in names:  # ND 335: general + 0.7 × the mean of three percentages
            general = max(general, total - 70)
            mean = min(100, math.ceil((total - general) / 0.7))
            qty = min(100, mean + rng.randint(0, 4))
            quality, progress = mean, 2 * mean - qty
            for prefix in ("fact.", "fact.unit_"):
                for name, value in (("qty", qty), ("quality", quality), ("progress", progress)):
                    if f"{prefix}{name}_pct" in names:
                        out[f"{prefix}{name}_pct"] = _num(value)
        else:
            rest = "fact.task_score" if "fact.task_score" in names else "fact.results_score"
            general = max(general, total - 70)
            out[rest] = _num(min(70, total - general))
        out["fact.general_score"] = _num(general)
    levels, floor = LEVELS[tier]
    crits = [n for n in names if n.startswith("crit.")]
    for index, name in enumerate(crits):
        out[name] = floor if index == 0 else rng.choice(levels)
    exceeded = rng.randint(30, 60) if top else rng.randint(0, 25) if good else 0
    values = {
        "fact.pct_tasks_done": 100 if not bad else rng.randint(70, 90),
        "fact.pct_tasks_exceeded": exceeded,
        "fact.pct_tasks_late": 0 if (top or good) else rng.randint(5, 15) if done else 40,
        "fact.pct_late_or_poor": 0 if (top or good) else rng.randint(5, 20) if done else 60,
        "fact.shortcomings_remedied_pct": 100
        if top
        else rng.choice([80, 90, 100])
        if good
        else rng.randint(4, 8) * 10,
        "fact.months_absent": 0,
        "fact.area_pct_done": 100 if not bad else rng.randint(40, 48),
        "fact.area_pct_exceeded": exceeded,
        "fact.unit_pct_done": 100 if not bad else rng.randint(40, 48),
        "fact.unit_pct_exceeded": exceeded if top else rng.randint(0, 20),
        "fact.unit_pct_on_time": rng.randint(90, 100) if (top or good) else rng.randint(60, 75),
    }
    if top and "fact.pct_late_or_poor" in names:
        values["fact.pct_tasks_exceeded"] = rng.randint(50, 80)
        values["fact.unit_pct_exceeded"] = rng.randint(50, 70)
    for name, value in values.items():
        if name in names:
            out[name] = _num(value)
    for name in ("fact.on_time_quality", "fact.area_on_time_quality"):
        if name in names:
            out[name] = "true" if (top or good) else "false"
    if bad and "fact.general_score" not in names and crits:
        out[crits[0]] = "TB"
    if not complete:
        keep = rng.sample(sorted(out), k=rng.randint(0, max(0, len(out) - 1)))
        out = {k: out[k] for k in sorted(keep)}
    return dict(sorted(out.items()))


def compose(
    rng: random.Random,
    form,
    started: dict,
    *,
    inputs: list[engine.Input],
    tier: str,
    work: str,
    leader: bool,
    unit: bool,
    shortcomings: list[str],
    complete: bool,
) -> dict:
    """A review's content, section by section, from the phrase lists of ``review_texts``."""
    content: dict = {}
    for section in form.sections:
        key, kind = section.key, section.type
        if not complete and kind != "shortcomings" and rng.random() < 0.4:
            continue  # a draft: not every section written yet
        if key in form.optional and not leader:
            continue
        if kind == "rating":
            content[key] = rating_values(rng, inputs, tier, complete=complete)
        elif kind == "shortcomings":
            rows = []
            for row in started.get(key) or []:
                # The share remedied is read from these rows: the best tier remedied them all.
                top = tier == TIERS[0]
                done = rng.random() < (0.75 if tier in TIERS[:2] else 0.4) or top
                remedy = ""
                if complete or rng.random() < 0.5 or top:
                    remedy = rng.choice(texts.REMEDIES_DONE if done else texts.REMEDIES_PARTLY)
                rows.append({**row, "remedy": remedy, "done": done and bool(remedy)})
            content[key] = rows
        elif kind == "checklist":
            listed = section.list == "degradation"
            explanation = rng.choice(
                texts.CHECKLIST_EXPLANATION if listed else texts.PROHIBITION_EXPLANATION
            )
            checked = []
            if listed and tier == "KHTNV":
                checked = ["TT4"]
                explanation = (
                    "Bản thân còn làm việc hời hợt, hiệu quả chưa cao; đã nghiêm túc nhận khuyết "
                    "điểm và có kế hoạch khắc phục."
                )
            content[key] = {"checked": checked, "explanation": explanation}
        elif kind == "products":
            if key == "tap_the_lanh_dao":
                text = rng.choice(texts.TAP_THE_INTRO)
                pool = (
                    texts.AGENCY_PRODUCTS
                    if work == "agency"
                    else (texts.COMMITTEE_PRODUCTS if work == "committee" else texts.CELL_PRODUCTS)
                )
            else:
                text = rng.choice(texts.NHIEM_VU_INTRO)
                pool = texts.PRODUCTS[work] + (texts.LEADER_PRODUCTS if leader else [])
            content[key] = {"text": text, "products": texts.products(rng, pool)}
        elif key == FOUND_SECTION:
            content[key] = "\n".join(shortcomings)
        else:
            content[key] = _text(rng, key, unit)
    return content


def _text(rng: random.Random, key: str, unit: bool) -> str:
    slots = {
        "tu_tuong": texts.TU_TUONG,
        "dao_duc": texts.DAO_DUC,
        "ky_luat": texts.KY_LUAT,
        "tac_phong": texts.TAC_PHONG,
        "lanh_dao": texts.LANH_DAO,
        "noi_cu_tru": texts.NOI_CU_TRU,
        "xay_dung_dang": texts.XAY_DUNG_DANG,
        "tap_trung_dan_chu": texts.TAP_TRUNG_DAN_CHU,
        "tu_nhan_xet": texts.TU_NHAN_XET,
        "doi_moi": texts.DOI_MOI,
        "tu_phe_binh": texts.TU_PHE_BINH,
        "phuong_huong": texts.UNIT_PHUONG_HUONG if unit else texts.PHUONG_HUONG,
    }
    if key in slots:
        return texts.sentences(rng, slots[key])
    if key == "giai_trinh":
        return rng.choice(texts.GIAI_TRINH)
    if key == "trach_nhiem_tap_the":
        return rng.choice(texts.TRACH_NHIEM_TAP_THE)
    if key == "trach_nhiem":
        return rng.choice(texts.TRACH_NHIEM)
    return ""


# --- writing: through the services ---------------------------------------------------------


class ServiceReviews:
    """Writes reviews and ratings through the services, one subject at a time."""

    def __init__(self):
        self.reviews: dict[int, SelfReview] = {}  # subject pk -> its review

    def write(self, items: list[NewReview]) -> None:
        for item in items:
            review = reviews.review_start(subject=item.subject, actor=None)
            review = reviews.review_save(
                review=review,
                content=item.compose(review.content),
                proposed_tier=item.proposed_tier,
                actor=None,
            )
            if item.submit:
                review = reviews.review_submit(review=review, actor=None)
            self.reviews[item.subject.pk] = review

    def rate(self, wave: list[tuple[Subject, str, str]]) -> None:
        """Ratings that wait on nothing in the same wave, in the required order. A tier the
        decision service refuses for a quota pool or a cap (``within_quotas`` counts one wave;
        a small province's pools hold fewer places) is lowered one step, as a decider would."""
        for subject, tier, note in wave:
            for step in TIERS[TIERS.index(tier) :]:
                try:
                    decisions.decide(subject=subject, tier=step, reason=note, actor=None)
                    break
                except ValidationError as refused:
                    if step == TIERS[-1] or "tier" not in refused.message_dict:
                        raise


class BulkReviews(ServiceReviews):
    """Most reviews and ratings through the bulk paths (``reviews.bulk``, ``decisions.bulk``).

    Through the services one subject costs about 9 ms — over a minute for the two cycles of a
    3,000-member province, and the demo is loaded at far larger scales for the benchmarks —
    so the bulk paths write the same rows and audit entries after the same checks. The demo
    logins' subjects and the secretary's cell (``via_services``) still go through the services
    one at a time, as users write them; so do returns, amendments, links and closing."""

    def __init__(self, *, via_services: set[int]):
        super().__init__()
        self.via_services = via_services

    def write(self, items: list[NewReview]) -> None:
        super().write([i for i in items if i.subject.pk in self.via_services])
        written = bulk.reviews_write_bulk(
            [i for i in items if i.subject.pk not in self.via_services]
        )
        for review in written:
            self.reviews[review.subject_id] = review

    def rate(self, wave: list[tuple[Subject, str, str]]) -> None:
        super().rate([w for w in wave if w[0].pk in self.via_services])
        decisions_bulk.decide_bulk([w for w in wave if w[0].pk not in self.via_services])


# --- the cycles ----------------------------------------------------------------------------


@dataclass
class Entry:
    """One subject of a cycle as the demo plans it."""

    subject: Subject
    key: str  # natural key: seeds this subject's own random stream
    form: object | None  # the self-review form, None when there is none
    inputs: list
    work: str
    window: tuple[datetime.date, datetime.date]  # self-review window of its level's plan
    state: str = NONE
    target: str = ""
    proposed: str = ""
    returned: str = ""
    wave: int = 0  # the rating's place in the order the rules require (see ``in_rating_order``)

    @property
    def person(self) -> bool:
        return self.subject.person_id is not None

    @property
    def state_track(self) -> bool:
        return self.subject.track == Track.STATE

    @property
    def party_person(self) -> bool:
        return self.person and not self.state_track

    @property
    def overdue(self) -> bool:
        return self.window[1] < local_today()


def one_up(tier: str) -> str:
    return TIERS[max(0, TIERS.index(tier) - 1)]


class DemoCycles:
    """Plans and writes the two cycles. Decisions are made up front from ``self.rng`` in a
    fixed order; each review's words come from its own stream (seeded by the subject's natural
    key), so the fast and the service paths write the same text whatever their order."""

    def __init__(self, *, seed: int, fast: bool):
        from kiemdiem.accounts.models import User
        from kiemdiem.people.models import PartyMember, Person

        self.seed = seed
        self.rng = random.Random(seed * 7_919 + 2_025)
        self.today = local_today()
        self.fast = fast
        self.root = Unit.objects.get(parent__isnull=True, valid_to__isnull=True)
        self.plan_units = list(
            Unit.objects.active()
            .filter(parent=self.root, kind__in=PLAN_UNIT_KINDS)
            .order_by("path")
        )
        self.first_person = Person.objects.order_by("pk").values_list("pk", flat=True).first() or 0
        self.occupation = dict(PartyMember.objects.values_list("person_id", "occupation"))
        self.logins = {}
        for user in User.objects.filter(username__in=LOGINS).prefetch_related("grants__unit"):
            grant = user.grants.first()
            self.logins[user.username] = (user.person_id, grant.unit if grant else None)
        self.forms: dict = {}
        # The second half of the year (``aftermath``) draws from its own stream, so the
        # reviews and ratings above stay as they were.
        self.aside = random.Random(f"{seed}:aftermath")
        self.overrides_left = 0  # HTXSNV still to decide over a pool's quota (last year)

    # --- the writer ------------------------------------------------------------------------

    def writer_for(self, entries: list[Entry]) -> ServiceReviews:
        if not self.fast:
            return ServiceReviews()
        return BulkReviews(via_services={e.subject.pk for e in entries if self.showcase(e)})

    def showcase(self, entry: Entry) -> bool:
        """The demo logins' own subjects and their cell: always written through the services."""
        person_ids = {p for p, _u in self.logins.values() if p}
        cell = self.logins.get("bithu", (None, None))[1]
        return entry.subject.person_id in person_ids or (
            cell is not None and entry.subject.unit_id == cell.pk
        )

    # --- the subjects ----------------------------------------------------------------------

    def entries(self, cycle: ReviewCycle) -> list[Entry]:
        windows = {
            p.unit.path: (s.starts_on, s.due_on)
            for p in Plan.objects.filter(cycle=cycle).select_related("unit")
            for s in p.stages.all()
            if s.kind == StageKind.SELF_REVIEW
        }
        subjects = list(
            Subject.objects.filter(cycle=cycle).select_related("person", "unit", "cycle")
        )
        subjects.sort(key=lambda s: (s.unit.path, s.kind, (s.person_id or 0) - self.first_person))
        state_units = {s.person_id: s.unit for s in subjects if s.person_id and s.track == "state"}
        out = []
        for subject in subjects:
            path = subject.unit.path
            while path not in windows:
                path = path[:-SEGMENT_LENGTH]
            form, inputs = self.form_of(subject)
            rank = subject.person_id - self.first_person if subject.person_id else ""
            out.append(
                Entry(
                    subject=subject,
                    key=f"{cycle.year}:{subject.kind}:{subject.unit.code}:{rank}",
                    form=form,
                    inputs=inputs,
                    work=self.work_of(subject, state_units),
                    window=windows[path],
                )
            )
        return out

    def form_of(self, subject: Subject):
        key = (subject.cycle_id, subject.track, subject.kind, subject.unit.kind)
        if key not in self.forms:
            try:
                form = reviews.form_of(subject)
            except ValidationError:
                form = None
            inputs = []
            pack = engine.pinned_pack(subject)
            name = engine.engine_kind(subject, pack) if pack is not None else None
            if name is not None:
                inputs = engine.inputs_for(pack, name)
            self.forms[key] = (form, inputs)
        return self.forms[key]

    def work_of(self, subject: Subject, state_units: dict) -> str:
        if subject.person_id is None:
            group = KIND_GROUP[subject.unit.kind]
            if group == UnitGroup.STATE:
                return "agency"
            if group == UnitGroup.COLLECTIVE or subject.unit.kind not in engine.CELL_KINDS:
                return "committee"
            return "cell"
        occupation = self.occupation.get(subject.person_id, "cbccvc")
        if subject.track == Track.STATE or occupation == "cbccvc":
            unit = (
                subject.unit if subject.track == Track.STATE else state_units.get(subject.person_id)
            )
            name = unit.name if unit is not None else ""
            if name.startswith("Trường"):
                return texts.TEACHER
            if name.startswith(("Bệnh viện", "Trạm Y tế")):
                return texts.HEALTH
            return texts.OFFICE
        return {
            "retired": texts.RETIRED,
            "farmer": texts.FARMER,
            "enterprise": texts.ENTERPRISE,
        }.get(occupation, texts.OTHER)

    def choose_tiers(self, entries: list[Entry]) -> None:
        """A target tier for every subject (a head no higher than its unit, a member's party
        tier mostly as their state one), and the tier each proposes for themselves."""
        by_unit = {}
        state_of = {}
        for entry in entries:
            weights = STATE_WEIGHTS if entry.state_track else PARTY_WEIGHTS
            entry.target = self.rng.choices(TIERS, weights)[0]
            if not entry.person:
                by_unit.setdefault(entry.subject.unit_id, entry.target)
            elif entry.state_track:
                state_of[entry.subject.person_id] = entry.target
        for entry in entries:
            if entry.party_person:
                state = state_of.get(entry.subject.person_id)
                if state and self.rng.random() < 0.75:
                    entry.target = state
                unit = by_unit.get(entry.subject.unit_id)
                if entry.subject.kind == SubjectKind.HEAD and unit:
                    entry.target = max(entry.target, unit, key=TIERS.index)
            roll = self.rng.random()
            entry.proposed = one_up(entry.target) if roll < 0.08 else entry.target

    def items(self, entries: list[Entry], *, shortcomings: dict) -> list[NewReview]:
        items = []
        for entry in entries:
            if entry.state == NONE:
                continue
            complete = entry.state == SUBMITTED
            rng = random.Random(f"{self.seed}:{entry.key}")
            subject = entry.subject

            def make(started, entry=entry, rng=rng, complete=complete):
                return compose(
                    rng,
                    entry.form,
                    started,
                    inputs=entry.inputs,
                    tier=entry.target,
                    work=entry.work,
                    leader=entry.subject.kind in (SubjectKind.LEADER, SubjectKind.HEAD),
                    unit=not entry.person,
                    shortcomings=shortcomings.get(self.owner(entry.subject), []),
                    complete=complete,
                )

            proposed = entry.proposed if complete or rng.random() < 0.5 else ""
            items.append(NewReview(subject, make, proposed, entry.state == SUBMITTED))
        return items

    @staticmethod
    def owner(subject: Subject) -> tuple:
        """Whose shortcomings these are: one person's in every place, or one unit's."""
        return ("p", subject.person_id) if subject.person_id else ("u", subject.unit_id)

    def shortcomings(self, year: int, entries: list[Entry]) -> dict:
        """The year's shortcomings of each person or unit (the same in each of their reviews:
        next year each line comes back to be remedied)."""
        out = {}
        for entry in entries:
            owner = self.owner(entry.subject)
            if owner in out:
                continue
            rng = random.Random(f"{self.seed}:{year}:han_che:{entry.key}")
            pool = texts.SHORTCOMINGS if entry.person else texts.UNIT_SHORTCOMINGS
            out[owner] = texts.pick(rng, pool, 1, 3)
        return out

    def recorded(self, writer: ServiceReviews, entry: Entry) -> str:
        """The tier the competent level records: the rule set's result where the review gives
        one, else the tier planned."""
        review = writer.reviews.get(entry.subject.pk)
        result = review.engine_result if review is not None else {}
        if result.get("status") == "rated" and result.get("tier"):
            return result["tier"]
        return entry.target

    def rate(self, writer: ServiceReviews, entries: list[Entry], *, state_note: bool = False):
        recorded = [self.recorded(writer, entry) for entry in entries]
        tiers = within_quotas([(e.subject, t) for e, t in zip(entries, recorded, strict=True)])
        # Last year the decider kept one or two HTXSNV the quota would have lowered, with an
        # override reason (through the decision screen's ``finalize``, after the rest).
        over = []
        if self.overrides_left and not state_note:
            over = [
                entry.subject
                for entry, want, tier in zip(entries, recorded, tiers, strict=True)
                if want == "HTXSNV" and tier != want and entry.party_person
            ][: self.overrides_left]
            self.overrides_left -= len(over)
        wave = []
        for entry, tier in zip(entries, tiers, strict=True):
            if entry.subject in over:
                continue
            note = texts.STATE_RATING_NOTE if state_note else texts.RATING_NOTES[tier]
            wave.append((entry.subject, tier, note))
        writer.rate(wave)
        if over:
            aftermath.decide_over_quota(over[0].cycle, over, texts.RATING_NOTES["HTXSNV"])

    def open_cycle(self, year: int, stages, *, code: str) -> ReviewCycle:
        return cycles.cycle_open(
            code=code,
            name=f"Kiểm điểm, đánh giá, xếp loại chất lượng năm {year}",
            kind="annual",
            year=year,
            period_start=D(year, 1, 1),
            period_end=D(year, 12, 31),
            root=self.root,
            stages=stages,
            guidance=texts.PROVINCE_GUIDANCE.format(year=year),
            actor=None,
        )

    # --- last year -------------------------------------------------------------------------

    def last_year(self) -> ReviewCycle:
        year = self.today.year - 1
        stages = last_year_stages(year)
        cycle = self.open_cycle(year, stages, code=f"KD{year}")
        for unit in self.plan_units:
            cycles.plan_issue(
                cycle=cycle,
                unit=unit,
                stages=inner_stages(self.rng, stages),
                guidance=self.rng.choice(texts.COMMUNE_GUIDANCE),
                actor=None,
            )
        subject_lists.subjects_generate(cycle=cycle, actor=None)
        entries = self.entries(cycle)
        pending = [e for e in entries if e.subject.status == SubjectStatus.PENDING]
        self.overrides_left = aftermath.OVERRIDES
        self.choose_tiers(pending)
        for entry in pending:
            writes = entry.form is not None
            if writes:  # every rating rests on a submitted review
                entry.state = SUBMITTED
        shortcomings = self.shortcomings(year, pending)
        writer = self.writer_for(pending)
        state = [e for e in pending if e.state_track]
        units = [e for e in pending if not e.person and not e.state_track]
        persons = [e for e in pending if e.party_person]
        # the state track first: self-assessments, then the ratings, units before leaders
        writer.write(self.items(state, shortcomings=shortcomings))
        state_waves = in_rating_order(state)
        for wave in state_waves:
            self.rate(writer, wave, state_note=True)
        # the collectives', organizations' and persons' reviews, a few amendments, the
        # collectives' links, then the ratings in the order the rules require
        writer.write(self.items(units, shortcomings=shortcomings))
        writer.write(self.items(persons, shortcomings=shortcomings))
        self.discipline(writer, persons)
        self.amend(writer, persons)
        self.link(writer, units, persons)
        for wave in in_rating_order(units + persons, first_wave=len(state_waves)):
            self.rate(writer, wave)
        self.overrides_left = 0
        # what follows the decisions, before the cycle closes
        aftermath.name_shortcomings(cycle, self.aside)
        aftermath.notify_publish_complain(cycle, self.user("dangvien"), self.today)
        aftermath.build_consolidation(cycle, self.root)
        backdate_closed(cycle, pending, writer)
        close_cycle(cycle)
        return cycle

    def discipline(self, writer: ServiceReviews, persons: list[Entry]) -> None:
        """A member without a post reprimanded in the year, entered in the register after the
        reviews were written; the member amends the review, and the rule set reads the
        discipline from the register (the rating follows it). Entered after the bulk writes, so
        those answer the register's facts without a query per subject."""
        # not a civil servant: their state rating, decided already, would be re-opened
        # (``decisions.findings``) and the cycle could not close
        staff = set(
            Subject.objects.filter(
                cycle_id=persons[0].subject.cycle_id if persons else None,
                track=Track.STATE,
                person__isnull=False,
            ).values_list("person_id", flat=True)
        )
        candidates = [
            e
            for e in persons
            if e.state == SUBMITTED
            and e.subject.person_id not in staff
            and e.subject.kind in aftermath.MEMBER_KINDS
            and e.subject.unit.group != UnitGroup.COLLECTIVE
            and not self.showcase(e)
        ]
        subject = aftermath.record_discipline(
            persons[0].subject.cycle.year if persons else 0,
            [e.subject for e in candidates],
            self.aside,
        )
        if subject is None:
            return
        review = reviews.review_amend(
            review=writer.reviews[subject.pk], reason=aftermath.DISCIPLINE_AMENDMENT, actor=None
        )
        review = reviews.review_save(
            review=review, content=review.content, proposed_tier="KHTNV", actor=None
        )
        writer.reviews[subject.pk] = reviews.review_submit(review=review, actor=None)

    def amend(self, writer: ServiceReviews, persons: list[Entry]) -> None:
        """A few members amended their submitted review before the rating (version 2)."""
        candidates = [
            e
            for e in persons
            if e.state == SUBMITTED
            and e.subject.unit.group != UnitGroup.COLLECTIVE
            and not self.showcase(e)
        ]
        for entry in self.rng.sample(candidates, min(3, len(candidates))):
            review = writer.reviews[entry.subject.pk]
            review = reviews.review_amend(
                review=review, reason=self.rng.choice(texts.AMENDMENT_REASONS), actor=None
            )
            content = dict(review.content)
            section = "nhiem_vu" if "nhiem_vu" in content else None
            if section:
                rows = list(content[section].get("products") or [])
                rows.append({"name": "Sản phẩm bổ sung theo góp ý của chi bộ", "result": "đạt"})
                content[section] = {**content[section], "products": rows}
            review = reviews.review_save(
                review=review, content=content, proposed_tier=review.proposed_tier, actor=None
            )
            writer.reviews[entry.subject.pk] = reviews.review_submit(review=review, actor=None)

    def link(self, writer: ServiceReviews, units: list[Entry], persons: list[Entry]) -> None:
        """Each collective's report links the reviews its members wrote there."""
        by_unit = defaultdict(list)
        for entry in persons:
            if entry.subject.pk in writer.reviews:
                by_unit[entry.subject.unit_id].append(writer.reviews[entry.subject.pk])
        for entry in units:
            review = writer.reviews.get(entry.subject.pk)
            if (
                entry.subject.kind == SubjectKind.COLLECTIVE
                and review
                and by_unit[entry.subject.unit_id]
            ):
                reviews.review_link(
                    review=review, members=by_unit[entry.subject.unit_id], actor=None
                )

    # --- this year -------------------------------------------------------------------------

    def this_year(self) -> ReviewCycle:
        year = self.today.year
        stages = current_stages(self.today)
        cycle = self.open_cycle(year, stages, code=f"KD{year}")
        own = self.logins.get("tochucxa", (None, None))[1]
        others = [u for u in self.plan_units if u != own]
        late = set(self.rng.sample(others, (len(others) + 1) // 2))
        for unit in self.plan_units:
            if unit in late:
                due = self.today - self.rng.randint(2, 5) * DAY
            else:
                due = self.today + self.rng.randint(3, 9) * DAY
            cycles.plan_issue(
                cycle=cycle,
                unit=unit,
                stages=inner_stages(self.rng, stages, self_review_due=due),
                guidance=self.rng.choice(texts.COMMUNE_GUIDANCE),
                actor=None,
            )
        subject_lists.subjects_generate(cycle=cycle, actor=None)
        entries = self.entries(cycle)
        pending = [e for e in entries if e.subject.status == SubjectStatus.PENDING]
        self.choose_tiers(pending)
        for entry in pending:
            if entry.form is None:
                continue
            roll = self.rng.random()
            submitted, draft = (0.66, 0.82) if entry.overdue else (0.5, 0.72)
            entry.state = SUBMITTED if roll < submitted else DRAFT if roll < draft else NONE
        rated_cells = self.pick_rated_cells(pending, late)
        self.showcase_states(pending)
        self.collectives_first(pending)
        self.pick_returns(pending, rated_cells)
        shortcomings = self.shortcomings(year, pending)
        writer = self.writer_for(pending)
        state = [e for e in pending if e.state_track]
        units = [e for e in pending if not e.person and not e.state_track]
        persons = [e for e in pending if e.party_person]
        writer.write(self.items(state, shortcomings=shortcomings))
        for wave in in_rating_order(self.state_rated(state)):
            self.rate(writer, wave, state_note=True)
        writer.write(self.items(units, shortcomings=shortcomings))
        writer.write(self.items(persons, shortcomings=shortcomings))
        for entry in persons:
            if entry.returned:
                writer.reviews[entry.subject.pk] = reviews.review_return(
                    review=writer.reviews[entry.subject.pk], comment=entry.returned, actor=None
                )
        self.rate_cells(writer, pending, rated_cells)
        aftermath.record_conclusion(year, self.today, self.plan_units, self.aside)
        self.propose(writer, pending, rated_cells)
        aftermath.hold_meetings(
            cycle, self.logins.get("dangvien", (None, None))[0], self.today, self.aside
        )
        demo_opinions.add_opinions(cycle, self.today, self.aside)
        backdate_open(cycle, pending, writer, self.today)
        return cycle

    def user(self, username: str):
        from kiemdiem.accounts.models import User

        return User.objects.filter(username=username).first()

    def propose(self, writer: ServiceReviews, pending: list[Entry], rated_cells: set[int]):
        """The chi ủy of a few cells (the secretary login's first) proposed a tier for each
        member whose review is in: the proposals page and the decision screen show them."""
        cell = self.logins.get("bithu", (None, None))[1]
        ready = [
            e
            for e in pending
            if e.party_person
            and e.state == SUBMITTED
            and not e.returned
            and e.subject.unit_id not in rated_cells
            and e.subject.unit.kind in engine.CELL_KINDS
        ]
        units = sorted(
            {
                (e.subject.unit.path, e.subject.unit_id)
                for e in ready
                if cell is None or e.subject.unit_id != cell.pk
            }
        )
        chosen = {pk for _path, pk in self.aside.sample(units, min(2, len(units)))}
        if cell is not None:
            chosen.add(cell.pk)
        wanted = [
            (e.subject, self.recorded(writer, e)) for e in ready if e.subject.unit_id in chosen
        ]
        aftermath.propose(wanted, self.user("bithu"), cell)

    def pick_rated_cells(self, pending: list[Entry], late: set) -> set[int]:
        """A few cells of the late levels (village cells first) have all their reviews in,
        and are rated."""
        late_paths = tuple(u.path for u in late) or ("-",)
        bithu_cell = self.logins.get("bithu", (None, None))[1]
        cells = sorted(
            (
                not e.subject.unit.name.startswith(("Chi bộ thôn", "Chi bộ tổ dân phố")),
                e.subject.unit.path,
                e.subject.unit_id,
            )
            for e in pending
            if e.subject.kind == SubjectKind.PARTY_ORG
            and e.subject.unit.kind in engine.CELL_KINDS
            and e.subject.unit.path.startswith(late_paths)
            and (bithu_cell is None or e.subject.unit_id != bithu_cell.pk)
        )
        # cells none of whose members waits for a state rating (this year only some are in)
        staff = {e.subject.person_id for e in pending if e.state_track and e.person}
        waiting = {
            e.subject.unit_id for e in pending if e.party_person and e.subject.person_id in staff
        }
        cells = [c for c in cells if c[2] not in waiting]
        villages = [c for c in cells if not c[0]]
        pool = villages if len(villages) >= 3 else cells
        chosen = {c[2] for c in self.rng.sample(pool, min(3, len(pool)))}
        for entry in pending:
            if entry.subject.unit_id in chosen and entry.form is not None:
                entry.state = SUBMITTED
        return chosen

    def showcase_states(self, pending: list[Entry]) -> None:
        """The member login has a draft; the secretary's cell has reviews in every state."""
        member = self.logins.get("dangvien", (None, None))[0]
        secretary, cell = self.logins.get("bithu", (None, None))
        in_cell = []
        for entry in pending:
            if entry.form is None:
                continue
            if entry.subject.person_id == member:
                entry.state = DRAFT
            elif entry.subject.person_id == secretary:
                entry.state = SUBMITTED
            elif cell is not None and entry.subject.unit_id == cell.pk:
                if entry.person:
                    in_cell.append(entry)
                else:
                    entry.state = DRAFT  # the secretary is still drafting the cell's report
        for entry, state in zip(in_cell, [SUBMITTED, SUBMITTED, DRAFT, NONE], strict=False):
            entry.state = state

    @staticmethod
    def collectives_first(pending: list[Entry]) -> None:
        """A member of a collective submits only after the collective's report is in."""
        reported = {
            e.subject.unit_id
            for e in pending
            if e.subject.kind == SubjectKind.COLLECTIVE and e.state == SUBMITTED
        }
        for entry in pending:
            if (
                entry.person
                and entry.subject.unit.group == UnitGroup.COLLECTIVE
                and entry.state == SUBMITTED
                and entry.subject.unit_id not in reported
            ):
                entry.state = DRAFT

    def pick_returns(self, pending: list[Entry], rated_cells: set[int]) -> None:
        """A few submitted reviews are sent back with a comment (one in the secretary's cell)."""
        secretary, cell = self.logins.get("bithu", (None, None))
        candidates = [
            e
            for e in pending
            if e.party_person
            and e.state == SUBMITTED
            and e.subject.unit_id not in rated_cells
            and e.subject.person_id not in {p for p, _u in self.logins.values()}
        ]
        in_cell = [e for e in candidates if cell is not None and e.subject.unit_id == cell.pk]
        others = [e for e in candidates if e not in in_cell]
        chosen = in_cell[:1] + self.rng.sample(
            others, min(len(others), max(3, len(pending) // 400))
        )
        for entry in chosen:
            entry.returned = self.rng.choice(texts.RETURN_COMMENTS)

    def state_rated(self, state: list[Entry]) -> list[Entry]:
        """Agency heads have rated the submitted self-assessments in about a third of the
        agencies."""
        agencies = sorted({e.subject.unit_id for e in state if e.person})
        chosen = set(self.rng.sample(agencies, len(agencies) // 3))
        return [
            e for e in state if e.person and e.subject.unit_id in chosen and e.state == SUBMITTED
        ]

    def rate_cells(self, writer: ServiceReviews, pending: list[Entry], cells: set[int]) -> None:
        """The few cells done: the members, then the cell, then its head."""
        if not cells:
            return
        done = [
            e
            for e in pending
            if e.subject.unit_id in cells
            and (e.party_person or e.subject.kind == SubjectKind.PARTY_ORG)
            and (e.form is None or e.state == SUBMITTED)
        ]
        for wave in in_rating_order(done):
            self.rate(writer, wave)


# --- timestamps ----------------------------------------------------------------------------


def within_quotas(wave: list[tuple[Subject, str]]) -> list[str]:
    """The tiers of a wave of decisions, kept within each quota pool as a decider keeps them
    (regulations.md §15.2; ``decisions.quotas``): in each pool instance the HTXSNV beyond what
    the pinned pack's reading allows — counted over the wave, first subjects first — are
    decided HTTNV. Decided through ``decisions.services.decide`` the same tiers pass its
    quota check, so the demo's two paths write the same rows."""
    tiers = [tier for _subject, tier in wave]
    if not wave:
        return tiers
    packs = screens.Packs(wave[0][0].cycle_id)
    grassroots: dict = {}
    groups: dict[tuple, list[int]] = {}
    specs = {}
    for i, (subject, _tier) in enumerate(wave):
        pack = packs.of(subject)
        kind = engine.engine_kind(subject, pack) if pack is not None else None
        pool = pack.kind(kind).pool if kind else None
        scope = quotas.instance_scope(subject, grassroots) if pool else None
        if scope is None or scope[1] is None:
            continue  # no pool instance (a root unit decided by nobody above)
        key = (pool, scope[0], scope[1].pk, kind)
        groups.setdefault(key, []).append(i)
        specs[key] = pack.pools[pool]
    for key, members in groups.items():
        spec = specs[key]
        candidates = [i for i in members if tiers[i] == "HTXSNV"]
        httnv = sum(1 for i in members if tiers[i] == "HTTNV")
        allowed = allowed_htxsnv(
            spec.share, httnv, len(candidates), spec.denominator, spec.rounding
        )
        for i in candidates[allowed:]:
            tiers[i] = "HTTNV"
    return tiers


def _moment(day: datetime.date, minute: int) -> datetime.datetime:
    """A working-hours moment of ``day`` (minute 0 is 7:30), in the project's time zone."""
    minute = minute % (9 * 60)
    naive = datetime.datetime.combine(day, datetime.time(7, 30)) + datetime.timedelta(
        minutes=minute
    )
    return timezone.make_aware(naive)


def _between(rng: random.Random, start: datetime.date, end: datetime.date, low=0.0, high=1.0):
    span = max(0, (end - start).days)
    return start + round(span * rng.uniform(low, high)) * DAY


def _not_after(moment: datetime.datetime, now: datetime.datetime) -> datetime.datetime:
    return min(moment, now - datetime.timedelta(minutes=1))


def backdate_closed(cycle: ReviewCycle, entries: list[Entry], writer: ServiceReviews) -> None:
    """Move last year's moments into its plans' windows.

    The services stamp each write with the moment it is made, so a demo written in one go would
    show every review submitted today — long after its own deadline. This moves the cycle's
    opening, the plans, the submissions, versions and ratings to plausible days inside the
    windows, in the order they were written (the audit log keeps the real moments). A direct
    update of timestamps only: no state changes."""
    rng = random.Random(f"backdate:{cycle.code}")
    now = timezone.now()
    opened = _not_after(_moment(D(cycle.year, 10, 20), 60), now)
    decision = cycle.plans.get(parent__isnull=True).stages.get(kind=StageKind.DECISION)
    _backdate_plans(cycle, opened, rng, now)
    phases = {"state": (0.0, 0.3), "unit": (0.3, 0.55), "person": (0.6, 1.0)}
    submitted = {}
    for seq, entry in enumerate(entries):
        if entry.subject.pk not in writer.reviews:
            continue
        phase = "state" if entry.state_track else "person" if entry.person else "unit"
        day = _between(rng, *entry.window, *phases[phase])
        submitted[entry.subject.pk] = _not_after(_moment(day, seq), now)
    rated = {}
    for seq, entry in enumerate(entries):
        # one hour per wave, in the order the ratings were recorded, eight waves a day
        wave = rating_wave(entry)
        day = min(decision.starts_on + wave // 8 * DAY, decision.due_on)
        rated[entry.subject.pk] = _not_after(_moment(day, wave % 8 * 60 + seq % 60), now)
    _apply_moments(cycle, submitted, rated, returned={})


def backdate_open(
    cycle: ReviewCycle, entries: list[Entry], writer: ServiceReviews, today: datetime.date
) -> None:
    """This year's moments: submissions and drafts inside the self-review window and before
    today, ratings and returns after the submission (see ``backdate_closed``)."""
    rng = random.Random(f"backdate:{cycle.code}")
    now = timezone.now()
    first = D(cycle.year, 1, 1)
    opened = _not_after(_moment(max(first, today - 35 * DAY), 60), now)
    _backdate_plans(cycle, opened, rng, now)
    submitted, rated, returned = {}, {}, {}
    yesterday = today - DAY
    for seq, entry in enumerate(entries):
        if entry.subject.pk not in writer.reviews:
            continue
        start, due = entry.window
        # submitted at the latest the day before yesterday (ratings come yesterday), drafts
        # last saved up to today
        last = min(due, today - 2 * DAY) if entry.state == SUBMITTED else today
        day = _between(rng, start, max(start, last))
        submitted[entry.subject.pk] = _not_after(_moment(day, seq), now)
        if entry.returned:
            later = submitted[entry.subject.pk] + rng.randint(1, 3) * DAY
            returned[entry.subject.pk] = _not_after(later, now)
        rated[entry.subject.pk] = _not_after(
            _moment(yesterday, rating_wave(entry) * 10 + seq % 10), now
        )
    _apply_moments(cycle, submitted, rated, returned)


def rating_wave(entry: Entry) -> int:
    """The order of the ratings (``in_rating_order``): a subject's wave is later than the
    waves of everything it waits for."""
    return entry.wave


def in_rating_order(entries: list[Entry], *, first_wave: int = 0) -> list[list[Entry]]:
    """The entries that can be rated, wave after wave, each waiting only on subjects already
    rated (or out of the rating) or rated in an earlier wave — the rules of
    ``cycles.selectors.prerequisites``, read from its in-memory ``CycleIndex``. An entry that
    waits on a subject still pending outside ``entries`` is left out, with whatever waits on
    it. Each entry kept gets its wave number (from ``first_wave``)."""
    if not entries:
        return []
    index = CycleIndex(entries[0].subject.cycle_id)
    settled = {pk for pk, status in index.status.items() if status != SubjectStatus.PENDING}
    needs = {e.subject.pk: index.prerequisites(e.subject.pk) for e in entries}
    remaining, waves = list(entries), []
    while remaining:
        ready = [e for e in remaining if needs[e.subject.pk] <= settled]
        if not ready:
            break
        for entry in ready:
            entry.wave = first_wave + len(waves)
        waves.append(ready)
        settled.update(e.subject.pk for e in ready)
        remaining = [e for e in remaining if e.subject.pk not in settled]
    return waves


def update_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """``UPDATE … SET fields WHERE pk`` for many rows, one statement run with ``executemany``
    (``bulk_update`` builds one CASE per field and row: far slower). ``rows``: (pk, *values)."""
    if not rows:
        return
    ops = connection.ops
    columns = [model._meta.get_field(name) for name in fields]
    sets = ", ".join(f"{ops.quote_name(c.column)} = %s" for c in columns)
    sql = (
        f"UPDATE {ops.quote_name(model._meta.db_table)} SET {sets} "
        f"WHERE {ops.quote_name(model._meta.pk.column)} = %s"
    )
    params = [
        [c.get_db_prep_save(v, connection) for c, v in zip(columns, values, strict=True)] + [pk]
        for pk, *values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _backdate_plans(cycle, opened, rng, now) -> None:
    ReviewCycle.objects.filter(pk=cycle.pk).update(created_at=opened)
    plans = cycle.plans.order_by("unit__path").values_list("pk", "parent_id")
    rows = []
    for pk, parent in plans:
        hours = 1 if parent is None else rng.randint(24, 24 * 12)
        rows.append((pk, _not_after(opened + datetime.timedelta(hours=hours), now)))
    update_rows(Plan, ["issued_at"], rows)


def _apply_moments(cycle, submitted: dict, rated: dict, returned: dict) -> None:
    """Write the moments: a review's submission (or last save), its versions, the rating."""
    rows = []
    for pk, subject, status in SelfReview.objects.filter(subject__cycle=cycle).values_list(
        "pk", "subject_id", "status"
    ):
        moment = submitted[subject]
        at = None if status == ReviewStatus.DRAFT else moment
        rows.append((pk, returned.get(subject, moment), at))
    update_rows(SelfReview, ["updated_at", "submitted_at"], rows)
    versions = list(
        ReviewVersion.objects.filter(review__subject__cycle=cycle).values_list(
            "pk", "review_id", "kind", "review__subject_id"
        )
    )
    amended = {review for _pk, review, kind, _s in versions if kind == VersionKind.AMENDED}
    rows = []
    for pk, review, kind, subject in versions:
        moment = submitted[subject]
        if kind == VersionKind.RETURNED:
            moment = returned.get(subject, moment)
        elif kind == VersionKind.SUBMITTED and review in amended:
            moment -= 2 * DAY  # the first submission, before the amendment
        rows.append((pk, moment))
    update_rows(ReviewVersion, ["created_at"], rows)
    pks = Subject.objects.filter(cycle=cycle, status=SubjectStatus.RATED).values_list(
        "pk", flat=True
    )
    update_rows(Subject, ["rated_at"], [(pk, rated[pk]) for pk in pks if pk in rated])


# --- closing -------------------------------------------------------------------------------


def close_cycle(cycle: ReviewCycle) -> ReviewCycle:
    """Close last year's cycle through the service (it refuses while anything is unrated)."""
    return cycles.cycle_close(cycle=cycle, actor=None)


def load_cycles(
    *, seed: int, fast: bool = True, progress: Callable[[str], None] = lambda _step: None
) -> tuple[ReviewCycle, ReviewCycle]:
    """Last year's closed cycle and this year's running one, on the demo province."""
    with translation.override("vi"):
        demo = DemoCycles(seed=seed, fast=fast)
        progress(_("Last year's review cycle: reviews, ratings in order, closing…"))
        last = demo.last_year()
        progress(_("This year's review cycle, running mid-way…"))
        return last, demo.this_year()
