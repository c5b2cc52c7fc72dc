"""The demo province: a realistic, deterministic party organization with its history.

``generate(scale=1.0, seed=2026, province="tuyen_quang")`` builds one province from the real
2025 administrative divisions shipped with the ``vietnam-provinces`` package:

* the provincial committee with its Executive and Standing committees, the committees of the
  provincial Party agencies and of the People's Committee (departments, a specialised upper
  secondary school, the provincial hospital), the People's Committee and its departments, the
  Fatherland Front and the mass organizations;
* one commune or ward committee per real commune/ward used (more communes as ``scale`` grows),
  each with its Standing committee, People's Committee and People's Council, Front, schools and
  health station, agency and village cells, and in some communes an enterprise committee with a
  sub-committee;
* people with Vietnamese names, posts (also concurrent ones), state employment, residence cells,
  statuses, transfers and cadre-management authority;
* history: the old district committees (2020 – 30/6/2025) that held the communes, the former
  "Đảng bộ Khối các cơ quan tỉnh" (until 1/2/2025), a town committee merged into its commune on
  1/7/2025. The package has no pre-2025 data, so the districts are grouped from consecutive
  communes (the package lists communes in the order of their old districts) and named after the
  first commune of each group.

It is built in two steps: ``demo.plan.Builder`` makes a pure-Python plan from a seeded
``random.Random`` (same seed ⇒ same plan), then ``demo.write.Writer`` applies it through the
services (``orgtree``, ``people.restructure``, ``people``, ``accounts``; the bulk of the people
through ``people.bulk``) in one transaction, as the system (actor ``None``), in date order so
that every restructuring sees the world as it was on its day. Then ``demo.review_cycles`` adds
last year's review cycle, closed, and this year's, half-way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Grant, Role
from kiemdiem.cycles.models import CycleStatus, ReviewCycle, SubjectStatus
from kiemdiem.demo.checks import tree_problems
from kiemdiem.demo.plan import Builder, build_plan
from kiemdiem.demo.plan.logins import DEMO_PASSWORD, DEMO_USERS
from kiemdiem.demo.plan.specs import (
    CELL,
    DEFAULT_PROVINCE,
    DEFAULT_SEED,
    EMPLOYMENT,
    POSITION,
    REFORM_DAY,
    RESIDENCE,
    Plan,
    add_years,
    find_province,
)
from kiemdiem.demo.review_cycles import load_cycles
from kiemdiem.demo.write import FastWriter, Writer
from kiemdiem.orgtree.models import KIND_GROUP, Unit, UnitGroup, UnitKind
from kiemdiem.people.models import Affiliation, MemberStatus, PartyMember, Person
from kiemdiem.reviews.models import ReviewStatus, SelfReview

__all__ = [  # what commands, tests and benchmarks use
    "DEFAULT_PROVINCE",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "REFORM_DAY",
    "Builder",
    "Result",
    "Writer",
    "add_years",
    "build_plan",
    "demo_logins",
    "find_province",
    "format_logins",
    "generate",
    "login_table",
    "summary",
]


@dataclass
class Result:
    plan: Plan
    units: int
    people: int
    members: int
    seconds: float
    problems: list[str]


def generate(
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    province: str | int = DEFAULT_PROVINCE,
    fast: bool = True,
    cycles: bool = True,
    progress: Callable[[str], None] = lambda _step: None,
) -> Result:
    """Build the demo province and write it in one transaction. Raises if the tree is broken.

    ``fast`` writes the persons, memberships and affiliations (``people.bulk``) and most reviews
    and ratings (``reviews.bulk``, ``decisions.bulk``) through the services' bulk paths;
    without it every row goes through the services one by one (about five times slower). ``cycles`` adds last year's
    closed review cycle and this year's running one (``demo.review_cycles``). ``progress`` is
    told each step as it starts (``load_demo`` prints them).
    """
    started = time.perf_counter()
    progress(_("Planning the province…"))
    plan = build_plan(scale=scale, seed=seed, province=province)
    with transaction.atomic():
        (FastWriter if fast else Writer)(plan, progress).write()
        progress(_("Checking the tree…"))
        problems = tree_problems()
        if problems:
            raise RuntimeError("demo tree is inconsistent: " + "; ".join(problems[:10]))
        if cycles:
            load_cycles(seed=seed, fast=fast, progress=progress)
    return Result(
        plan=plan,
        units=Unit.objects.count(),
        people=Person.objects.count(),
        members=PartyMember.objects.count(),
        seconds=time.perf_counter() - started,
        problems=problems,
    )


# --- reports -------------------------------------------------------------------------------


def summary() -> dict:
    """Counts of what is in the database now (current units and affiliations)."""
    by_kind = dict(
        Unit.objects.active().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    current = Affiliation.objects.current()
    return {
        "units_by_kind": [
            (str(UnitKind(k).label), by_kind[k]) for k in UnitKind.values if k in by_kind
        ],
        "units": sum(by_kind.values()),
        "dissolved_units": Unit.objects.filter(valid_to__isnull=False).count(),
        "people": Person.objects.count(),
        "members": current.filter(kind=CELL).count(),
        "probationary": PartyMember.objects.filter(official_on__isnull=True).count(),
        "exempt": MemberStatus.objects.filter(valid_to__isnull=True, status="exempt").count(),
        "suspended": MemberStatus.objects.filter(valid_to__isnull=True, status="suspended").count(),
        "collectives": sum(
            n for k, n in by_kind.items() if KIND_GROUP[UnitKind(k)] == UnitGroup.COLLECTIVE
        ),
        "collective_seats": current.filter(
            kind=POSITION,
            unit__kind__in=[k for k, g in KIND_GROUP.items() if g == UnitGroup.COLLECTIVE],
        ).count(),
        "state_staff": current.filter(kind=EMPLOYMENT).values("person").distinct().count(),
        "posts": current.filter(kind=POSITION).count(),
        "residence": current.filter(kind=RESIDENCE).count(),
        "cycles": cycle_summary(),
    }


def cycle_summary() -> list[dict]:
    """Per review cycle: its subjects, the reviews submitted and in progress, the ratings."""
    rows = []
    for cycle in ReviewCycle.objects.order_by("period_start", "code"):
        reviews = dict(
            SelfReview.objects.filter(subject__cycle=cycle)
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        rows.append(
            {
                "name": cycle.name,
                "status": str(CycleStatus(cycle.status).label),
                "subjects": cycle.subjects.count(),
                "submitted": reviews.get(ReviewStatus.SUBMITTED, 0),
                "in_progress": reviews.get(ReviewStatus.DRAFT, 0)
                + reviews.get(ReviewStatus.RETURNED, 0),
                "rated": cycle.subjects.filter(status=SubjectStatus.RATED).count(),
            }
        )
    return rows


def demo_logins() -> list[dict]:
    """The demo logins that exist: user name, password, role, scope and person."""
    grants = {
        g.user.username: g
        for g in Grant.objects.filter(user__username__in=DEMO_USERS).select_related(
            "user", "user__person", "unit"
        )
    }
    rows = []
    for username in DEMO_USERS:
        grant = grants.get(username)
        if grant is None:
            continue
        rows.append(
            {
                "username": username,
                "password": DEMO_PASSWORD,
                "role": str(Role(grant.role).label),
                "scope": grant.unit.name,
                "person": grant.user.person.full_name if grant.user.person else "",
            }
        )
    return rows


def format_logins(rows: list[dict] | None = None) -> str:
    """The login table as text, for the terminal."""
    rows = demo_logins() if rows is None else rows
    headers = [_("User name"), _("Password"), _("Role"), _("Scope"), _("Person")]
    table = [headers] + [
        [r["username"], r["password"], r["role"], r["scope"], r["person"]] for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def login_table() -> str:
    """The demo logins with a heading, as printed by ``load_demo`` and ``demo_logins``."""
    rows = demo_logins()
    if not rows:
        return _("No demo logins: load the demo with manage.py load_demo.")
    heading = _("Demo logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD}
    return f"{heading}\n{format_logins(rows)}"
