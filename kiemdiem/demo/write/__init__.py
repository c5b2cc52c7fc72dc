"""Applying a plan: through the services, in date order, in one transaction, as the system
(actor ``None``), so that every restructuring sees the world as it was on its day. Split by
what it writes: the tree, the people and their history, the logins."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from kiemdiem.demo.plan.specs import Plan
from kiemdiem.demo.write.accounts import AccountsWriter
from kiemdiem.demo.write.people import BulkPeopleWriter, PeopleWriter
from kiemdiem.demo.write.tree import TreeWriter


class Writer(PeopleWriter, TreeWriter, AccountsWriter):
    """Every row through the services, one call each."""

    def __init__(self, plan: Plan, progress: Callable[[str], None] = lambda _step: None):
        self.plan = plan
        self.progress = progress
        self.units: dict = {}
        self.persons: dict = {}
        self.affiliations: dict = {}

    def write(self) -> None:
        self.progress(_("Writing %(count)s units…") % {"count": len(self.plan.units)})
        self.create_units()
        self.progress(_("Writing %(count)s people…") % {"count": len(self.plan.people)})
        self.create_people()
        self.progress(_("Replaying the history (transfers, restructuring of 2025)…"))
        self.run_timeline()
        self.create_users()


class FastWriter(BulkPeopleWriter, Writer):
    """The persons, memberships and affiliations through the people services' bulk paths;
    everything else as ``Writer``."""
