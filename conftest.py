"""Session-wide checks for the whole test suite."""

import os

import pytest

pytest_plugins = ["kiemdiem.testing"]


def pytest_configure(config):
    # Playwright's sync API runs an event loop in the test thread; the ORM calls made by test
    # code beside it are still synchronous, so Django's async-safety guard must stand aside.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Plain ``pytest`` from a fresh checkout: compile the catalogues (.mo are not committed)."""
    from django.core.management import call_command
    from django.utils import translation
    from django.utils.translation import trans_real

    call_command("compile_translations", verbosity=0)
    # Catalogues already loaded (before the .mo existed) are dropped and read again.
    trans_real._translations = {}
    trans_real._default = None
    translation.activate("vi")
    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _require_postgres(django_db_setup, django_db_blocker):
    """With KIEMDIEM_REQUIRE_POSTGRES=1 the suite fails unless it really runs on PostgreSQL."""
    if os.environ.get("KIEMDIEM_REQUIRE_POSTGRES") != "1":
        return
    from django.db import connection

    with django_db_blocker.unblock():
        vendor = connection.vendor
        connection.ensure_connection()
    if vendor != "postgresql":
        pytest.exit(f"PostgreSQL required but the suite runs on {vendor}", returncode=3)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The API's throttle counters live in the cache, the memos in theirs: each test starts
    with none counted and none kept (a test's users may reuse an earlier test's ids)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    from kiemdiem.reviews import engine

    engine.forget_pins()  # the pins kept under a cycle's token (a rolled-back test's too)
