"""Reads about cycles. Everything passes the permission door."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles.models import ReviewCycle, Subject, SubjectKind, Track
from kiemdiem.orgtree.models import SEGMENT_LENGTH, UnitGroup


def cycle_list(user) -> QuerySet:
    """Cycles opened at or above a unit the user sees, or below it."""
    return restrict(ReviewCycle.objects.select_related("root"), user, "view")


def subject_list(user, cycle: ReviewCycle) -> QuerySet:
    return restrict(cycle.subjects.select_related("person", "unit"), user, "view")


def prerequisites(subject: Subject) -> QuerySet:
    """The subjects that must be rated before this one, as the rules order them:

    * the state rating of a person before their party-member rating (HD 21, NĐ 90 Art. 20);
    * a leadership collective before its members (HD 21 §3.7);
    * a unit before its head;
    * lower party organizations before higher ones.
    """
    cycle_subjects = Subject.objects.filter(cycle_id=subject.cycle_id)
    wanted = Q(pk__in=[])
    if subject.person_id and subject.track == Track.PARTY:
        wanted |= Q(person_id=subject.person_id, track=Track.STATE)
    if subject.person_id and subject.unit.group == UnitGroup.COLLECTIVE:
        wanted |= Q(unit_id=subject.unit_id, kind=SubjectKind.COLLECTIVE)
    if subject.kind == SubjectKind.HEAD:
        wanted |= Q(unit_id=subject.unit_id, person__isnull=True)
    if subject.kind == SubjectKind.PARTY_ORG:
        depth = len(subject.unit.path) // SEGMENT_LENGTH
        wanted |= Q(
            kind=SubjectKind.PARTY_ORG,
            unit__path__startswith=subject.unit.path,
            unit__depth=depth + 1,
        )
    return cycle_subjects.filter(wanted).exclude(pk=subject.pk)
