"""People's audit actions, registered in ``PeopleConfig.ready``."""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register
from kiemdiem.people.models import (
    FORMER_OCCUPATION_CODES,
    AffiliationKind,
    Gender,
    MemberStatusKind,
    Occupation,
    PostRole,
    ResidenceExemption,
    StateCategory,
)

PERSON = {  # people.services.PERSON_FIELDS
    "family_name": Field(_("Family name")),
    "middle_name": Field(_("Middle name")),
    "given_name": Field(_("Given name")),
    "birth_date": Field(_("Date of birth")),
    "gender": Field(_("Gender"), choices=dict(Gender.choices)),
    "ethnicity": Field(_("Ethnicity")),
    "citizen_id": Field(_("Citizen ID")),
    "phone": Field(_("Phone")),
    "email": Field(_("E-mail")),
}
MEMBER = {  # people.services.MEMBER_FIELDS
    "card_number": Field(_("Party card number")),
    "admitted_on": Field(_("Admitted on")),
    "official_on": Field(_("Official since")),
    # entries written before people/0003 hold the former codes
    "occupation": Field(
        _("Occupation"),
        choices={
            **dict(Occupation.choices),
            **{old: new.label for old, new in FORMER_OCCUPATION_CODES.items()},
        },
    ),
}
AFFILIATION = {  # people.services.AFFILIATION_FIELDS and what affiliation_start adds
    "kind": Field(_("Kind"), choices=dict(AffiliationKind.choices)),
    "person": Field(_("Person"), hidden=True),  # the entry's object names the person
    "valid_from": Field(_("From")),
    "title": Field(_("Title")),
    "role": Field(_("Role"), choices=dict(PostRole.choices)),
    "concurrent": Field(_("Concurrent post (kiêm nhiệm)")),
    "state_category": Field(_("State category"), choices=dict(StateCategory.choices)),
    "residence_exemption": Field(
        _("Residence opinion exemption"), choices=dict(ResidenceExemption.choices)
    ),
    "note": Field(capfirst(_("note"))),
}
EFFECTIVE = Field(_("Effective date"))


def _merged_units(value, ctx) -> str:
    """``unit.merged``'s sources: [{"unit": id, "code": …, "people": n}, …] by name."""
    return ", ".join(
        ctx.name("unit", item.get("unit"), fallback=str(item.get("code", "")))
        if isinstance(item, dict)
        else ctx.text(item)
        for item in value
    )


def _source_ids(value) -> list[int]:
    return [item.get("unit") for item in value if isinstance(item, dict)]


def register_actions() -> None:
    register("person.created", _("Person created"), PERSON)
    register("person.updated", _("Person updated"), PERSON)
    register("member.admitted", _("Party membership recorded"), MEMBER)
    register("member.updated", _("Party membership updated"), MEMBER)
    register(
        "member.status_changed",
        _("Membership status changed"),
        {
            "status": Field(_("Status"), choices=dict(MemberStatusKind.choices)),
            "effective": EFFECTIVE,
            "reason": Field(_("Reason or decision")),
        },
    )
    register("affiliation.started", _("Affiliation started"), AFFILIATION)
    register("affiliation.ended", _("Affiliation ended"), {"valid_to": Field(_("Until"))})
    register(
        "affiliation.updated",
        _("Affiliation start date corrected"),
        {"valid_from": AFFILIATION["valid_from"]},
    )
    register(
        "member.transferred",
        _("Member transferred"),
        {"cell": Field(_("Party cell"), ref="unit"), "effective": EFFECTIVE},
    )
    register(
        "authority.assigned",
        _("Cadre-management authority assigned"),
        {
            "authority": Field(_("Managing collective"), ref="unit"),
            "valid_from": AFFILIATION["valid_from"],
        },
    )
    # people.restructure: units merged or split with their people
    register(
        "unit.merged",
        _("Units merged"),
        {
            "sources": Field(
                _("Merged units"),
                ref="unit",
                ref_ids=_source_ids,
                render=_merged_units,
                many=True,
            ),
            "effective": EFFECTIVE,
        },
    )
    register(
        "unit.split",
        _("Unit split"),
        {"into": Field(_("New units"), ref="unit", many=True), "effective": EFFECTIVE},
    )
