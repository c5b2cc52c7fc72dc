"""Review cycles, the plans each level issues inside them, and who is reviewed where.

A cycle (the 2025 annual review, the Q2/2026 quarterly rating of leaders, …) pins the rule
packs it runs under by hash, once and for all, so that a past year is always judged by that
year's rules. Each level issues a plan whose stage windows lie inside its parent's plan.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kiemdiem.orgtree.models import ancestor_paths


class CycleKind(models.TextChoices):
    ANNUAL = "annual", _("Annual")
    QUARTERLY = "quarterly", _("Quarterly (leaders)")
    TERM = "term", _("Term")
    AD_HOC = "adhoc", _("Ad hoc")


class CycleStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Track(models.TextChoices):
    PARTY = "party", _("Party")
    STATE = "state", _("State")
    # The Fatherland Front and the socio-political organizations, rated under their own
    # charters; the cycle records their tier (regulations.md §6, docs/cycles.md).
    MASS = "mass", _("Front and mass organizations")


class ReviewCycle(models.Model):
    """One review round: its kind, period, the unit that opened it and its pinned packs."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=12, choices=CycleKind.choices)
    year = models.PositiveSmallIntegerField(_("review year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    root = models.ForeignKey(
        "orgtree.Unit", verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CycleStatus.choices, default=CycleStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Changes with the cycle's pinned rule sets: a database trigger draws a new random number
    # at every insert, update or delete of its PinnedPack rows (migration 0011), however they
    # are written. ``reviews.engine`` keeps the pins it read under it.
    pins_token = models.IntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("review cycle")
        verbose_name_plural = _("review cycles")
        ordering = ["-year", "-period_start", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="cycle_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=3),
                name="cycle_quarter_q1_to_q3",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, prefixes: list[str]) -> Q:
        """A cycle concerns everyone below its root: it is in scope when the user's subtree
        lies inside it, or when it was opened inside the user's subtree."""
        q = Q(pk__in=[])
        for prefix in prefixes:
            above = ancestor_paths(prefix, include_self=True)
            q |= Q(root__path__startswith=prefix) | Q(root__path__in=above)
        return q

    @classmethod
    def owner_q(cls, person_id: int) -> Q:
        """A member sees the cycles opened above the units they belong to."""
        from django.apps import apps

        affiliation = apps.get_model("people", "Affiliation")
        paths = affiliation.objects.filter(person_id=person_id, valid_to__isnull=True).values_list(
            "unit__path", flat=True
        )
        above = {a for p in paths for a in ancestor_paths(p, include_self=True)}
        return Q(root__path__in=above)


class LocalPack(models.Model):
    """A province's (or unit's) local rule pack, stored as loaded: its TOML text and content
    hash. One row per version, never edited in place (a change is a new version, §16.9 C6);
    loaded and checked by ``manage.py load_rule_pack``."""

    pack_id = models.CharField(_("rule pack"), max_length=40)
    version = models.CharField(_("version"), max_length=40)
    extends = models.CharField(_("extends"), max_length=40)
    title = models.CharField(_("title"), max_length=255)
    issuer = models.ForeignKey(
        "orgtree.Unit", verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("text"))
    content_hash = models.CharField(_("hash"), max_length=80, unique=True)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("local rule pack")
        verbose_name_plural = _("local rule packs")
        ordering = ["pack_id", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["pack_id", "version"], name="one_local_pack_version")
        ]

    def __str__(self) -> str:
        return f"{self.pack_id} {self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A stored rule pack is never edited: load a new version")
        super().save(*args, **kwargs)


class PinnedPack(models.Model):
    """A rule pack a cycle runs under, pinned by its content hash (never changed).

    The central packs are pinned when the cycle opens, for the whole cycle (``scope`` empty).
    A province may pin a local pack that extends one of them (``local_pack``); it applies to
    the subjects reviewed inside ``scope``, the issuing unit's subtree."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="packs")
    track = models.CharField(_("track"), max_length=8, choices=Track.choices)
    subject_kinds = models.JSONField(_("subject kinds"), default=list)
    pack_id = models.CharField(_("rule pack"), max_length=40)
    pack_version = models.CharField(_("version"), max_length=40)
    pack_hash = models.CharField(_("hash"), max_length=80)
    local_pack = models.ForeignKey(
        LocalPack,
        verbose_name=_("local rule pack"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pins",
    )
    scope = models.ForeignKey(
        "orgtree.Unit",
        verbose_name=_("applies in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pinned_at = models.DateTimeField(_("pinned at"), null=True, blank=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("pinned rule pack")
        verbose_name_plural = _("pinned rule packs")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "pack_id"], name="one_pin_per_pack")
        ]

    def __str__(self) -> str:
        return f"{self.pack_id} {self.pack_version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A pinned rule pack never changes once the cycle is open")
        super().save(*args, **kwargs)


class StageKind(models.TextChoices):
    """The stages every plan has, in the order the rules require."""

    SELF_REVIEW = "self_review", _("Self-review")
    OPINIONS = "opinions", _("Opinions")
    MEETING = "meeting", _("Review meeting")
    PROPOSALS = "proposals", _("Proposals")
    DECISION = "decision", _("Decision")
    PUBLICATION = "publication", _("Notification and publication")


STAGE_ORDER = list(StageKind.values)


class PlanStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    RETURNED = "returned", _("Sent back")


class Plan(models.Model):
    """A level's plan for a cycle: guidance and a timetable inside the parent plan's windows."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="plans")
    unit = models.ForeignKey(
        "orgtree.Unit", verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    guidance = models.TextField(_("guidance"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ISSUED
    )
    return_comment = models.TextField(_("comment when sent back"), blank=True)
    # Peer comments on a subject are shown (without names) once this many people have
    # commented (docs/opinions.md); the nearest plan at or above the subject's unit counts.
    peer_comment_threshold = models.PositiveSmallIntegerField(
        _("peer comments shown from"), default=3
    )
    issued_at = models.DateTimeField(auto_now_add=True)

    scope_path_field = "unit__path"

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "unit"], name="one_plan_per_unit_and_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} — {self.unit}"


class Stage(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="stages")
    kind = models.CharField(_("stage"), max_length=12, choices=StageKind.choices)
    starts_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("due on"))

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["plan", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "kind"], name="one_stage_of_a_kind_per_plan"),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("starts_on")), name="stage_window_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on:%d/%m/%Y}–{self.due_on:%d/%m/%Y}"


class SubjectKind(models.TextChoices):
    """Who or what is reviewed; the names match the rule packs' subject kinds."""

    PARTY_MEMBER = "party_member", _("Party member without a post")
    LEADER = "leader", _("Leader or manager")
    HEAD = "head", _("Head")
    MEMBER_OUTSIDE = "party_member_outside", _("Party member outside the political system")
    PARTY_ORG = "party_org", _("Party organization")
    COLLECTIVE = "leadership_collective", _("Leadership collective")
    STATE_AGENCY = "state_agency", _("State agency")
    CIVIL_SERVANT = "cong_chuc", _("Civil servant")
    CIVIL_SERVANT_LEADER = "cong_chuc_leader", _("Civil servant with a leadership post")
    PUBLIC_EMPLOYEE = "vien_chuc", _("Public employee")
    PUBLIC_EMPLOYEE_MANAGER = "vien_chuc_manager", _("Public employee with a management post")
    MASS_ORG = "mass_org", _("Fatherland Front or mass organization")


# The kinds of subject that are a person (the others are a unit or a collective).
PERSON_SUBJECT_KINDS = frozenset(
    {
        SubjectKind.PARTY_MEMBER,
        SubjectKind.LEADER,
        SubjectKind.HEAD,
        SubjectKind.MEMBER_OUTSIDE,
        SubjectKind.CIVIL_SERVANT,
        SubjectKind.CIVIL_SERVANT_LEADER,
        SubjectKind.PUBLIC_EMPLOYEE,
        SubjectKind.PUBLIC_EMPLOYEE_MANAGER,
    }
)
# The kinds rated on the state track (NĐ 90/48, NĐ 335), and their leader kinds.
STATE_SUBJECT_KINDS = frozenset(
    {
        SubjectKind.CIVIL_SERVANT,
        SubjectKind.CIVIL_SERVANT_LEADER,
        SubjectKind.PUBLIC_EMPLOYEE,
        SubjectKind.PUBLIC_EMPLOYEE_MANAGER,
        SubjectKind.STATE_AGENCY,
    }
)
STATE_LEADER_KINDS = frozenset(
    {SubjectKind.CIVIL_SERVANT_LEADER, SubjectKind.PUBLIC_EMPLOYEE_MANAGER}
)
# The kinds that are a unit or a collective, rated for the unit itself.
UNIT_SUBJECT_KINDS = frozenset(
    {SubjectKind.PARTY_ORG, SubjectKind.COLLECTIVE, SubjectKind.STATE_AGENCY, SubjectKind.MASS_ORG}
)


def track_of(kind: str) -> str:
    """The track a kind of subject is rated on."""
    if kind in STATE_SUBJECT_KINDS:
        return Track.STATE
    if kind == SubjectKind.MASS_ORG:
        return Track.MASS
    return Track.PARTY


class SubjectStatus(models.TextChoices):
    PENDING = "pending", _("To be reviewed")
    RATED = "rated", _("Rated")
    NOT_RATED = "not_rated", _("Not rated")
    # Left undecided this cycle by the competent level, with a reason (cycle_close accepts it).
    CARRIED_OVER = "carried_over", _("Carried over")


# Out of the rating this cycle: the board and the counts leave these aside.
OUT_OF_RATING = (SubjectStatus.NOT_RATED, SubjectStatus.CARRIED_OVER)


class TierChoice(models.TextChoices):
    """The four quality tiers, named as the engine names them."""

    HTXSNV = "HTXSNV", _("Excellent completion of duties (HTXSNV)")
    HTTNV = "HTTNV", _("Good completion of duties (HTTNV)")
    HTNV = "HTNV", _("Completion of duties (HTNV)")
    KHTNV = "KHTNV", _("Non-completion of duties (KHTNV)")


class Subject(models.Model):
    """One review to hold in a cycle: a person in one place, or a collective or unit."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="subjects")
    kind = models.CharField(_("kind"), max_length=24, choices=SubjectKind.choices)
    track = models.CharField(_("track"), max_length=8, choices=Track.choices)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "orgtree.Unit",
        verbose_name=_("reviewed in"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where the review is held: the cell, the collective, the agency."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SubjectStatus.choices, default=SubjectStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    added_by_hand = models.BooleanField(default=False)
    # The rating the competent level recorded (for the state track: the agency head's).
    tier = models.CharField(_("tier"), max_length=8, choices=TierChoice.choices, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating_note = models.TextField(_("note on the rating"), blank=True)

    scope_path_field = "unit__path"

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "kind", "person", "unit"],
                condition=Q(person__isnull=False),
                name="one_review_of_a_person_per_place",
            ),
            models.UniqueConstraint(
                fields=["cycle", "kind", "unit"],
                condition=Q(person__isnull=True),
                name="one_review_of_a_unit_per_cycle",
            ),
        ]
        indexes = [
            models.Index(fields=["cycle", "unit"]),
            models.Index(fields=["cycle", "person"]),
            # The range of a cycle's subject ids, which bounds the join of their reviews on
            # the progress board (cycles.board.with_reviews).
            models.Index(fields=["cycle", "id"], name="subject_cycle_id_range"),
            # The lists the regulations name (remediation.lists): a few cycles' subjects of a
            # few tiers, by person — only the rated rows of those tiers are read.
            models.Index(
                fields=["cycle", "tier", "person"],
                name="subject_cycle_tier",
                condition=~Q(tier=""),
            ),
        ]

    def __str__(self) -> str:
        who = self.person.full_name if self.person_id else self.unit.name
        return f"{who} ({self.get_kind_display()})"

    @classmethod
    def owner_q(cls, person_id: int) -> Q:
        """A member sees their own subjects, the reports of the units they head and — as
        agency head, who rates them — the state-track subjects of the agency's staff."""
        return (
            Q(person_id=person_id)
            | Q(person__isnull=True, unit_id__in=cls._headed_units(person_id))
            | cls.agency_staff_q(person_id)
        )

    @classmethod
    def agency_staff_q(cls, person_id: int) -> Q:
        """The agency-head rule: on the state track the head of a unit rates the people
        reviewed there, never themself. The door shows them these subjects (``owner_q``) and
        ``cycles.policies`` lets them rate them."""
        return Q(
            track=Track.STATE, person__isnull=False, unit_id__in=cls._headed_units(person_id)
        ) & ~Q(person_id=person_id)

    @staticmethod
    def _headed_units(person_id: int):
        from django.apps import apps

        affiliation = apps.get_model("people", "Affiliation")
        return affiliation.objects.current().heads().filter(person_id=person_id).values("unit_id")


class PlaceDecision(models.Model):
    """The final tier of a person rated in several places of one cycle and track, chosen by the
    competent level (§16.9 C4, HD 21 procedure note 4): never computed (no min, no max).

    ``ratings`` keeps the places and tiers the choice was made on ({subject id: tier}); when
    a place is rated again differently, the choice no longer answers the conflict and the
    board shows it open again."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    track = models.CharField(_("track"), max_length=8, choices=Track.choices)
    tier = models.CharField(_("final tier"), max_length=8, choices=TierChoice.choices)
    reason = models.TextField(_("reason"))
    ratings = models.JSONField(_("ratings in the places"), default=dict)
    decided_at = models.DateTimeField(_("decided at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("choice between places")
        verbose_name_plural = _("choices between places")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "person", "track"], name="one_place_decision_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.tier}"


class TallyFields(models.Model):
    """What a count is of: subjects of one cycle, of one kind (and its track), status, tier and
    self-review status ("" for none written). Unit and cycle are plain numbers in the database
    (no foreign-key constraint): the rows are written by database triggers on the subjects and
    reviews tables, also while a cycle or a subject is being deleted (docs/reports.md)."""

    cycle = models.ForeignKey(
        ReviewCycle, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    unit = models.ForeignKey(
        "orgtree.Unit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kind = models.CharField(max_length=24)
    track = models.CharField(max_length=8)
    status = models.CharField(max_length=12)
    tier = models.CharField(max_length=8, blank=True)
    review = models.CharField(max_length=10, blank=True)

    KEY = ("kind", "track", "status", "tier", "review")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.tier} {self.review}: {self.n}"


class SubjectTally(TallyFields):
    """The folded summary: how many subjects of ``cycle`` in ``unit``'s whole subtree fall in
    one bucket. Written only by ``cycles.tallies.fold`` and ``rebuild``; read together with the
    deltas not yet folded (``cycles.tallies.rollup``)."""

    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "unit", "kind", "track", "status", "tier", "review"],
                name="one_tally_per_bucket",
            )
        ]


class TallyDelta(TallyFields):
    """A change not yet folded into ``SubjectTally``: +n or -n subjects of a bucket at the unit
    where they are reviewed. Appended by database triggers in the same transaction as every
    write of a subject or a self-review (so no writer can forget it, and no summary row is
    locked by a writer); folded and deleted by ``cycles.tallies.fold``."""

    id = models.BigAutoField(primary_key=True)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["cycle", "unit"], name="tally_delta_cycle_unit")]
