"""Who may do what with the comparison and the signals. Services enforce it; views and the API
ask it.

* **Reading** — the signals and the comparison are read through the door: a signal by the
  unit it names, a holder of a post by the unit of the post (``restrict(…, Action.VIEW)``); a
  district's staff see their district's rows only. A member's own grant gives nothing here
  (the pages are for the levels that rate and oversee).
* **Computing the signals now** (they are also computed when decisions are recorded and
  nightly): whoever may change the unit that opened the cycle — its organization staff — and
  the system.
"""

from __future__ import annotations

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import ALL, has_any, scope_prefixes
from kiemdiem.orgtree.policies import may_change_unit


def may_read(user) -> bool:
    """Whether the pages are for ``user`` at all: a grant that reads a subtree."""
    return user is not None and has_any(user, Action.VIEW)


def may_read_whole_cycle(user, cycle) -> bool:
    """Whether the door lets ``user`` read every signal of ``cycle``: a grant at or above the
    unit that opened it (every signal names a unit of its subtree). No query."""
    prefixes = scope_prefixes(user, Action.VIEW)
    return prefixes == ALL or any(cycle.root.path.startswith(p) for p in prefixes)


def may_refresh(user, cycle) -> bool:
    return user is None or may_change_unit(user, cycle.root)
