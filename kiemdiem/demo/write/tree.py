"""Writing the plan's units and restructuring through ``orgtree.services`` and
``people.restructure``, one call each: a province has only hundreds of units."""

from __future__ import annotations

from kiemdiem.demo.plan.specs import Op
from kiemdiem.orgtree import services as tree
from kiemdiem.people import restructure


class TreeWriter:
    """Units by code (``self.units``), kept fresh as restructuring changes them."""

    def create_units(self) -> None:
        for spec in self.plan.units.values():
            self.units[spec.code] = tree.unit_create(
                code=spec.code,
                name=spec.name,
                short_name=spec.short_name,
                kind=spec.kind,
                parent=self.units[spec.parent] if spec.parent else None,
                valid_from=spec.valid_from,
                managed_by=self.units[spec.managed_by] if spec.managed_by else None,
                actor=None,
            )

    def run_op(self, op: Op) -> None:
        unit = self.refresh(op.unit)
        if op.action == "move":
            self.units[op.unit] = tree.unit_move(
                unit=unit, new_parent=self.refresh(op.target), effective=op.day, actor=None
            )
        elif op.action == "close":
            self.units[op.unit] = restructure.unit_close(unit=unit, effective=op.day, actor=None)
        elif op.action == "merge":
            restructure.units_merge(
                sources=[self.refresh(code) for code in op.sources],
                target=unit,
                effective=op.day,
                actor=None,
            )
            for code in op.sources:
                self.refresh(code)
        elif op.action == "manage":
            tree.unit_update(
                unit=unit,
                name=unit.name,
                short_name=unit.short_name,
                kind=unit.kind,
                managed_by=self.refresh(op.target),
                actor=None,
            )
        else:  # pragma: no cover - a programming error in the plan
            raise ValueError(op.action)

    def refresh(self, code: str):
        unit = self.units[code]
        unit.refresh_from_db()
        return unit
