from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.common.forms import DateField, DateInput
from kiemdiem.cycles.models import CycleKind, StageKind
from kiemdiem.cycles.services import StageWindow


class StagesForm(forms.Form):
    """A timetable: for each stage of the process, an optional window from – to."""

    guidance = forms.CharField(
        label=_("Guidance and suggested review content"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    peer_comment_threshold = forms.IntegerField(
        label=_("Peer comments shown from (members who commented)"),
        min_value=1,
        max_value=50,
        required=False,
        help_text=_("Comments on a member are shown, without names, from this many; 3 if empty."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in StageKind.choices:
            for suffix, text in (("from", _("%(stage)s from")), ("due", _("%(stage)s due"))):
                name = text % {"stage": label}
                # The table shows the stage in a row header; the input still needs its own name.
                self.fields[f"{kind}_{suffix}"] = DateField(
                    label=name, required=False, widget=DateInput(attrs={"aria-label": name})
                )

    def stage_rows(self):
        return [
            (label, self[f"{kind}_from"], self[f"{kind}_due"]) for kind, label in StageKind.choices
        ]

    def clean(self):
        data = super().clean()
        for kind in StageKind.values:
            if f"{kind}_from" in self.errors or f"{kind}_due" in self.errors:
                continue  # that date is refused already; its partner is not missing
            start, due = data.get(f"{kind}_from"), data.get(f"{kind}_due")
            if bool(start) != bool(due):
                self.add_error(f"{kind}_due", _("Give both dates of the stage, or neither."))
        return data

    def windows(self) -> list[StageWindow]:
        data = self.cleaned_data
        return [
            StageWindow(kind, data[f"{kind}_from"], data[f"{kind}_due"])
            for kind in StageKind.values
            if data.get(f"{kind}_from") and data.get(f"{kind}_due")
        ]


class CycleOpenForm(StagesForm):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=CycleKind.choices)
    year = forms.IntegerField(label=_("Review year"), min_value=2018, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", "—"), (1, "I"), (2, "II"), (3, "III"), (4, "IV")],
        coerce=int,
        empty_value=None,
        required=False,
    )
    period_start = DateField(label=_("Period from"))
    period_end = DateField(label=_("Period to"))
    field_order = [
        "code",
        "name",
        "kind",
        "year",
        "quarter",
        "period_start",
        "period_end",
        "guidance",
    ]


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What needs changing"), widget=forms.Textarea(attrs={"rows": 3})
    )
