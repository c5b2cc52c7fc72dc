"""Who may use the documents. Each exporter's own rule is its app's (``may_use``, asking the
permission door); here only what is common: a signed-in, active user, and the page itself.
The result of a run is its owner's alone (``jobs.policies.JobPolicy.may_download``)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def may_use(user, exporter) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(exporter.may_use(user))


def may_open(user) -> bool:
    """The documents page in the menu: some exporter is this user's to run."""
    from kiemdiem.documents.registry import EXPORTERS

    return any(may_use(user, e) for e in EXPORTERS.values())


def pdf_missing_message() -> str:
    return _(
        "PDF needs LibreOffice on the server, and it is not installed. Download the Word file "
        "instead, or ask the administrator to install libreoffice-writer-nogui."
    )
