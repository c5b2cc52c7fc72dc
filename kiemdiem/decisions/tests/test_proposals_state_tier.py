"""The proposals page shows a member's state rating only to whom may see it: through the
permission door (a grant over the agency), or — the decided tier only — to the advisory body
of the member's party rating (regulations.md §6 step 5: it collects the CBCCVC rating)."""

import pytest

from kiemdiem.accounts import services as accounts
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject
from kiemdiem.decisions import finalizing, selectors
from kiemdiem.decisions.tests.test_screen import submitted
from kiemdiem.testing import employ, open_annual

pytestmark = pytest.mark.django_db


def _row(user, cycle, province):
    rows = selectors.proposal_rows(user, cycle, province.cell_a1)
    return next(r for r in rows if r.subject.person_id == province.members["binh"].pk)


def test_a_cell_secretary_without_rights_on_the_agency_sees_only_the_decided_state_tier(
    province,
):
    employ(province.members["binh"], province.agency, title="Chuyên viên")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    state = Subject.objects.get(cycle=cycle, person=province.members["binh"], track="state")
    secretary = province.users["secretary"]  # An: secretary of cell A1, nothing on UBND xã
    onlooker = accounts.user_create(username="xem", password="pass12345!", actor=None)
    accounts.grant_add(user=onlooker, role="inspector", unit=province.cell_a1, actor=None)
    # pending at the agency: nothing of it shows to the cell (the agency's own business)
    assert _row(secretary, cycle, province).state_subject is None
    # the agency's staff see it through the door, pending as it is
    assert _row(province.users["staff_a"], cycle, province).state_subject == state
    submitted(state)
    finalizing.finalize(cycle=cycle, rows={state.pk: "HTTNV"}, actor=None)
    # decided: the cell's advisory body reads the tier it proposes against
    shown = _row(secretary, cycle, province).state_subject
    assert shown is not None and shown.tier == "HTTNV"
    # someone who sees the cell but proposes nothing there and has no right on the agency: no
    assert _row(onlooker, cycle, province).state_subject is None
