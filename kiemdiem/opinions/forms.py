"""Forms of opinions' pages: a request, the answer per source, a peer comment, a note."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.common.forms import DateField
from kiemdiem.cycles.models import TierChoice
from kiemdiem.opinions.models import DutyRating, ResidenceDuty, Source
from kiemdiem.people.models import Person

TIERS = [("", "—"), *TierChoice.choices]


class RequestForm(forms.Form):
    source = forms.ChoiceField(label=_("Asked of"), choices=Source.choices)
    asked_person = forms.TypedChoiceField(
        label=_("Person asked (for a named person)"), required=False, coerce=int, empty_value=None
    )
    deadline = DateField(label=_("Answer by"))
    note = forms.CharField(
        label=_("Note to those asked"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asked_person"].choices = [("", "—")] + [(p.pk, p.full_name) for p in people]

    def person(self):
        pk = self.cleaned_data.get("asked_person")
        return Person.objects.filter(pk=pk).first() if pk else None


class CellRequestForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Asked of"), choices=[c for c in Source.choices if c[0] != Source.INDIVIDUAL]
    )
    deadline = DateField(label=_("Answer by"))
    note = forms.CharField(
        label=_("Note to those asked"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AnswerForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    state_tier = forms.ChoiceField(
        label=_("The member's state tier this year"), choices=TIERS, required=False
    )
    suggested_tier = forms.ChoiceField(label=_("Suggested tier"), choices=TIERS, required=False)
    text = forms.CharField(
        label=_("Opinion"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, source: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        if source == Source.RESIDENCE_CELL:
            for code, label in ResidenceDuty.choices:
                self.fields[f"duty_{code}"] = forms.ChoiceField(
                    label=label,
                    choices=DutyRating.choices,
                    widget=forms.RadioSelect,
                    required=False,
                )
            del self.fields["state_tier"], self.fields["suggested_tier"]
            self.order_fields([f"duty_{c}" for c in ResidenceDuty.values] + ["text"])
        elif source == Source.EMPLOYING_AGENCY:
            del self.fields["suggested_tier"]
            self.fields["state_tier"].required = False
        else:
            del self.fields["state_tier"]

    def duties(self) -> dict | None:
        if self.source != Source.RESIDENCE_CELL:
            return None
        return {
            code: self.cleaned_data.get(f"duty_{code}") or ""
            for code in ResidenceDuty.values
            if self.cleaned_data.get(f"duty_{code}")
        }


class PeerCommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Nobody sees who wrote it. The member and the meeting read the comments, without "
            "names, once enough members have commented."
        ),
    )


class NoteForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))
