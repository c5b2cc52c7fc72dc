"""Planning the demo logins: who signs in as what, on which unit (``accounts``)."""

from __future__ import annotations

from kiemdiem.demo.plan.specs import HEAD, POSITION, PersonSpec

# username -> role (accounts.models.Role); the table printed at the end follows this order.
DEMO_USERS = ["admin", "tochuc", "quyetdinh", "bithu", "dangvien", "thanhtra", "tochucxa"]
DEMO_PASSWORD = "demo12345"


class LoginPlanner:
    """The demo logins (``self.plan.users``): plain members, the secretary of a village cell,
    the provincial organization head, kept out of statuses and transfers (``reserved``)."""

    def pick_demo_users(self) -> None:
        rng = self.rng
        root = self.plan.root
        communes = list(self.villages)
        commune = communes[-1]
        village = self.villages[commune][0]
        head = next(
            p
            for p in self.cells[village]
            for a in p.affiliations
            if a.unit == village and a.kind == POSITION and a.role == HEAD
        )

        def plain_in(cell: str) -> PersonSpec:
            candidates = [p for p in self.cells[cell] if self.plain(p)]
            spec = rng.choice(candidates)
            spec.reserved = True
            return spec

        org_head = self.province_leaders["org_head"]
        head.reserved = org_head.reserved = True
        self.plan.users = [
            {"username": "admin", "role": "admin", "unit": root, "person": None, "superuser": True},
            {
                "username": "tochuc",
                "role": "staff",
                "unit": root,
                "person": plain_in(self.province_cells["btc"]).key,
            },
            {"username": "quyetdinh", "role": "decider", "unit": root, "person": org_head.key},
            {"username": "bithu", "role": "secretary", "unit": village, "person": head.key},
            {
                "username": "dangvien",
                "role": "member",
                "unit": village,
                "person": plain_in(village).key,
            },
            {
                "username": "thanhtra",
                "role": "inspector",
                "unit": root,
                "person": plain_in(self.province_cells["ubkt"]).key,
            },
            {
                "username": "tochucxa",
                "role": "staff",
                "unit": commune,
                "person": plain_in(self.commune_cells[commune]["ddt"]).key,
            },
        ]
