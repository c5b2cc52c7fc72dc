"""Development and the embedded demo: SQLite file, DEBUG on, mail to the console."""

from .base import *  # noqa: F403

DEBUG = True
KIEMDIEM_AUDIT_STRICT = True  # an audit field without a label fails at once
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
