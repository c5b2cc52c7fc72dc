"""Settings shared by every environment. Environment variables switch what differs.

DATABASE_URL selects the database (default: an embedded SQLite file in var/).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from config.env import env, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env("KIEMDIEM_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-dev-key-change-me-in-production-0123456789")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "js_lib_htmx",
    "template_partials",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "kiemdiem.common",
    "kiemdiem.audit",
    "kiemdiem.orgtree",
    "kiemdiem.people",
    "kiemdiem.accounts",
    "kiemdiem.api",
    "kiemdiem.demo",
    "kiemdiem.cycles",
    "kiemdiem.imports",
    "kiemdiem.reviews",
    "kiemdiem.notifications",
    "kiemdiem.jobs",
    "kiemdiem.documents",
    "kiemdiem.register",
    "kiemdiem.decisions",
    "kiemdiem.remediation",
    "kiemdiem.opinions",
    "kiemdiem.meetings",
    "kiemdiem.reports",
    "kiemdiem.insights",
    "kiemdiem.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After a request that may write, the user's memos are forgotten (kiemdiem/common/memo.py).
    "kiemdiem.common.memo.MemoMiddleware",
    "kiemdiem.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kiemdiem.audit.middleware.RequestIdMiddleware",
    # Axes must be last: it turns throttled logins into a lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kiemdiem" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kiemdiem.web.context_processors.navigation",
            ],
        },
    }
]

# --- Database --------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kiemdiem.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at the
    # start of a transaction so two writers queue instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: our statements are short and many (a page asks ten to twenty), and the planner's
    # cost of one with correlated EXISTS (the decider's queue) crossed the JIT threshold, so
    # PostgreSQL spent 3.8 s compiling a query that runs in 80 ms (bench/web/RESULTS.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Audit entries: a field its action did not declare (so it has no label) is refused when
# strict — on in the tests and in development, off in production, where such an entry is
# still written (an unregistered action code is refused everywhere; kiemdiem/audit/registry.py).
KIEMDIEM_AUDIT_STRICT = env_bool("KIEMDIEM_AUDIT_STRICT", False)

# The official wording of checklist items whose wording in the catalogue is our summary: TOML
# files a province puts in this directory (docs/operations.md, "Official wording of checklist
# items"). Empty: none, the summaries are shown marked as such.
KIEMDIEM_LOCAL_WORDING_DIR = env("KIEMDIEM_LOCAL_WORDING_DIR", "")

# Official documents (docs/documents.md): a province's copies of the Word templates (a file here
# named like a built-in one replaces it), LibreOffice for PDF (empty: `soffice` on the PATH) and
# its time limit, and the limits of one batch.
KIEMDIEM_DOCUMENT_TEMPLATE_DIR = env("KIEMDIEM_DOCUMENT_TEMPLATE_DIR", "")
KIEMDIEM_SOFFICE = env("KIEMDIEM_SOFFICE", "")
KIEMDIEM_PDF_TIMEOUT = int(env("KIEMDIEM_PDF_TIMEOUT", "60"))
KIEMDIEM_DOCUMENTS_MAX_ITEMS = int(env("KIEMDIEM_DOCUMENTS_MAX_ITEMS", "2000"))
KIEMDIEM_DOCUMENTS_MAX_BYTES = int(env("KIEMDIEM_DOCUMENTS_MAX_BYTES", str(500 * 1024 * 1024)))

# The Fatherland Front committees and socio-political organizations are listed as subjects of
# a cycle, their tier (decided under their own charters) recorded before the party
# organization's, as regulations.md §6 orders it. Our reading is [M]: no text we have read says
# who rates them or on which frame; off leaves them out of the lists (docs/cycles.md).
KIEMDIEM_MASS_ORG_SUBJECTS = env_bool("KIEMDIEM_MASS_ORG_SUBJECTS", True)

# The cache holds the API's throttle counters and the live progress of background jobs, so
# every process must share it: a file cache in var/ on one machine (the default), Redis when
# there are several (KIEMDIEM_CACHE_URL=redis://127.0.0.1:6379/1).
if env("KIEMDIEM_CACHE_URL", ""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("KIEMDIEM_CACHE_URL"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# Each process's memos of the menu and the start page (kiemdiem/common/memo.py): kept in its
# own memory, forgotten when the user writes, at most KIEMDIEM_MEMO_SECONDS old (0: none).
CACHES["memo"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "kiemdiem-memo",
    "OPTIONS": {"MAX_ENTRIES": 20000},
}
KIEMDIEM_MEMO_SECONDS = int(env("KIEMDIEM_MEMO_SECONDS", "60"))

# --- Accounts --------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's, reading the user's grants with the user (one query less on every page).
    "kiemdiem.accounts.backends.Backend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A signed-in session lasts one working day unless KIEMDIEM_SESSION_HOURS says otherwise.
SESSION_COOKIE_AGE = int(env("KIEMDIEM_SESSION_HOURS", 8, cast=float) * 3600)

# The client's address. Behind a reverse proxy every request comes from the proxy; list the
# proxies' addresses (or networks) here and the address they put in X-Forwarded-For is used.
# Without it X-Forwarded-For is ignored (anyone can write it) and REMOTE_ADDR counts.
KIEMDIEM_TRUSTED_PROXIES = env_list("KIEMDIEM_TRUSTED_PROXIES", [])

# Throttle failed logins (web and API token). 5 failures for one user name from one address
# lock that pair for 15 minutes: someone else failing with the same name from elsewhere does
# not lock the user out at their own address. KIEMDIEM_LOGIN_IP_FAILURE_LIMIT failures from
# one address, whatever the names, lock the address (a password spray).
AXES_FAILURE_LIMIT = env("AXES_FAILURE_LIMIT", 5, cast=int)
KIEMDIEM_LOGIN_IP_FAILURE_LIMIT = env("KIEMDIEM_LOGIN_IP_FAILURE_LIMIT", 20, cast=int)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "kiemdiem.accounts.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "kiemdiem.accounts.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

# --- Content Security Policy -----------------------------------------------------------
# Everything from our own host; scripts and <style> elements only with the page's nonce.
# Inline style="" attributes stay allowed (a bar's width, a tree level's indent): they
# cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Our own formats: Django's Vietnamese formats leave DATE_INPUT_FORMATS to the US defaults,
# where 03/04/2026 would be 4 March. Ours read it as 3 April.
FORMAT_MODULE_PATH = ["kiemdiem.formats"]

# --- Static files ----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "kiemdiem.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    # Counters live in Django's cache: per process with the default local-memory cache, so a
    # production server with several processes should set a shared cache (docs/operations.md).
    "DEFAULT_THROTTLE_CLASSES": ["kiemdiem.api.throttles.AnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("KIEMDIEM_API_ANON_RATE", "60/min"),
        "token": env("KIEMDIEM_API_TOKEN_RATE", "20/min"),
    },
}
# API tokens: only a hash is stored; each expires after KIEMDIEM_API_TOKEN_TTL days.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env("KIEMDIEM_API_TOKEN_TTL", 30, cast=float)),
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "kiemdiem API",
    "DESCRIPTION": "Units, people, review cycles, plans, subjects, self-reviews and the audit log"
    " of kiemdiem. Every call goes through the "
    "same permission door as the web pages.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from our own static files: no outside host.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several choice sets share a field name ("kind", "role"): name their enums explicitly.
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "kiemdiem.orgtree.models.UnitKind",
        "AffiliationKindEnum": "kiemdiem.people.models.AffiliationKind",
        "RoleEnum": "kiemdiem.accounts.models.Role",
        "PostRoleEnum": "kiemdiem.people.models.PostRole",
        "JobStatusEnum": "kiemdiem.jobs.models.JobStatus",
        "MemberStatusKindEnum": "kiemdiem.people.models.MemberStatusKind",
    },
}

# --- Background work -------------------------------------------------------------------
# A durable queue in the database (django-tasks): jobs survive restarts and every app server
# sees them; `manage.py run_worker` runs them (bin/demo starts one beside the web server).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
KIEMDIEM_JOB_KEEP_DAYS = env("KIEMDIEM_JOB_KEEP_DAYS", 7, cast=int)
# A running job that reports nothing for this long is taken as dead (its process was killed).
KIEMDIEM_JOB_STALE_SECONDS = env("KIEMDIEM_JOB_STALE_SECONDS", 600, cast=int)

# --- Mail ------------------------------------------------------------------------------
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "kiemdiem@localhost")
# The SMTP relay of the organization's own mail server (read only by the smtp backend).
EMAIL_HOST = env("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env("DJANGO_EMAIL_PORT", 25, cast=int)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "WARNING")},
}

# --- Imports: limits on uploaded spreadsheets, checked before a reader opens one -------
# (kiemdiem/imports/limits.py, docs/imports.md). The defaults keep the process handling an
# upload under 512 MB; a 100,000-person file is 10 MB, 23 columns.
IMPORTS_MAX_UPLOAD_BYTES = env("IMPORTS_MAX_UPLOAD_BYTES", 20 * 1024 * 1024, cast=int)
# No upload larger than any form takes is stored, even for a moment (kiemdiem/common/uploads.py).
UPLOAD_MAX_BYTES = IMPORTS_MAX_UPLOAD_BYTES
# Documents attached to records (common/attachments.py): size of one file, files per record.
ATTACHMENT_MAX_BYTES = env("KIEMDIEM_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, cast=int)
ATTACHMENT_MAX_FILES = env("KIEMDIEM_ATTACHMENT_MAX_FILES", 10, cast=int)
FILE_UPLOAD_HANDLERS = [
    "kiemdiem.common.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
IMPORTS_MAX_INFLATED_BYTES = env("IMPORTS_MAX_INFLATED_BYTES", 300 * 1024 * 1024, cast=int)
IMPORTS_MAX_COMPRESSION_RATIO = env("IMPORTS_MAX_COMPRESSION_RATIO", 200, cast=int)
IMPORTS_MAX_ZIP_MEMBERS = env("IMPORTS_MAX_ZIP_MEMBERS", 1000, cast=int)
IMPORTS_MAX_ROWS = env("IMPORTS_MAX_ROWS", 200_000, cast=int)
IMPORTS_MAX_COLUMNS = env("IMPORTS_MAX_COLUMNS", 200, cast=int)
IMPORTS_MAX_CELL_CHARS = env("IMPORTS_MAX_CELL_CHARS", 32_767, cast=int)
IMPORTS_CALAMINE_MAX_CELLS = env("IMPORTS_CALAMINE_MAX_CELLS", 3_000_000, cast=int)
IMPORTS_MAX_PART_BYTES = env("IMPORTS_MAX_PART_BYTES", 20 * 1024 * 1024, cast=int)
IMPORTS_MAX_SHARED_STRINGS = env("IMPORTS_MAX_SHARED_STRINGS", 2_000_000, cast=int)
