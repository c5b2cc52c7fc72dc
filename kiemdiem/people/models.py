"""People, their party membership and every place they belong to.

Everywhere a person belongs is one dated ``Affiliation`` to a unit: their party cell, their
residence cell, each post (including concurrent posts and seats in leadership collectives)
and each state employment. One table keeps "who is where on a given date" a single query and
lets the permission door decide who may see a person with one subtree filter.
"""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kiemdiem.common.dates import today, valid_on
from kiemdiem.common.fields import SortKeyField


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class PersonQuerySet(models.QuerySet):
    def ordered(self):
        return self.order_by("sort_key", "pk")


class Person(models.Model):
    """A person with a Vietnamese name: family (họ), middle (tên đệm), given (tên)."""

    family_name = models.CharField(_("family name"), max_length=60)
    middle_name = models.CharField(_("middle name"), max_length=80, blank=True)
    given_name = models.CharField(_("given name"), max_length=60)
    full_name = models.CharField(_("full name"), max_length=255, editable=False)
    sort_key = SortKeyField(max_length=800, editable=False, db_index=True)
    search_text = models.CharField(max_length=300, editable=False, db_index=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=40, default="Kinh", blank=True)
    citizen_id = models.CharField(
        _("citizen ID"), max_length=12, null=True, blank=True, unique=True
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["sort_key", "pk"]

    def __str__(self) -> str:
        return self.full_name

    @classmethod
    def scope_q(cls, prefixes: list[str]) -> Q:
        """People with a current affiliation inside any of the subtrees ``prefixes``."""
        in_scope = Q()
        for prefix in prefixes:
            in_scope |= Q(unit__path__startswith=prefix)
        return Q(
            Exists(
                Affiliation.objects.filter(in_scope, person=OuterRef("pk"), valid_to__isnull=True)
            )
        )

    @classmethod
    def owner_q(cls, person_id: int) -> Q:
        return Q(pk=person_id)


class Occupation(models.TextChoices):
    """What a member does; decides e.g. Mẫu 2C for members outside the political system.

    Codes follow docs/architecture.md "Stored codes": English, except ``cbccvc``, the
    abbreviation the regulations use (and the rule packs' ``is_cbccvc``).
    """

    CIVIL_SERVICE = "cbccvc", _("Cadre, civil servant or public employee")
    ARMED_FORCES = "armed_forces", _("Armed forces")
    ENTERPRISE = "enterprise", _("Enterprise employee")
    FARMER = "farmer", _("Farmer")
    STUDENT = "student", _("Student")
    RETIRED = "retired", _("Retired")
    OTHER = "other", _("Other")


# Occupation codes before the convention (people/0003): still accepted on import, and read in
# audit entries written before the change.
FORMER_OCCUPATION_CODES = {
    "llvt": Occupation.ARMED_FORCES,
    "doanh_nghiep": Occupation.ENTERPRISE,
    "nong_dan": Occupation.FARMER,
    "hoc_sinh": Occupation.STUDENT,
    "huu_tri": Occupation.RETIRED,
    "khac": Occupation.OTHER,
}


# Occupations outside the political system (Mẫu 2C, HD 43).
OUTSIDE_POLITICAL_SYSTEM = frozenset(
    {
        Occupation.ENTERPRISE,
        Occupation.FARMER,
        Occupation.STUDENT,
        Occupation.RETIRED,
        Occupation.OTHER,
    }
)


class PartyMember(models.Model):
    """A person's party membership: card, admission and the date they became official."""

    person = models.OneToOneField(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="membership"
    )
    card_number = models.CharField(
        _("party card number"), max_length=20, null=True, blank=True, unique=True
    )
    admitted_on = models.DateField(_("admitted on"))
    official_on = models.DateField(_("official member since"), null=True, blank=True)
    occupation = models.CharField(
        _("occupation"), max_length=20, choices=Occupation.choices, default=Occupation.CIVIL_SERVICE
    )

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")

    def __str__(self) -> str:
        return str(self.person)

    @classmethod
    def scope_q(cls, prefixes: list[str]) -> Q:
        return Q(person__in=Person.objects.filter(Person.scope_q(prefixes)))

    @classmethod
    def owner_q(cls, person_id: int) -> Q:
        return Q(person_id=person_id)

    def is_probationary(self, day=None) -> bool:
        day = day or today()
        return self.official_on is None or self.official_on > day

    @property
    def in_political_system(self) -> bool:
        return self.occupation not in OUTSIDE_POLITICAL_SYSTEM

    def status_on(self, day=None) -> "MemberStatus | None":
        day = day or today()
        return self.statuses.filter(valid_on(day)).order_by("-valid_from").first()


class MemberStatusKind(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXEMPT = "exempt", _("Exempt from party work and activity")
    SUSPENDED = "suspended", _("Party activity suspended")


class MemberStatus(models.Model):
    """A dated span of a member's activity status. Exempt and suspended members are not rated."""

    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="statuses")
    status = models.CharField(_("status"), max_length=20, choices=MemberStatusKind.choices)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason or decision"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("membership status")
        verbose_name_plural = _("membership statuses")
        ordering = ["member", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(valid_to__isnull=True), name="one_open_status"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.valid_from:%d/%m/%Y})"


class AffiliationKind(models.TextChoices):
    CELL = "cell", _("Party cell (where the member is active)")
    RESIDENCE = "residence", _("Residence party cell")
    POSITION = "position", _("Post")
    EMPLOYMENT = "employment", _("State employment")


class PostRole(models.TextChoices):
    HEAD = "head", pgettext_lazy("post role", "Head")
    DEPUTY = "deputy", pgettext_lazy("post role", "Deputy")
    MEMBER = "member", pgettext_lazy("post role", "Member of the collective")


class StateCategory(models.TextChoices):
    CADRE = "can_bo", _("Cadre (cán bộ)")
    CIVIL_SERVANT = "cong_chuc", _("Civil servant (công chức)")
    PUBLIC_EMPLOYEE = "vien_chuc", _("Public employee (viên chức)")
    CONTRACT = "hop_dong", _("Contract worker")


class ResidenceExemption(models.TextChoices):
    """HD 33 §1.1: no yearly residence opinion, only when needed."""

    NONE = "", _("Not exempt")
    BARRACKS = "barracks", _("Army or police living in barracks")
    TRAVELS = "travels", _("Often works away from home")
    STUDY = "study", _("Full-year study away")
    STUDENT = "student", _("Student studying far away")


class AffiliationQuerySet(models.QuerySet):
    def current(self):
        return self.filter(valid_to__isnull=True)

    def on(self, day):
        return self.filter(valid_on(day))

    def heads(self):
        """The head posts (the head of a unit writes its report and, in an agency, rates)."""
        return self.filter(kind=AffiliationKind.POSITION, role=PostRole.HEAD)


class Affiliation(models.Model):
    """A person belongs to a unit from ``valid_from`` until ``valid_to`` (exclusive)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="affiliations"
    )
    unit = models.ForeignKey(
        "orgtree.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="affiliations",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AffiliationKind.choices)
    title = models.CharField(_("title"), max_length=160, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=PostRole.choices, blank=True)
    concurrent = models.BooleanField(_("concurrent post (kiêm nhiệm)"), default=False)
    state_category = models.CharField(
        _("state category"), max_length=20, choices=StateCategory.choices, blank=True
    )
    residence_exemption = models.CharField(
        _("residence opinion exemption"),
        max_length=20,
        choices=ResidenceExemption.choices,
        blank=True,
        default="",
    )
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    objects = AffiliationQuerySet.as_manager()
    scope_path_field = "unit__path"

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["valid_from", "pk"]
        indexes = [
            models.Index(fields=["unit", "kind", "valid_to"]),
            models.Index(fields=["person", "kind", "valid_to"]),
        ]
        constraints = [
            # A member is active in one party cell at a time.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(kind="cell", valid_to__isnull=True),
                name="one_current_cell_per_person",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(kind="residence", valid_to__isnull=True),
                name="one_current_residence_per_person",
            ),
            # A unit has one head at a time.
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(kind="position", role="head", valid_to__isnull=True),
                name="one_current_head_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="affiliation_span_not_empty",
            ),
        ]

    def __str__(self) -> str:
        label = self.title or self.get_kind_display()
        return f"{self.person} — {label} — {self.unit}"

    @classmethod
    def owner_q(cls, person_id: int) -> Q:
        return Q(person_id=person_id)


class CadreAuthority(models.Model):
    """Who decides for whom: the collective that manages a cadre (QĐ 377 decentralization).

    It is not always the parent unit: a commune party secretary, for example, is managed by
    the provincial standing committee.
    """

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="authorities"
    )
    authority = models.ForeignKey(
        "orgtree.Unit",
        verbose_name=_("managing collective"),
        on_delete=models.PROTECT,
        related_name="managed_cadres",
    )
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("basis"), max_length=255, blank=True)

    scope_path_field = "authority__path"

    class Meta:
        verbose_name = _("cadre-management authority")
        verbose_name_plural = _("cadre-management authorities")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(valid_to__isnull=True),
                name="one_current_authority_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ← {self.authority}"
