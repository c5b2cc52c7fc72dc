"""The register of discipline decisions and conclusions (docs/register.md).

Staff of the competent body enter what was decided or concluded about a person or a unit —
a discipline decision, a conclusion of degradation, of violating the things members must not
do or the duty to set an example, an inspection conclusion, corruption found and handled in a
unit — with the documents attached. The rating engine's adverse facts for a rated year come
from here (``selectors.adverse_facts``), never from the member's own form. An entry made by
mistake or quashed is annulled with a reason, never deleted: the ratings that read it can be
traced.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kiemdiem.common.attachments import AttachmentFields
from kiemdiem.people.models import Person
from kiemdiem.people.policies import homes_q


class EntryKind(models.TextChoices):
    DISCIPLINE = "discipline", _("Discipline decision")
    DEGRADATION = "degradation", _("Conclusion of degradation, self-evolution, self-transformation")
    PROHIBITIONS = "prohibitions", _("Conclusion of violating what members must not do")
    EXEMPLARY = "exemplary", _("Conclusion of breaching the duty to set an example")
    INSPECTION = "inspection", _("Inspection conclusion")
    CORRUPTION = "corruption", _("Corruption, waste or negativity found and handled")


class EntryTrack(models.TextChoices):
    """The two tracks an entry can bear on: the same codes as ``cycles.Track`` (the register
    sits below cycles and cannot import it)."""

    PARTY = "party", _("Party")
    STATE = "state", _("State")


class DisciplineForm(models.TextChoices):
    """Party forms of QĐ 69 (regulations.md §9) and the state forms of the law on cadres and
    civil servants; which apply to whom is ``FORMS_FOR``."""

    KHIEN_TRACH = "KHIEN_TRACH", _("Reprimand (khiển trách)")
    CANH_CAO = "CANH_CAO", _("Warning (cảnh cáo)")
    CACH_CHUC = "CACH_CHUC", _("Dismissal from post (cách chức)")
    KHAI_TRU = "KHAI_TRU", _("Expulsion (khai trừ)")
    GIAI_TAN = "GIAI_TAN", _("Dissolution (giải tán)")
    HA_BAC_LUONG = "HA_BAC_LUONG", _("Salary grade lowered (hạ bậc lương)")
    GIANG_CHUC = "GIANG_CHUC", _("Demotion (giáng chức)")
    BUOC_THOI_VIEC = "BUOC_THOI_VIEC", _("Dismissal (buộc thôi việc)")


F = DisciplineForm
# Who may receive which form (regulations.md §9; the civil-service law for the state track).
FORMS_FOR = {
    ("party", "official"): (F.KHIEN_TRACH, F.CANH_CAO, F.CACH_CHUC, F.KHAI_TRU),
    ("party", "probationary"): (F.KHIEN_TRACH, F.CANH_CAO),
    ("party", "unit"): (F.KHIEN_TRACH, F.CANH_CAO, F.GIAI_TAN),
    ("state", "person"): (
        F.KHIEN_TRACH,
        F.CANH_CAO,
        F.HA_BAC_LUONG,
        F.GIANG_CHUC,
        F.CACH_CHUC,
        F.BUOC_THOI_VIEC,
    ),
    ("state", "unit"): (),
}


class RegisterEntryQuerySet(models.QuerySet):
    def active(self):
        return self.filter(annulled_at__isnull=True)


class RegisterEntry(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    # Exactly one of the two: a person, or a unit (an organization, an agency, a collective).
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="register_entries",
    )
    unit = models.ForeignKey(
        "orgtree.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="register_entries",
    )
    track = models.CharField(_("track"), max_length=8, choices=EntryTrack.choices)
    discipline_form = models.CharField(
        _("form of discipline"), max_length=16, choices=DisciplineForm.choices, blank=True
    )
    decided_on = models.DateField(_("date of the decision or conclusion"))
    issuing_body = models.CharField(_("issued by"), max_length=255)
    document_number = models.CharField(_("document number"), max_length=80, blank=True)
    # The year the violation counts for ("năm vi phạm").
    year = models.PositiveSmallIntegerField(_("year of the violation"))
    # The rated year whose rating already counted it, when another than ``year``: one
    # violation counts once (regulations.md §9, §16).
    counted_in_year = models.PositiveSmallIntegerField(
        _("already counted in the rating of"), null=True, blank=True
    )
    self_detected_and_remedied = models.BooleanField(
        _("self-detected and fully remedied"), default=False
    )
    duty_related = models.BooleanField(_("related to carrying out duties"), default=False)
    summary = models.TextField(_("summary"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    annulled_at = models.DateTimeField(_("annulled at"), null=True, blank=True)
    annulled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    annul_reason = models.TextField(_("why it was annulled"), blank=True)

    objects = RegisterEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")
        ordering = ["-decided_on", "-pk"]
        indexes = [
            models.Index(fields=["person", "year"]),
            models.Index(fields=["unit", "year"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, unit__isnull=True)
                | Q(person__isnull=True, unit__isnull=False),
                name="register_entry_person_xor_unit",
            ),
            models.CheckConstraint(
                condition=Q(kind="discipline", discipline_form__gt="")
                | (~Q(kind="discipline") & Q(discipline_form="")),
                name="register_entry_form_iff_discipline",
            ),
        ]

    def __str__(self) -> str:
        who = self.person if self.person_id else self.unit
        what = (
            self.get_discipline_form_display() if self.discipline_form else self.get_kind_display()
        )
        number = f" {self.document_number}" if self.document_number else ""
        return f"{who} — {what}{number} ({self.year})"

    @property
    def annulled(self) -> bool:
        return self.annulled_at is not None

    @classmethod
    def scope_q(cls, prefixes: list[str]) -> Q:
        """Entries about a person with a home in the subtrees (the rule for personal fields,
        ``people.policies``), or about a unit inside them."""
        q = Q(person__in=Person.objects.filter(homes_q(prefixes)))
        for prefix in prefixes:
            q |= Q(unit__path__startswith=prefix)
        return q

    @classmethod
    def owner_q(cls, person_id: int) -> Q:
        return Q(person_id=person_id)


class RegisterFile(AttachmentFields):
    entry = models.ForeignKey(RegisterEntry, on_delete=models.CASCADE, related_name="files")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
