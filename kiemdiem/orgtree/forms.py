from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.common.forms import DateField, ScopedForm, UnitCodeField
from kiemdiem.orgtree.models import UnitKind


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
