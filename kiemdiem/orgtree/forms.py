"""Forms of the tree pages, and the unit field every page uses to pick a unit by its code."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.accounts.permissions import restrict
from kiemdiem.common.forms import DateField
from kiemdiem.orgtree.models import Unit, UnitKind


class UnitCodeField(forms.CharField):
    """A unit chosen by its code, checked against the user's scope for ``action``."""

    default_error_messages = {
        "unknown": _("No active unit with code “%(code)s” in your scope."),
    }

    def __init__(self, *, action: str = "change", **kwargs):
        self.action = action
        self.user = None
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", _("The unit's code, as shown on its page."))
        super().__init__(**kwargs)

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        unit = (
            restrict(Unit.objects.filter(valid_to__isnull=True), self.user, self.action)
            .filter(code__iexact=code.strip())
            .first()
        )
        if unit is None:
            raise forms.ValidationError(
                self.error_messages["unknown"], code="unknown", params={"code": code}
            )
        return unit


class ScopedForm(forms.Form):
    """A form whose unit fields are checked against the requesting user's scope."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, UnitCodeField):
                field.user = user


class UnitForm(ScopedForm):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=255)
    short_name = forms.CharField(label=_("Short name"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    managed_by = UnitCodeField(
        label=_("Rated by (code)"),
        action="view",
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
