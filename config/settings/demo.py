"""The embedded demo (``bin/demo``): production settings, on a SQLite file, over plain HTTP.

Everything a province runs is the same — DEBUG off, the production security headers, WhiteNoise
serving the collected static files, gunicorn in front — except the database (SQLite in var/
unless DATABASE_URL says otherwise) and HTTPS: the demo listens on the loopback address only,
so it cannot redirect to HTTPS, mark cookies Secure or send HSTS (a browser would remember HSTS
for "localhost" and break every other local site).
"""

import os
import secrets

from config.env import env

from .base import VAR_DIR


def _demo_secret_key() -> str:
    """A random key made on the first start and kept in var/, so sessions survive a restart."""
    path = VAR_DIR / "demo-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


os.environ.setdefault("DJANGO_SECRET_KEY", _demo_secret_key())

from .prod import *  # noqa: E402, F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_HSTS_PRELOAD = False
ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
