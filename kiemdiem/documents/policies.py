"""Who may use the documents. Each exporter's own rule is its app's (``Exporter.policy``, a
function of that app's policies.py asking the permission door); here only what is common: a
signed-in, active user, the page itself and the list of exporters it offers.
The result of a run is its owner's alone (``jobs.policies.JobPolicy.may_download``)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def may_use(user, exporter) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(exporter.policy(user))


def may_open(user) -> bool:
    """The documents page in the menu: some exporter is this user's to run."""
    from kiemdiem.documents.registry import EXPORTERS

    return any(may_use(user, e) for e in EXPORTERS.values())


def available(user) -> list:
    """The exporters ``user`` may run (the documents page, the API list), by label."""
    from kiemdiem.documents.registry import EXPORTERS

    return sorted(
        (e for e in EXPORTERS.values() if may_use(user, e)), key=lambda e: str(e.label).lower()
    )


def pdf_missing_message() -> str:
    return _(
        "PDF needs LibreOffice on the server, and it is not installed. Download the Word file "
        "instead, or ask the administrator to install libreoffice-writer-nogui."
    )
