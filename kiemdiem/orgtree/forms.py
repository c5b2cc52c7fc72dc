from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.accounts.models import Action
from kiemdiem.common.forms import DateField, ScopedForm, UnitCodeField
from kiemdiem.orgtree.models import UnitKind


class UnitForm(ScopedForm):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=255)
    short_name = forms.CharField(label=_("Short name"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    managed_by = UnitCodeField(
        label=_("Rated by (code)"),
        action=Action.VIEW,
        required=False,
        help_text=_("Leave empty when the parent unit decides this unit's rating."),
    )


class UnitCreateForm(UnitForm):
    valid_from = DateField(label=_("Effective from"))


class UnitMoveForm(ScopedForm):
    new_parent = UnitCodeField(label=_("New parent unit (code)"))
    effective = DateField(label=_("Effective date"))


class UnitMergeForm(ScopedForm):
    target = UnitCodeField(label=_("Merge into unit (code)"))
    effective = DateField(label=_("Effective date"))


class UnitCloseForm(ScopedForm):
    effective = DateField(label=_("Dissolved on"))


class AsOfForm(forms.Form):
    as_of = DateField(label=_("Tree as of"), required=False)


class UnitSplitForm(forms.Form):
    """Split a unit into new units: their identities, and who and what goes to each."""

    effective = DateField(label=_("Effective date"))

    def __init__(self, *args, unit, parts: int, children, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.parts = parts
        part_choices = [(str(i), _("New unit %(n)d") % {"n": i + 1}) for i in range(parts)]
        for i in range(parts):
            self.fields[f"code_{i}"] = forms.CharField(
                label=_("Code of new unit %(n)d") % {"n": i + 1}, max_length=32
            )
            self.fields[f"name_{i}"] = forms.CharField(
                label=_("Name of new unit %(n)d") % {"n": i + 1}, max_length=255
            )
            self.fields[f"kind_{i}"] = forms.ChoiceField(
                label=_("Kind of new unit %(n)d") % {"n": i + 1},
                choices=UnitKind.choices,
                initial=unit.kind,
            )
        for child in children:
            self.fields[f"child_{child.pk}"] = forms.ChoiceField(
                label=child.name, choices=part_choices
            )
        for person in people:
            self.fields[f"person_{person.pk}"] = forms.ChoiceField(
                label=person.full_name, choices=part_choices
            )
        self.children, self.people = list(children), list(people)

    def assignment_fields(self):
        return [f for f in self if f.name.startswith(("child_", "person_"))]

    def identity_fields(self):
        return [f for f in self if f.name.startswith(("code_", "name_", "kind_", "effective"))]
