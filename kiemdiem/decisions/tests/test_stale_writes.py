"""A write decides on what it locked, not on what it read before: a rating re-opened between
the decider's first read and the row lock still needs its reason."""

import pytest
from django.core.exceptions import ValidationError

from kiemdiem.cycles import subjects
from kiemdiem.decisions import quotas, services
from kiemdiem.decisions.models import Decision, DecisionState
from kiemdiem.decisions.tests.test_notices import decided, member
from kiemdiem.testing import open_annual

pytestmark = pytest.mark.django_db


def test_a_rating_reopened_between_the_read_and_the_lock_still_needs_its_reason(
    province, monkeypatch
):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    binh = member(cycle, province)
    decided(binh, "HTTNV")
    # A decider starts a plain decision (the first read: not re-opened, so no reason asked);
    # meanwhile someone re-opens the rating — between that read and the row lock.
    real = quotas.decided_already

    def reopened_meanwhile(subject):
        if Decision.objects.get(subject=subject).state != DecisionState.CONTESTED:
            services.reopen(subject=subject, reason="Khiếu nại", actor=None, source="complaint")
        return real(subject)

    monkeypatch.setattr(quotas, "decided_already", reopened_meanwhile)
    with pytest.raises(ValidationError) as refused:
        services.decide(subject=binh, tier="HTNV", reason="", actor=None)
    assert "reason" in refused.value.message_dict
    decision = Decision.objects.get(subject=binh)
    # nothing decided (the simulated re-opening ran inside the refused transaction, so it is
    # rolled back with it)
    assert (decision.state, decision.tier) == (DecisionState.DECIDED, "HTTNV")
    assert not decision.events.filter(state=DecisionState.REDECIDED).exists()
