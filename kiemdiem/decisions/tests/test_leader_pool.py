"""A leader's quota pool is one, and the same where the screen counts it and where a decision
locks it: the authority that decides for them (``CadreAuthority``), else the unit they lead."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.decisions import quotas
from kiemdiem.decisions import screen as screens
from kiemdiem.people import services as people
from kiemdiem.people.models import CadreAuthority
from kiemdiem.testing import open_annual

pytestmark = pytest.mark.django_db


def _pools_counting(cycle, subject, units):
    """The (group, unit) scopes whose screen counts ``subject`` among the leaders."""
    return {
        unit.code
        for unit in units
        if Subject.objects.filter(
            screens.group_q("leaders", unit), cycle=cycle, pk=subject.pk
        ).exists()
    }


def test_the_screen_counts_a_leader_in_the_pool_the_lock_takes(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    an = province.members["an"]
    leader = subjects.subject_add(
        cycle=cycle,
        kind=SubjectKind.LEADER,
        unit=province.commune_b,
        person=an,
        reason="Kiêm nhiệm",
        actor=None,
    )
    units = [province.province, province.commune_a, province.commune_b, province.standing]
    # no authority: the unit led
    assert quotas.instance_scope(leader, {}) == ("leaders", province.commune_b)
    assert _pools_counting(cycle, leader, units) == {"B"}
    # managed by the standing committee, later moved to commune A's committee: the one in force
    people.authority_assign(
        person=an, authority=province.standing, valid_from=datetime.date(2021, 1, 1), actor=None
    )
    assert quotas.instance_scope(leader, {}) == ("leaders", province.standing)
    assert _pools_counting(cycle, leader, units) == {"PBTV"}
    people.authority_assign(
        person=an, authority=province.commune_a, valid_from=datetime.date(2024, 1, 1), actor=None
    )
    group, unit = quotas.instance_scope(leader, {})
    assert _pools_counting(cycle, leader, units) == {unit.code} == {"A"}
    # two authorities in force at once cannot be recorded: the pool can never be ambiguous
    with pytest.raises(IntegrityError), transaction.atomic():
        CadreAuthority.objects.create(
            person=an, authority=province.standing, valid_from=datetime.date(2025, 1, 1)
        )
