import pytest

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject
from kiemdiem.testing import open_annual


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def rate(cycle, *, unit=None, person=None, tier="HTTNV", **extra):
    rows = Subject.objects.filter(cycle=cycle)
    rows = rows.filter(person=person) if person is not None else rows.filter(person__isnull=True)
    if unit is not None:
        rows = rows.filter(unit=unit)
    assert rows.update(tier=tier, status="rated", **extra) >= 1
