"""The register's audit actions, registered in ``RegisterConfig.ready``."""

from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register
from kiemdiem.register.models import DisciplineForm, EntryKind, EntryTrack

ENTRY = {  # services.EDITABLE, and who the entry is about
    "kind": Field(_("Kind"), choices=dict(EntryKind.choices)),
    "track": Field(_("Track"), choices=dict(EntryTrack.choices)),
    "discipline_form": Field(_("Form of discipline"), choices=dict(DisciplineForm.choices)),
    "decided_on": Field(_("Date of the decision or conclusion")),
    "issuing_body": Field(_("Issued by")),
    "document_number": Field(_("Document number")),
    "year": Field(_("Year of the violation")),
    "counted_in_year": Field(_("Already counted in the rating of")),
    "self_detected_and_remedied": Field(_("Self-detected and fully remedied")),
    "duty_related": Field(_("Related to carrying out duties")),
    # Discipline is sensitive: the log says that the summary changed, never what it says.
    "summary": Field(_("Summary"), masked=True),
    "person": Field(_("Person"), hidden=True),  # the entry's object names the person
    "unit": Field(_("Unit"), ref="unit"),
    "files": Field(_("Attachments"), many=True),
}


def register_actions() -> None:
    register("register.entry_recorded", _("Register entry recorded"), ENTRY)
    register("register.entry_updated", _("Register entry changed"), ENTRY)
    register(
        "register.entry_annulled",
        _("Register entry annulled"),
        {"reason": Field(_("Reason"))},
    )
    register(
        "register.file_attached",
        _("Attachment added to a register entry"),
        {"files": Field(_("Attachments"), many=True)},
    )
