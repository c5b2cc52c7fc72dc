"""Publishing a decided list within a scope for a period, and withdrawing it (regulations.md
§6 step 9: "public within scope"; §3.7: "results notified and published internally").

A publication is a snapshot: its ``PublicationRow`` rows hold, for each notified result of
the unit's subtree (notify first, then publish: HD 21), only the name (a person's full name, or nothing for a unit), the kind, the unit and the tier —
never a birth date or anything else personal — so what people saw stays on record when a tier
is later decided again. Who sees it (``published_to``):

* ``Audience.MEMBERS`` of a unit: the people with a current affiliation at that unit (its
  cell's members, the organization's or agency's own people), and the users with a grant on
  exactly that unit;
* ``Audience.SUBTREE`` of a level: the same for the level and every unit below it;

only between ``starts_on`` and ``ends_on`` and until it is withdrawn. Publishing and
withdrawing are the deciding level's (``policies.may_publish``: ``change`` or ``decide`` on the
unit, and on the audience's unit), audited with what, to whom, when and who.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Grant
from kiemdiem.audit.services import log_action
from kiemdiem.common.dates import today
from kiemdiem.common.vietnamese import fold_diacritics, nfc_text
from kiemdiem.cycles.models import ReviewCycle, Subject, Track
from kiemdiem.decisions import policies
from kiemdiem.decisions.models import (
    Audience,
    Decision,
    DecisionEvent,
    DecisionState,
    Publication,
    PublicationRow,
)
from kiemdiem.decisions.services import MAX_REASON
from kiemdiem.orgtree.models import KIND_GROUP, Unit, UnitGroup, ancestor_paths
from kiemdiem.people.models import Affiliation

MAX_DAYS = 366  # a publication runs for a period, not for ever


# What a list shows: results the subject has been told (HD 21: notify, then publish).
PUBLISHABLE = (DecisionState.NOTIFIED, DecisionState.PUBLISHED)
BATCH = 2_000  # rows written per statement when a list is published
PAGE = 50  # rows shown per page


def _in_list(cycle: ReviewCycle, unit: Unit, states) -> QuerySet:
    subjects = Subject.objects.filter(
        cycle=cycle, unit__path__startswith=unit.path, decision__state__in=states
    )
    if KIND_GROUP.get(unit.kind) == UnitGroup.STATE:
        return subjects.filter(track=Track.STATE)
    return subjects.exclude(track=Track.STATE)


def listed(cycle: ReviewCycle, unit: Unit) -> QuerySet:
    """The subjects of ``unit``'s subtree a list of ``unit`` holds: those whose decided result
    was notified to them (``notified``, or already ``published`` in an earlier list). A state
    agency's list is its civil servants' state ratings; a party or mass unit's list never
    carries the state ratings of the civil servants in its subtree (the agency's to publish).
    A result decided (or decided again) but not yet notified is left out until it is told."""
    return _in_list(cycle, unit, PUBLISHABLE)


def not_notified(cycle: ReviewCycle, unit: Unit) -> QuerySet:
    """The decided results of the same scope that a list would leave out: not yet notified."""
    return _in_list(cycle, unit, (DecisionState.DECIDED, DecisionState.REDECIDED))


def _snapshot_rows(publication: Publication, cycle: ReviewCycle, unit: Unit) -> int:
    """Write the list as it is now (name, kind, unit, tier; nothing else personal), in a
    stable order, ``BATCH`` rows per statement. Returns how many."""
    values = (
        listed(cycle, unit)
        .order_by("unit__path", "kind", "person__sort_key", "pk")
        .values_list("pk", "person__full_name", "kind", "unit__name", "decision__tier")
    )
    count = 0
    batch: list[PublicationRow] = []
    for pk, name, kind, unit_name, tier in values.iterator(chunk_size=BATCH):
        batch.append(
            PublicationRow(
                publication=publication,
                position=count,
                subject_id=pk,
                name=name or "",
                name_key=fold_diacritics(name or "")[:255],
                kind=kind,
                unit=unit_name,
                tier=tier,
            )
        )
        count += 1
        if len(batch) == BATCH:
            PublicationRow.objects.bulk_create(batch)
            batch = []
    PublicationRow.objects.bulk_create(batch)
    return count


@transaction.atomic
def publish(
    *,
    cycle: ReviewCycle,
    unit: Unit,
    audience: str,
    audience_unit: Unit | None = None,
    starts_on: datetime.date,
    ends_on: datetime.date,
    title: str = "",
    actor,
) -> Publication:
    """Publish the notified results of ``unit``'s subtree in ``cycle`` to ``audience`` of
    ``audience_unit`` (default: ``unit``) from ``starts_on`` to ``ends_on``. A result not yet
    notified is left out (``not_notified``: the page says how many); nothing notified at all
    is refused. The notified decisions listed move to ``published``. Lock order: the
    decisions listed, by id, then the snapshot is read."""
    audience_unit = audience_unit or unit
    policies.check(policies.may_publish(actor, unit, audience_unit))
    if audience not in Audience.values:
        raise ValidationError({"audience": _("Choose who the list is shown to.")})
    if not (audience_unit.path.startswith(unit.path) or unit.path.startswith(audience_unit.path)):
        raise ValidationError(
            {"audience_unit": _("Show the list within the unit's own line of the tree.")}
        )
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end date is before the start date.")})
    if (ends_on - starts_on).days > MAX_DAYS:
        raise ValidationError({"ends_on": _("A list is published for at most a year.")})
    if ends_on < today():
        raise ValidationError({"ends_on": _("The end date has already passed.")})
    title = nfc_text(title or "").strip()[:255] or _("Rating results of %(unit)s — %(cycle)s") % {
        "unit": unit.name,
        "cycle": cycle.name,
    }
    # Lock what the list holds first, so no re-opening slips between the snapshot and the move.
    decisions = list(
        Decision.objects.select_for_update()
        .filter(subject__in=listed(cycle, unit).values("pk"))
        .order_by("pk")
        .values_list("pk", "state", "tier")
    )
    if not decisions:
        if not_notified(cycle, unit).exists():
            raise ValidationError(
                _(
                    "No result here has been notified yet: send the result notices first, "
                    "then publish (a result is published only after its subject was told)."
                )
            )
        raise ValidationError(
            _("Nothing is decided in this unit yet; there is nothing to publish.")
        )
    now = timezone.now()
    publication = Publication.objects.create(
        cycle=cycle,
        unit=unit,
        title=title,
        audience=audience,
        audience_unit=audience_unit,
        starts_on=starts_on,
        ends_on=ends_on,
        published_at=now,
        published_by=actor if getattr(actor, "pk", None) else None,
    )
    publication.row_count = _snapshot_rows(publication, cycle, unit)
    publication.save(update_fields=["row_count"])
    moving = [(pk, tier) for pk, state, tier in decisions if state == DecisionState.NOTIFIED]
    for start in range(0, len(moving), BATCH):
        Decision.objects.filter(pk__in=[pk for pk, _t in moving[start : start + BATCH]]).update(
            state=DecisionState.PUBLISHED, revision=F("revision") + 1, updated_at=now
        )
    DecisionEvent.objects.bulk_create(
        (
            DecisionEvent(
                decision_id=pk,
                state=DecisionState.PUBLISHED,
                tier=tier,
                data={"publication": publication.pk},
                actor=actor if getattr(actor, "pk", None) else None,
                at=now,
            )
            for pk, tier in moving
        ),
        batch_size=BATCH,
    )
    log_action(
        "publication.published",
        actor=actor,
        target=publication,
        unit=unit,
        data={
            "title": title,
            "audience": audience,
            "audience_unit": audience_unit.name,
            "period": f"{starts_on:%d/%m/%Y} – {ends_on:%d/%m/%Y}",
            "rows": publication.row_count,
        },
    )
    return publication


def rows_of(publication: Publication, search: str = "") -> QuerySet:
    """The rows of a published list in their published order, those whose name holds
    ``search`` (diacritics and case ignored) when given. Read a page at a time."""
    rows = PublicationRow.objects.filter(publication=publication)
    key = fold_diacritics(nfc_text(search or "").strip())[:100]
    if key:
        rows = rows.filter(name_key__contains=key)
    return rows.order_by("position")


@transaction.atomic
def withdraw(*, publication: Publication, reason: str, actor) -> Publication:
    """Withdraw a publication before its end, with the reason; it is shown to nobody after."""
    policies.check(policies.may_withdraw(actor, publication))
    reason = nfc_text(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Write the reason.")})
    if len(reason) > MAX_REASON:
        raise ValidationError(
            {"reason": _("At most %(limit)s characters.") % {"limit": MAX_REASON}}
        )
    publication = Publication.objects.select_for_update().get(pk=publication.pk)
    if publication.withdrawn_at is not None:
        raise ValidationError(_("This list has already been withdrawn."))
    publication.withdrawn_at = timezone.now()
    publication.withdrawn_by = actor if getattr(actor, "pk", None) else None
    publication.withdraw_reason = reason
    publication.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    log_action(
        "publication.withdrawn",
        actor=actor,
        target=publication,
        unit=publication.unit,
        data={"title": publication.title, "reason": reason},
    )
    return publication


# --- Reading -----------------------------------------------------------------------------


def _audience_q(paths: set[str]) -> Q:
    """Publications whose audience includes a place at one of ``paths``."""
    if not paths:
        return Q(pk__in=[])
    q = Q(audience=Audience.MEMBERS, audience_unit__path__in=paths)
    # SUBTREE: the audience unit is the place or one above it.
    prefixes = {above for path in paths for above in ancestor_paths(path, include_self=True)}
    return q | Q(audience=Audience.SUBTREE, audience_unit__path__in=prefixes)


def my_places(user) -> set[str]:
    """The paths of the units ``user`` stands in: their current affiliations and their
    grants' own units."""
    if user is None or not user.is_authenticated:
        return set()
    paths = set(
        Grant.objects.filter(user=user, unit__valid_to__isnull=True).values_list(
            "unit__path", flat=True
        )
    )
    if user.person_id:
        paths |= set(
            Affiliation.objects.current()
            .filter(person_id=user.person_id)
            .values_list("unit__path", flat=True)
        )
    return paths


def published_to(user, day: datetime.date | None = None) -> QuerySet:
    """What is published to ``user`` today: in its period, not withdrawn, their audience."""
    day = day or today()
    return (
        Publication.objects.filter(
            _audience_q(my_places(user)),
            withdrawn_at__isnull=True,
            starts_on__lte=day,
            ends_on__gte=day,
        )
        .select_related("cycle", "unit", "audience_unit")
        .order_by("-starts_on", "-pk")
    )


def manageable(user) -> QuerySet:
    """The publications ``user`` may withdraw (their deciding level's), newest first."""
    qs = Publication.objects.select_related("cycle", "unit", "audience_unit").order_by(
        "-published_at", "-pk"
    )
    return qs.filter(policies.publications_managed_q(user))
