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
from kiemdiem.accounts.permissions import has_any
from kiemdiem.orgtree.policies import may_change_unit


def may_read(user) -> bool:
    """Whether the pages are for ``user`` at all: a grant that reads a subtree."""
    return user is not None and has_any(user, Action.VIEW)


def may_refresh(user, cycle) -> bool:
    return user is None or may_change_unit(user, cycle.root)
