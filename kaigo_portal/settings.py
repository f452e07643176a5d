"""Settings for Kaigo Portal: one file, driven by environment variables.

Defaults are for a developer's machine (DEBUG on, SQLite and a file broker under var/). With DEBUG
off the portal refuses to start unless SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL are set, and it turns
on every transport-security setting that `manage.py check --deploy` asks for.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from kaigo_portal.env import env_bool, env_int, env_list, env_str, require

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KAIGO_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)


def _development_secret_key() -> str:
    """A per-checkout key kept under var/, so sessions survive restarts of `make run`."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY") or _development_secret_key()
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
    DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
else:
    SECRET_KEY = require("SECRET_KEY", "production needs its own secret key (50+ random characters)")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set: the host names the portal answers for")
    if "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts; '*' is refused")
    DATABASE_URL = require("DATABASE_URL", "production runs on PostgreSQL (postgres://...)")

REDIS_URL = env_str("REDIS_URL")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "kaigo_portal.accounts",
    "kaigo_portal.audit",
    "kaigo_portal.web",
    "kaigo_portal.offices",
    "kaigo_portal.operations",
    "kaigo_portal.mail",
    "kaigo_portal.terminals",
    "eligibility",
    "consent",
    "certification",
    "opinions",
    "careplans",
    "kaigo_portal.public",
    "subsidies",
]

MIDDLEWARE = [
    "kaigo_portal.middleware.RequestIDMiddleware",
    "kaigo_portal.middleware.RequestSizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kaigo_portal.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "kaigo_portal.accounts.middleware.MembershipMiddleware",
    "kaigo_portal.accounts.middleware.MfaRequiredMiddleware",
    "kaigo_portal.terminals.middleware.ClientCertificateMiddleware",
]

ROOT_URLCONF = "kaigo_portal.urls"
WSGI_APPLICATION = "kaigo_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kaigo_portal.web.context_processors.portal",
                "consent.context_processors.codes",
                "careplans.context_processors.codes",
                "opinions.context_processors.codes",
                "subsidies.context_processors.codes",
            ],
            "builtins": ["kaigo_portal.web.templatetags.wareki", "kaigo_portal.web.templatetags.labels"],
        },
    }
]

# A kept connection is checked before a request uses it, so that after the database has been away the same
# worker reconnects instead of failing once on the dead connection.
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=0 if DEBUG else 60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that cannot be reached is an error in seconds (a 503), not a request hanging on connect.
    DATABASES["default"]["OPTIONS"] = {"connect_timeout": env_int("KAIGO_DB_CONNECT_TIMEOUT", 5, minimum=1)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "KAIGO_DB_PREPARED_STATEMENTS", True
):
    # Server-side binding lets psycopg prepare a statement the fifth time a connection runs it, so the hot
    # reads are planned once per connection instead of on every request. Turn off behind a PgBouncer in
    # transaction mode (it cannot keep prepared statements).
    DATABASES["default"]["OPTIONS"] |= {"server_side_binding": True, "prepare_threshold": 5}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while the Celery worker writes (SQLite is for the demo only).
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20}
    # A file, not memory, for the test database: tests that start a real Celery worker (another thread or
    # process) must see the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache also carries import progress between the worker and the web process: Redis, or without it
# a file-based cache under var/ that both processes share (SQLite allows one writer, so not the database).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("KAIGO_CACHE_PREFIX", "kaigo"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: e-mail + password, no public sign-up (accounts are made by organisation admins).
ACCOUNT_ADAPTER = "kaigo_portal.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
KAIGO_LOGIN_ATTEMPTS = env_int("KAIGO_LOGIN_ATTEMPTS", 5, minimum=1)
KAIGO_LOGIN_LOCK_SECONDS = env_int("KAIGO_LOGIN_LOCK_SECONDS", 15 * 60, minimum=60)
ACCOUNT_RATE_LIMITS = {
    # Per address: a lock after KAIGO_LOGIN_ATTEMPTS failures; per IP: a brake on spraying.
    "login_failed": f"20/m/ip,{KAIGO_LOGIN_ATTEMPTS}/{KAIGO_LOGIN_LOCK_SECONDS}s/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Kaigo Portal"
MFA_TOTP_TOLERANCE = 1  # also the neighbouring 30-second window: clock drift, or a code typed at the turn

# MFA is required for every staff role (医療情報システムの安全管理に関するガイドライン 6.0).
KAIGO_REQUIRE_MFA = env_bool("KAIGO_REQUIRE_MFA", True)
if not KAIGO_REQUIRE_MFA and not DEBUG:
    raise ImproperlyConfigured("KAIGO_REQUIRE_MFA=false is for the local demo only (DEBUG=true)")

# Sessions: 30 minutes idle, 12 hours in all, a warning before the idle end.
KAIGO_SESSION_IDLE_SECONDS = env_int("KAIGO_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
KAIGO_SESSION_ABSOLUTE_SECONDS = env_int("KAIGO_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60, minimum=60)
KAIGO_SESSION_WARNING_SECONDS = env_int("KAIGO_SESSION_WARNING_SECONDS", 5 * 60, minimum=10)
SESSION_COOKIE_AGE = KAIGO_SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# The access log: the number of hash chains that writes are spread over.
KAIGO_AUDIT_CHAINS = env_int("KAIGO_AUDIT_CHAINS", 16, minimum=1, maximum=1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kaigo_portal.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: a view that declares no roles and no scope refuses everyone.
    "DEFAULT_PERMISSION_CLASSES": ["kaigo_portal.api.permissions.DeclaredAccess"],
    "DEFAULT_SCHEMA_CLASS": "kaigo_portal.api.responses.PortalAutoSchema",
    "EXCEPTION_HANDLER": "kaigo_portal.api.exceptions.exception_handler",
    # DRF's parsers, with JSON nested too deep refused as bad input (400) instead of a crash.
    "DEFAULT_PARSER_CLASSES": [
        "kaigo_portal.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Views that take no credential of their own (the card sign-in's device codes) are throttled per address.
    "DEFAULT_THROTTLE_RATES": {"device_code": env_str("KAIGO_DEVICE_CODE_RATE", "20/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kaigo Portal API",
    "DESCRIPTION": "介護情報基盤ポータルの API。システム連携には API キー (Authorization: Api-Key <key>) を使います。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI from our own static files (drf-spectacular-sidecar), not a CDN: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport under var/, so the demo
# runs background work with no server to install.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # An unacknowledged task (acks_late) goes back to the queue only after this long, not during a long import.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 6 * 60 * 60}
else:
    _queue_dir = Path(env_str("KAIGO_CELERY_QUEUE_DIR", str(VAR_DIR / "celery" / "queue")))
    _queue_dir.mkdir(parents=True, exist_ok=True)
    _control_dir = _queue_dir.parent / "control"
    _control_dir.mkdir(exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"  # a host named: kombu warns about a URL without one
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        # The exchange tables beside the queue, where every process using this queue finds them (kombu's
        # default is ./control, in the working tree).
        "control_folder": str(_control_dir),
    }
CELERY_TASK_IGNORE_RESULT = True
# A task's message is acknowledged after it ran, and given back when its worker dies mid-task: no queued
# import, e-mail or reminder is lost. So every task is safe to run again: imports are one transaction with a
# run lock, e-mails are sent once per key (kaigo_portal.mail, or the senders' own keyed records), and the
# periodic tasks are idempotent. Redis keeps the queue across its own restarts (AOF, docker-compose.yml).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "eligibility-search-fields-nightly": {
        "task": "eligibility.tasks.refresh_search_fields",
        "schedule": crontab(hour=0, minute=5),
    },
    "retention-nightly": {
        "task": "kaigo_portal.operations.tasks.apply_retention",
        "schedule": crontab(hour=4, minute=10),
    },
    "audit-partitions-ahead": {
        "task": "kaigo_portal.audit.tasks.ensure_partitions",
        "schedule": crontab(hour=2, minute=30),
    },
    "audit-verify-nightly": {
        "task": "kaigo_portal.audit.tasks.verify_chains",
        "schedule": crontab(hour=3, minute=15),
    },
}

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env_str("KAIGO_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kaigo Portal <no-reply@kaigo-portal.invalid>")
# The right-hand side of the Message-ID of mails sent once per key (kaigo_portal.mail): the portal's domain.
KAIGO_MAIL_ID_DOMAIN = env_str("KAIGO_MAIL_ID_DOMAIN", "kaigo-portal.invalid")
KAIGO_SITE_URL = env_str("KAIGO_SITE_URL", "http://127.0.0.1:8000")

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
# Our overrides of libraries' Japanese (allauth's ログイン → サインイン), compiled and committed (django.mo).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env_str("KAIGO_MEDIA_ROOT", str(VAR_DIR / "media"))},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The kanji search's index holds the page's sort columns (INCLUDE) on PostgreSQL; SQLite (the demo) has no
# such indexes and builds the index without them, which is all the demo needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
CSRF_FAILURE_VIEW = "kaigo_portal.web.errors.csrf_failure"  # Japanese, in the site's layout
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    if env_bool("KAIGO_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "kaigo_portal.logging.RequestIDFilter"},
        "redact": {"()": "kaigo_portal.logging.RedactFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Municipal bulk imports.
KAIGO_IMPORT_MAX_BYTES = env_int("KAIGO_IMPORT_MAX_BYTES", 1_000_000_000, minimum=1_000)
# Any other request body: the largest upload a form takes (a care-plan set of 20 MB) and the form around it.
# A larger one is refused from its Content-Length before it is read (kaigo_portal.middleware).
# The office map's background (国土地理院's 地理院タイル by default, with its attribution). Empty: the map
# shows the offices without a background, for a network with no way out.
KAIGO_MAP_TILES_URL = env_str(
    "KAIGO_MAP_TILES_URL", "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"
)
KAIGO_MAP_TILES_ATTRIBUTION = env_str(
    "KAIGO_MAP_TILES_ATTRIBUTION",
    '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>',
)
# Content-Security-Policy (django-csp): every script, style, font and frame from the site itself; no inline
# script or style (the pages' scripts are static files); images also from the map's tile server.
_TILES_ORIGIN = (
    "/".join(KAIGO_MAP_TILES_URL.split("/")[:3]) if KAIGO_MAP_TILES_URL.startswith("https://") else ""
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_TILES_ORIGIN] if _TILES_ORIGIN else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'self'"],  # a receipt's PDF, shown in the subsidy review
        "frame-ancestors": ["'self'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
KAIGO_REQUEST_MAX_BYTES = env_int("KAIGO_REQUEST_MAX_BYTES", 25_000_000, minimum=1_000_000)
# A CSV at least this large is validated in two processes (the machines have two cores).
KAIGO_IMPORT_PARALLEL_MIN_BYTES = env_int("KAIGO_IMPORT_PARALLEL_MIN_BYTES", 8_000_000, minimum=0)
# 端末のクライアント証明書 (kaigo_portal/terminals, docs/operations.md): with KAIGO_REQUIRE_CLIENT_CERT, staff of
# the kinds of organisation listed (and those organisations' API keys) work only from a terminal holding a
# certificate of the portal's CA, as the TLS proxy verified it. The proxy proves itself with
# KAIGO_PROXY_SECRET. Persons and the public portal never need one; municipal staff on the municipal
# network only if "insurer" is listed.
KAIGO_REQUIRE_CLIENT_CERT = env_bool("KAIGO_REQUIRE_CLIENT_CERT", False)
KAIGO_CLIENT_CERT_KINDS = env_list("KAIGO_CLIENT_CERT_KINDS", ["care_office", "clinic"])
KAIGO_PROXY_SECRET = env_str("KAIGO_PROXY_SECRET", "")
if KAIGO_REQUIRE_CLIENT_CERT and len(KAIGO_PROXY_SECRET) < 32:
    raise ImproperlyConfigured("KAIGO_REQUIRE_CLIENT_CERT needs KAIGO_PROXY_SECRET (32+ random characters)")
KAIGO_TERMINAL_CA_CERT = env_str("KAIGO_TERMINAL_CA_CERT", "")
KAIGO_TERMINAL_CA_KEY = env_str("KAIGO_TERMINAL_CA_KEY", "")
KAIGO_TERMINAL_CA_KEY_PASSWORD = env_str("KAIGO_TERMINAL_CA_KEY_PASSWORD", "")
KAIGO_TERMINAL_CERT_DAYS = env_int("KAIGO_TERMINAL_CERT_DAYS", 397, minimum=1, maximum=1200)  # [decision]

# The access log's retention (docs/operations.md, "Retention"). Months older than ONLINE_MONTHS are archived
# to files (a dump per month with its hash) and detached; the files are kept KEEP_YEARS [decision].
KAIGO_ACCESS_LOG_ONLINE_MONTHS = env_int("KAIGO_ACCESS_LOG_ONLINE_MONTHS", 24, minimum=1, maximum=240)
KAIGO_ACCESS_LOG_KEEP_YEARS = env_int("KAIGO_ACCESS_LOG_KEEP_YEARS", 5, minimum=1, maximum=100)
KAIGO_ACCESS_LOG_ARCHIVE_DIR = env_str("KAIGO_ACCESS_LOG_ARCHIVE_DIR", str(VAR_DIR / "access-log-archive"))

# The other personal data's retention (kaigo_portal/operations/retention.py; nightly): decisions, in
# docs/operations.md.
KAIGO_IMPORT_FILE_DAYS = env_int("KAIGO_IMPORT_FILE_DAYS", 90, minimum=1, maximum=3650)
KAIGO_OPINION_KEEP_YEARS = env_int("KAIGO_OPINION_KEEP_YEARS", 5, minimum=1, maximum=100)
KAIGO_CONSENT_WITHDRAWN_KEEP_YEARS = env_int("KAIGO_CONSENT_WITHDRAWN_KEEP_YEARS", 5, minimum=1, maximum=100)

# manage.py backup writes here unless given --folder (docs/operations.md: keep them off this machine too).
KAIGO_BACKUP_DIR = env_str("KAIGO_BACKUP_DIR", str(VAR_DIR / "backups"))
# A running import whose progress has not moved for this long has lost its worker and may be queued again.
# How long a job whose database went away waits for it to come back, to record that it failed.
KAIGO_DB_RECOVERY_SECONDS = env_int("KAIGO_DB_RECOVERY_SECONDS", 15 * 60, minimum=0)
KAIGO_IMPORT_STALL_SECONDS = env_int("KAIGO_IMPORT_STALL_SECONDS", 300, minimum=0)

# The public portal (kaigo_portal.public): the contact centre shown on every public page, and the
# inquiry form's limits. A window counts submissions per client IP and per e-mail address.
# The demo shows a placeholder number; in production an unset number shows no telephone line at all
# (never a made-up one). The number's shape is checked at start-up (kaigo_portal/public/apps.py).
KAIGO_CONTACT_PHONE = env_str("KAIGO_CONTACT_PHONE", "0570-000-000" if DEBUG else "")
KAIGO_CONTACT_HOURS = env_str("KAIGO_CONTACT_HOURS", "平日 9時〜17時（土日祝日・年末年始を除く）")
KAIGO_INQUIRY_LIMIT_PER_IP = env_int("KAIGO_INQUIRY_LIMIT_PER_IP", 5, minimum=1, maximum=1000)
KAIGO_INQUIRY_LIMIT_PER_EMAIL = env_int("KAIGO_INQUIRY_LIMIT_PER_EMAIL", 3, minimum=1, maximum=1000)
KAIGO_INQUIRY_LIMIT_WINDOW_SECONDS = env_int(
    "KAIGO_INQUIRY_LIMIT_WINDOW_SECONDS", 60 * 60, minimum=60, maximum=7 * 24 * 60 * 60
)
# A person takes more than a few seconds to write an inquiry; a script posting at once is refused.
KAIGO_INQUIRY_MIN_SECONDS = env_int("KAIGO_INQUIRY_MIN_SECONDS", 3, minimum=0, maximum=600)
# How many reverse proxies in front of the portal append to X-Forwarded-For (0: use REMOTE_ADDR).
KAIGO_INQUIRY_PROXY_COUNT = env_int("KAIGO_INQUIRY_PROXY_COUNT", 0, minimum=0, maximum=5)
# Subsidies (助成金): receipts, and the operator's own account for the 全銀 総合振込 file (振込依頼人).
KAIGO_SUBSIDY_RECEIPT_MAX_BYTES = env_int("KAIGO_SUBSIDY_RECEIPT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
KAIGO_SUBSIDY_RECEIPTS_MAX_COUNT = env_int("KAIGO_SUBSIDY_RECEIPTS_MAX_COUNT", 10, minimum=1, maximum=100)
KAIGO_SUBSIDY_PAYER = {
    key: env_str(f"KAIGO_SUBSIDY_PAYER_{key.upper()}", "")
    for key in (
        "code",
        "name",
        "bank_code",
        "bank_name",
        "branch_code",
        "branch_name",
        "account_type",
        "account_number",
    )
}

# Consent and relationships (consent app). A relationship made by 本人確認 lapses when no claim has
# arrived for this many months (until a claim arrives, it lasts this long from the 本人確認).
KAIGO_RELATIONSHIP_LAPSE_MONTHS = env_int("KAIGO_RELATIONSHIP_LAPSE_MONTHS", 3, minimum=1, maximum=24)

# Care plans and LIFE (careplans): the LIFE distribution hides a band (and the whole comparison group)
# with fewer persons than this, so that no other office's person can be singled out.
KAIGO_LIFE_MIN_GROUP_SIZE = env_int("KAIGO_LIFE_MIN_GROUP_SIZE", 5, minimum=2, maximum=1000)
# The forms that look a person up by number (被保険者証 4情報, 緊急閲覧) lock after this many failures, added up
# over both forms, per user / per office / per client address within the window. The address is the one
# KAIGO_INQUIRY_PROXY_COUNT trusted proxies saw (set it behind a proxy, or every client shares the proxy's);
# it is set above the office's limit, since an office's PCs often share one address.
KAIGO_VERIFY_MAX_FAILURES_USER = env_int("KAIGO_VERIFY_MAX_FAILURES_USER", 5, minimum=1, maximum=100)
KAIGO_VERIFY_MAX_FAILURES_OFFICE = env_int("KAIGO_VERIFY_MAX_FAILURES_OFFICE", 20, minimum=1, maximum=1000)
KAIGO_VERIFY_MAX_FAILURES_ADDRESS = env_int(
    "KAIGO_VERIFY_MAX_FAILURES_ADDRESS", 30, minimum=1, maximum=10_000
)
KAIGO_VERIFY_LOCK_SECONDS = env_int("KAIGO_VERIFY_LOCK_SECONDS", 60 * 60, minimum=60)
CELERY_BEAT_SCHEDULE["consent-sweep-relationships"] = {
    "task": "consent.tasks.sweep_relationships",
    "schedule": crontab(hour=2, minute=30),
}
CELERY_BEAT_SCHEDULE["consent-new-organisation-notices"] = {
    "task": "consent.tasks.send_new_organisation_notices",
    "schedule": 10 * 60,
}

# --- The My Number card (本人確認 and sign-in; consent.identity) ---
# PEM files of the JPKI 利用者証明用 CA certificates a card certificate must chain to (comma-separated).
KAIGO_JPKI_CA_FILES = env_list("KAIGO_JPKI_CA_FILES", [])
KAIGO_JPKI_CHALLENGE_SECONDS = env_int("KAIGO_JPKI_CHALLENGE_SECONDS", 120, minimum=10, maximum=600)
KAIGO_JPKI_DEVICE_CODE_SECONDS = env_int("KAIGO_JPKI_DEVICE_CODE_SECONDS", 5 * 60, minimum=60, maximum=900)
# certification: the daily renewal reminder (60 days before expiry; each notice is sent once).
CELERY_BEAT_SCHEDULE["certification-renewal-reminders"] = {
    "task": "certification.tasks.send_renewal_reminders",
    "schedule": crontab(hour=7, minute=0),
}

# --- 主治医意見書 (opinions) ---
# Days a clinic has to answer a request (the 依頼日 not counted); past it the request is overdue.
KAIGO_OPINION_DUE_DAYS = env_int("KAIGO_OPINION_DUE_DAYS", 14, minimum=1, maximum=90)
# PEM files of the CA certificates an opinion's electronic signature must chain to (comma-separated).
KAIGO_OPINION_TRUST_ANCHOR_FILES = env_list("KAIGO_OPINION_TRUST_ANCHOR_FILES", [])
# The largest PDF accepted with an opinion (the EHR's rendering, or a paper opinion's scan).
KAIGO_OPINION_PDF_MAX_BYTES = env_int("KAIGO_OPINION_PDF_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
