"""Tests: SQLite by default; DATABASE_URL=postgres://... runs the same suite on PostgreSQL."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_FAILURE_LIMIT = 5
# Jobs run at once inside the test (a few tests run the real worker on the database queue).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "memo": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "memo"},
}
# No memos: a test's users reuse the ids of an earlier test's (SQLite rolls the ids back), and
# most tests read a page right after another user's write. kiemdiem/web/tests/test_memo.py
# turns them on and checks them.
KIEMDIEM_MEMO_SECONDS = 0
KIEMDIEM_AUDIT_STRICT = True  # an audit field without a label fails the test that writes it
