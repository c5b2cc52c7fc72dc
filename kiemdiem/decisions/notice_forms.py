"""Forms of the notice, publication and complaint pages (notice_views.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kiemdiem.common.forms import DateField
from kiemdiem.cycles.models import TierChoice
from kiemdiem.decisions.models import Audience, ComplaintStatus


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ComplaintForm(forms.Form):
    text = forms.CharField(
        label=_("Your complaint"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you disagree with and why; the documents that show it, attached."),
    )
    files = MultipleFileField(
        label=_("Documents"),
        required=False,
        help_text=_("PDF, JPG, PNG, DOCX, XLSX or ODT."),
    )


class HandleForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision on the complaint"),
        choices=[
            (ComplaintStatus.UPHELD, _("Keep the rating")),
            (ComplaintStatus.CHANGED, _("Change the rating")),
        ],
        widget=forms.RadioSelect,
    )
    new_tier = forms.ChoiceField(
        label=_("New tier"),
        choices=[("", "—"), *TierChoice.choices],
        required=False,
        help_text=_("Only when the rating is changed."),
    )
    outcome_reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}))
    # The decision's revision on the page read: a decision changed since is refused.
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)


class PublishForm(forms.Form):
    audience = forms.ChoiceField(label=_("Shown to"), choices=Audience.choices)
    audience_unit = forms.ChoiceField(label=_("Unit"), choices=())
    starts_on = DateField(label=_("From"))
    ends_on = DateField(label=_("Until"))
    title = forms.CharField(
        label=pgettext_lazy("publication", "Title"), required=False, max_length=255
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_unit"].choices = [(u.pk, u.name) for u in units]


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing"), widget=forms.Textarea(attrs={"rows": 3})
    )
