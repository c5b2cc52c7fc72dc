"""Writing the demo logins through ``accounts.services``."""

from __future__ import annotations

from kiemdiem.accounts import services as accounts
from kiemdiem.demo.plan.logins import DEMO_PASSWORD


class AccountsWriter:
    """The demo logins and their grants, once the people exist."""

    def create_users(self) -> None:
        for row in self.plan.users:
            user = accounts.user_create(
                username=row["username"],
                password=DEMO_PASSWORD,
                person=self.persons[row["person"]] if row["person"] is not None else None,
                is_superuser=row.get("superuser", False),
                actor=None,
            )
            accounts.grant_add(
                user=user, role=row["role"], unit=self.refresh(row["unit"]), actor=None
            )
