"""Forms of remediation's pages: a remedy item's plan and status, a consolidation action, and
the lists' choices."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.common.forms import DateField
from kiemdiem.cycles.models import Track
from kiemdiem.people.models import Person
from kiemdiem.people.selectors import unit_affiliations
from kiemdiem.remediation import lists
from kiemdiem.remediation.models import ActionStatus
from kiemdiem.reviews.models import ShortcomingSource, ShortcomingStatus


def owner_choices(unit, current: Person | None, also: Person | None = None):
    """The people of the unit now (and whoever answers for it already)."""
    people: dict[int, str] = {}
    for person in (current, also):
        if person is not None:
            people[person.pk] = person.full_name
    for a in unit_affiliations(unit):
        people.setdefault(a.person_id, a.person.full_name)
    return [("", "—")] + [(str(pk), name) for pk, name in people.items()]


class _OwnerForm(forms.Form):
    owner = forms.TypedChoiceField(
        label=_("Responsible"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, unit, current=None, also=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owner_choices(unit, current, also)

    def owner_person(self):
        pk = self.cleaned_data.get("owner")
        return Person.objects.filter(pk=pk).first() if pk else None


class RemedyItemForm(_OwnerForm):
    remedy_plan = forms.CharField(
        label=_("Remedy plan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_date = DateField(label=_("Due date"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ShortcomingStatus.choices)
    note = forms.CharField(
        label=_("What was done to remedy it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    field_order = ["remedy_plan", "owner", "due_date", "status", "note"]

    def __init__(self, *args, status_editable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not status_editable:
            del self.fields["status"], self.fields["note"]


class NamedItemForm(_OwnerForm):
    subject = forms.TypedChoiceField(label=_("Whose shortcoming"), coerce=int)
    source = forms.ChoiceField(
        label=_("Named by"),
        choices=[
            (c, label) for c, label in ShortcomingSource.choices if c in ("meeting", "decision")
        ],
    )
    source_ref = forms.CharField(
        label=_("Meeting or decision"),
        max_length=40,
        help_text=_("Its number or date, e.g. “NQ 05-NQ/CB, 20/12/2025”."),
    )
    text = forms.CharField(label=_("Shortcoming"), widget=forms.Textarea(attrs={"rows": 2}))
    remedy_plan = forms.CharField(
        label=_("Remedy plan"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_date = DateField(label=_("Due date"), required=False)
    field_order = ["subject", "source", "source_ref", "text", "remedy_plan", "owner", "due_date"]

    def __init__(self, *args, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [(s.pk, f"{s} — {s.cycle.name}") for s in subjects]


class ActionForm(_OwnerForm):
    text = forms.CharField(label=_("What to do"), widget=forms.Textarea(attrs={"rows": 2}))
    due_date = DateField(label=_("Due date"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.PLANNED
    )
    result = forms.CharField(
        label=_("Result"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = ["text", "owner", "due_date", "status", "result"]


class ListForm(forms.Form):
    list = forms.ChoiceField(label=_("List"), choices=list(lists.LISTS.items()), initial="khtnv")
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    track = forms.ChoiceField(
        label=_("Track"),
        choices=[(Track.PARTY, Track.PARTY.label), (Track.STATE, Track.STATE.label)],
        initial=Track.PARTY,
    )
    years = forms.IntegerField(
        label=_("Years running"),
        min_value=2,
        max_value=10,
        required=False,
        help_text=_(
            "For the lists of HTXSNV years running; 5 when left empty (HD 21: “5 years running”)."
        ),
    )
