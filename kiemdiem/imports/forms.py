import logging
import zipfile

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.accounts.models import Action
from kiemdiem.imports import limits, policies
from kiemdiem.imports.columns import EXPORT_KINDS
from kiemdiem.imports.models import ImportKind
from kiemdiem.imports.readers import detect_format
from kiemdiem.orgtree.forms import ScopedForm, UnitCodeField

log = logging.getLogger(__name__)


class UploadForm(ScopedForm):
    kind = forms.ChoiceField(label=_("The file contains"), choices=ImportKind.choices)
    unit = UnitCodeField(
        label=_("Import into (unit code)"),
        help_text=_("Every unit and person in the file must belong to this unit's subtree."),
    )
    file = forms.FileField(
        label=_("File"), help_text=_(".xlsx, .xls, .ods or .csv (UTF-8 or Windows-1258).")
    )

    def __init__(self, *args, refused: dict[str, int] | None = None, **kwargs):
        """``refused``: the files the upload handler dropped as too large, by field
        (``common.uploads.refused_uploads``)."""
        super().__init__(*args, **kwargs)
        self.refused = refused or {}

    def clean(self):
        # A dropped file is missing, not forgotten: say how large it was, not "required".
        for name, size in self.refused.items():
            if name in self.fields:
                self._errors.pop(name, None)
                try:
                    limits.check_size(size)
                except limits.LimitError as exc:
                    self.add_error(name, forms.ValidationError(str(exc.message), code=exc.code))
        return super().clean()

    def clean_file(self):
        """The cheap limits now, on the upload page (size, zip directory, declared sheet
        sizes); the rest when the file is checked (``limits.inspect``)."""
        upload = self.cleaned_data["file"]
        fmt = detect_format(upload.name)
        if fmt is None:
            raise forms.ValidationError(_("Choose a .xlsx, .xls, .ods or .csv file."))
        try:
            limits.check_size(upload.size)
            if fmt in ("xlsx", "ods"):
                try:
                    with zipfile.ZipFile(upload) as archive:
                        limits.check_archive(archive, fmt)
                        if fmt == "xlsx":
                            limits.check_declared(archive)
                except limits.LimitError:
                    raise
                except Exception as exc:  # not a zip at all, a broken member
                    log.warning("upload %s unreadable as %s: %r", upload.name, fmt, exc)
                    raise limits.unreadable(fmt) from exc
                finally:
                    upload.seek(0)
        except limits.LimitError as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from exc
        return upload


class ExportForm(ScopedForm):
    """Who may export what: a unit inside a ``view`` grant of the user's (a member's own
    units do not count); the export then writes only the people whose personal fields the
    user may see (``people.policies.personal_people``)."""

    kind = forms.ChoiceField(
        label=_("Export"), choices=[c for c in ImportKind.choices if c[0] in EXPORT_KINDS]
    )
    unit = UnitCodeField(
        label=_("Unit code"), action=Action.VIEW, help_text=_("The unit and its whole subtree.")
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV (UTF-8)")]
    )

    def clean_unit(self):
        unit = self.cleaned_data["unit"]
        if unit is not None and not policies.may_export(self.user, unit):
            raise forms.ValidationError(
                _(
                    "Only a role on this unit or above it (staff, secretary, inspector, "
                    "decision maker) may export it; a member's login shows only their own "
                    "record, on its page."
                ),
                code="no_grant",
            )
        return unit
