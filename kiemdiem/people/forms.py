from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.common.forms import DateField
from kiemdiem.common.validators import person_text_validator
from kiemdiem.orgtree.forms import ScopedForm, UnitCodeField
from kiemdiem.people.models import (
    AffiliationKind,
    Gender,
    MemberStatusKind,
    Occupation,
    PostRole,
    ResidenceExemption,
    StateCategory,
)


class PersonForm(ScopedForm):
    family_name = forms.CharField(
        label=_("Family name"), max_length=60, validators=[person_text_validator("family_name")]
    )
    middle_name = forms.CharField(
        label=_("Middle name"),
        max_length=80,
        required=False,
        validators=[person_text_validator("middle_name")],
    )
    given_name = forms.CharField(
        label=_("Given name"), max_length=60, validators=[person_text_validator("given_name")]
    )
    birth_date = DateField(label=_("Date of birth"), required=False)
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False
    )
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=40, required=False, initial="Kinh")
    citizen_id = forms.CharField(label=_("Citizen ID"), max_length=12, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        validators=[person_text_validator("phone")],
    )
    email = forms.EmailField(label=_("E-mail"), required=False)


class MembershipForm(forms.Form):
    admitted_on = DateField(label=_("Admitted to the party on"))
    official_on = DateField(label=_("Official member since"), required=False)
    card_number = forms.CharField(label=_("Party card number"), max_length=20, required=False)
    occupation = forms.ChoiceField(label=_("Occupation"), choices=Occupation.choices)


class NewPersonForm(PersonForm):
    """A new person and where they belong, in one step."""

    is_member = forms.BooleanField(label=_("Party member"), required=False, initial=True)
    admitted_on = DateField(label=_("Admitted to the party on"), required=False)
    official_on = DateField(label=_("Official member since"), required=False)
    card_number = forms.CharField(label=_("Party card number"), max_length=20, required=False)
    occupation = forms.ChoiceField(label=_("Occupation"), choices=Occupation.choices)
    kind = forms.ChoiceField(label=_("Belongs to the unit as"), choices=AffiliationKind.choices)
    title = forms.CharField(label=_("Title of the post"), max_length=160, required=False)
    state_category = forms.ChoiceField(
        label=_("State category"), choices=[("", "—"), *StateCategory.choices], required=False
    )
    since = DateField(label=_("Since"))

    def clean(self):
        data = super().clean()
        refused = "admitted_on" in self.errors  # e.g. 31/02/2026: said already
        if data.get("is_member") and not data.get("admitted_on") and not refused:
            self.add_error("admitted_on", _("Enter the admission date of a party member."))
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=MemberStatusKind.choices)
    effective = DateField(label=_("Effective date"))
    reason = forms.CharField(label=_("Reason or decision"), max_length=255, required=False)


class TransferForm(ScopedForm):
    to_cell = UnitCodeField(label=_("To party cell (code)"))
    effective = DateField(label=_("Transfer date"))


class AffiliationForm(ScopedForm):
    unit = UnitCodeField(label=_("Unit (code)"))
    kind = forms.ChoiceField(label=_("Kind"), choices=AffiliationKind.choices)
    title = forms.CharField(label=_("Title of the post"), max_length=160, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", "—"), *PostRole.choices], required=False
    )
    concurrent = forms.BooleanField(label=_("Concurrent post (kiêm nhiệm)"), required=False)
    state_category = forms.ChoiceField(
        label=_("State category"), choices=[("", "—"), *StateCategory.choices], required=False
    )
    residence_exemption = forms.ChoiceField(
        label=_("Residence opinion exemption"), choices=ResidenceExemption.choices, required=False
    )
    valid_from = DateField(label=_("Since"))


class EndAffiliationForm(forms.Form):
    valid_to = DateField(label=_("Ended on"))
