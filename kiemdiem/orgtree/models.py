"""Organization units and the tree they form, with its history.

The current tree is a materialized path on each unit (``Unit.path``): four base-36 characters
per level, so a subtree is one indexed prefix search and an insert touches one parent row.
Every placement of a unit in the tree is also kept as a dated ``UnitPlacement`` span, so the
tree as it stood on any past date (before the 2025 reorganization, say) can be rebuilt for
last year's reports. Units are only written through ``orgtree.services``.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kiemdiem.common.fields import PathField, SortKeyField

SEGMENT_LENGTH = 4  # characters of path per tree level
SEGMENT_BASE = 36  # digits 0-9 then A-Z: 1,679,616 children per parent


class UnitGroup(models.TextChoices):
    PARTY = "party", _("Party organization")
    COLLECTIVE = "collective", _("Leadership collective")
    STATE = "state", _("State agency or unit")
    MASS = "mass", _("Fatherland Front or mass organization")


class UnitKind(models.TextChoices):
    # Party committees and organizations
    PROVINCIAL_COMMITTEE = "dang_bo_tinh", _("Provincial party committee")
    COMMUNE_COMMITTEE = "dang_bo_xa", _("Commune or ward party committee")
    SUPERIOR_GRASSROOTS = "dang_bo_tren_co_so", _("Party committee above grassroots level")
    GRASSROOTS_COMMITTEE = "dang_bo_co_so", _("Grassroots party committee")
    PART_COMMITTEE = "dang_bo_bo_phan", _("Sub-grassroots party committee")
    GRASSROOTS_CELL = "chi_bo_co_so", _("Grassroots party cell")
    SUBORDINATE_CELL = "chi_bo_truc_thuoc", _("Subordinate party cell")
    # Leadership collectives
    EXECUTIVE_COMMITTEE = "ban_chap_hanh", _("Executive committee")
    STANDING_COMMITTEE = "ban_thuong_vu", _("Standing committee")
    PARTY_DELEGATION = "dang_doan", _("Party delegation")
    PARTY_CADRES_COMMITTEE = "ban_can_su", _("Party cadres committee")
    CELL_COMMITTEE = "chi_uy", _("Cell committee")
    LEADERSHIP_BOARD = "ban_lanh_dao", _("Leadership board of an agency or unit")
    # State
    STATE_AGENCY = "co_quan_hanh_chinh", _("State administrative agency")
    PUBLIC_SERVICE_UNIT = "don_vi_su_nghiep", _("Public service unit")
    # Front and mass organizations
    FATHERLAND_FRONT = "mat_tran", _("Fatherland Front committee")
    MASS_ORGANIZATION = "doan_the", _("Mass organization")


KIND_GROUP = {
    UnitKind.PROVINCIAL_COMMITTEE: UnitGroup.PARTY,
    UnitKind.COMMUNE_COMMITTEE: UnitGroup.PARTY,
    UnitKind.SUPERIOR_GRASSROOTS: UnitGroup.PARTY,
    UnitKind.GRASSROOTS_COMMITTEE: UnitGroup.PARTY,
    UnitKind.PART_COMMITTEE: UnitGroup.PARTY,
    UnitKind.GRASSROOTS_CELL: UnitGroup.PARTY,
    UnitKind.SUBORDINATE_CELL: UnitGroup.PARTY,
    UnitKind.EXECUTIVE_COMMITTEE: UnitGroup.COLLECTIVE,
    UnitKind.STANDING_COMMITTEE: UnitGroup.COLLECTIVE,
    UnitKind.PARTY_DELEGATION: UnitGroup.COLLECTIVE,
    UnitKind.PARTY_CADRES_COMMITTEE: UnitGroup.COLLECTIVE,
    UnitKind.CELL_COMMITTEE: UnitGroup.COLLECTIVE,
    UnitKind.LEADERSHIP_BOARD: UnitGroup.COLLECTIVE,
    UnitKind.STATE_AGENCY: UnitGroup.STATE,
    UnitKind.PUBLIC_SERVICE_UNIT: UnitGroup.STATE,
    UnitKind.FATHERLAND_FRONT: UnitGroup.MASS,
    UnitKind.MASS_ORGANIZATION: UnitGroup.MASS,
}


def ancestor_paths(path: str, *, include_self: bool = False) -> list[str]:
    """The paths of the units above ``path`` (and ``path`` itself if asked), top first."""
    end = len(path) + 1 if include_self else len(path)
    return [path[:i] for i in range(SEGMENT_LENGTH, end, SEGMENT_LENGTH)]


# Kinds where party members hold their party activity (sinh hoạt đảng).
CELL_KINDS = frozenset({UnitKind.GRASSROOTS_CELL, UnitKind.SUBORDINATE_CELL})


class UnitQuerySet(models.QuerySet):
    def active(self):
        return self.filter(valid_to__isnull=True)

    def subtree_of(self, unit, *, include_self=True):
        qs = self.filter(path__startswith=unit.path)
        return qs if include_self else qs.exclude(pk=unit.pk)


class Unit(models.Model):
    """An organization unit: a party committee or cell, a collective, an agency, a mass body."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = PathField(_("tree path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=1, editable=False)
    children_seq = models.PositiveIntegerField(default=0, editable=False)
    managed_by = models.ForeignKey(
        "self",
        verbose_name=_("rated by"),
        help_text=_("The unit whose committee decides this unit's rating, when not its parent."),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    valid_from = models.DateField(_("effective from"))
    valid_to = models.DateField(_("dissolved on"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )
    name_sort_key = SortKeyField(max_length=600, editable=False, db_index=True)
    search_text = models.CharField(max_length=400, editable=False, db_index=True)

    objects = UnitQuerySet.as_manager()

    # The permission door filters units by this path.
    scope_path_field = "path"

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "name_sort_key"])]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def owner_q(cls, person_id: int) -> Q:
        """A member sees the units they currently belong to."""
        from django.apps import apps

        affiliation = apps.get_model("people", "Affiliation")
        return Q(
            pk__in=affiliation.objects.filter(person_id=person_id, valid_to__isnull=True).values(
                "unit_id"
            )
        )

    @property
    def group(self) -> str:
        return KIND_GROUP[UnitKind(self.kind)]

    @property
    def is_cell(self) -> bool:
        return self.kind in CELL_KINDS

    @property
    def is_active(self) -> bool:
        return self.valid_to is None

    @property
    def deciding_unit(self):
        """Who rates this unit: an explicit authority, otherwise the parent."""
        return self.managed_by or self.parent


class UnitPlacement(models.Model):
    """Where a unit stood in the tree from ``valid_from`` until ``valid_to`` (exclusive)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="placements")
    parent = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    path = PathField(max_length=255)
    depth = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=255)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    scope_path_field = "unit__path"

    class Meta:
        verbose_name = pgettext_lazy("tree history", "placement")
        verbose_name_plural = pgettext_lazy("tree history", "placements")
        ordering = ["path", "valid_from"]
        indexes = [models.Index(fields=["path", "valid_from"])]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(valid_to__isnull=True),
                name="one_open_placement_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="placement_span_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.valid_from} – {self.valid_to or '…'}]"
