"""The register's web forms: an entry (with its scans), the list's filters, an annulment."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kiemdiem.common.forms import DateField
from kiemdiem.orgtree.forms import ScopedForm, UnitCodeField
from kiemdiem.register.models import DisciplineForm, EntryKind, EntryTrack


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service (``check_attachment``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


class FilesMixin:
    """A file the upload handler dropped as too large is named with its size, not lost."""

    def refused_errors(self, refused: dict[str, int]) -> None:
        for name, size in refused.items():
            if name in self.fields:
                self._errors.pop(name, None)
                self.add_error(
                    name,
                    gettext(
                        "A file of %(size)s MB was refused; an attachment may be at most "
                        "%(limit)s MB."
                    )
                    % {"size": _mb(size), "limit": _mb(settings.ATTACHMENT_MAX_BYTES)},
                )


class EntryForm(FilesMixin, ScopedForm):
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    unit = UnitCodeField(
        label=_("Or a unit (code)"),
        required=False,
        help_text=_("For a decision about an organization, agency or collective."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=EntryKind.choices)
    track = forms.ChoiceField(label=_("Track"), choices=EntryTrack.choices)
    discipline_form = forms.ChoiceField(
        label=_("Form of discipline"),
        choices=[("", "—"), *DisciplineForm.choices],
        required=False,
        help_text=_("Only for a discipline decision."),
    )
    decided_on = DateField(label=_("Date of the decision or conclusion"))
    issuing_body = forms.CharField(label=_("Issued by"), max_length=255)
    document_number = forms.CharField(label=_("Document number"), max_length=80, required=False)
    year = forms.IntegerField(label=_("Year of the violation"), min_value=1990, max_value=2100)
    counted_in_year = forms.IntegerField(
        label=_("Already counted in the rating of"),
        min_value=1990,
        max_value=2100,
        required=False,
        help_text=_(
            "Only when the rating of another year already counted this violation: one "
            "violation counts once."
        ),
    )
    self_detected_and_remedied = forms.BooleanField(
        label=_("Self-detected and fully remedied"), required=False
    )
    duty_related = forms.BooleanField(label=_("Related to carrying out duties"), required=False)
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    files = MultipleFileField(
        label=_("Documents (scans)"),
        required=False,
        help_text=_("PDF, JPG, PNG, DOCX, XLSX or ODT; at most %(mb)s MB each.")
        % {"mb": _mb(settings.ATTACHMENT_MAX_BYTES)},
    )

    def __init__(self, *args, people=(), fixed_person=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing or fixed_person is not None:
            del self.fields["person"]
            del self.fields["unit"]
        else:
            self.fields["person"].choices = [("", "—"), *((p.pk, p.full_name) for p in people)]
        if editing:
            del self.fields["files"]

    def clean(self):
        data = super().clean()
        if "person" in self.fields and not (data.get("person") or data.get("unit")):
            if not self.errors.get("unit"):
                self.add_error("person", gettext("Choose a person, or give a unit's code."))
        return data


class AnnulForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is annulled"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class AttachForm(FilesMixin, forms.Form):
    files = MultipleFileField(label=_("Add documents"))


class FilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *EntryKind.choices], required=False
    )
    year = forms.IntegerField(
        label=_("Year of the violation"), min_value=1990, max_value=2100, required=False
    )
    q = forms.CharField(label=_("Person's name"), max_length=100, required=False)
    annulled = forms.BooleanField(label=_("Show annulled entries"), required=False)
