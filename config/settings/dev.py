"""Development and the embedded demo: SQLite file, DEBUG on, mail to the console."""

from .base import *  # noqa: F403

DEBUG = True
KIEMDIEM_AUDIT_STRICT = True  # an audit field without a label fails at once
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# Django's debug pages (the yellow error page, the 404 list of URLs) style themselves inline
# without our nonce: in development the policy is reported in the browser's console instead of
# enforced, so those pages stay readable. Tests and production enforce it.
CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY  # noqa: F405
CONTENT_SECURITY_POLICY = None
