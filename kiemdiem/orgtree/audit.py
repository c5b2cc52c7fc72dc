"""The tree's audit actions (registered in ``OrgtreeConfig.ready``) and the "unit" reference
that names units in any app's audit entries. (Merging and splitting units, which move people
too, are ``people.restructure``'s: ``people/audit.py``.)"""

from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register, register_reference
from kiemdiem.orgtree.models import Unit, UnitKind


def unit_names(ids: set[int]) -> dict[int, str]:
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))


UNIT = {
    "code": Field(_("Code")),
    "name": Field(_("Name")),
    "short_name": Field(_("Short name")),
    "kind": Field(_("Kind"), choices=dict(UnitKind.choices)),
    "parent": Field(_("Parent unit"), ref="unit"),
    "managed_by": Field(_("Rated by"), ref="unit"),
    "valid_from": Field(_("From")),
    "valid_to": Field(_("Until")),
}
EFFECTIVE = {"effective": Field(_("Effective date"))}


def register_actions() -> None:
    register_reference("unit", unit_names)
    register("unit.created", _("Unit created"), UNIT)
    register("unit.updated", _("Unit updated"), UNIT)
    register(
        "unit.moved",
        _("Unit moved"),
        {
            "parent": UNIT["parent"],
            "path": Field("path", hidden=True),  # for a reader of the raw data, never shown
            **EFFECTIVE,
        },
    )
    register(
        "unit.dissolved",
        _("Unit dissolved"),
        {**EFFECTIVE, "successor": Field(_("Merged into"), ref="unit")},
    )
