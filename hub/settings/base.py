"""Settings shared by every environment; values that differ come from the environment."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("MAILLAGE_VAR_DIR", BASE_DIR / "var"))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # The plugin set, lowest first: network <- sessions <- lms <- certificates <- groups <- hub
    "network",
    "sessions",
    "lms",
    "certificates",
    "groups",
    "hub",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "network.wagtail_users.UsersConfig",  # wagtail.users, listing export off
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "import_export",
    "recurrence",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hub.middleware.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout and absolute lifetime, then the second factor (network.middleware).
    "network.middleware.SessionLifetimeMiddleware",
    "network.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hub.middleware.ContentSecurityPolicyMiddleware",
    # Cache-Control: no-store unless the view decided its own caching (feeds, Open Badges).
    "hub.middleware.NoStoreMiddleware",
    # 400 for a NUL byte in the URL (PostgreSQL refuses it in a query); inside the two above.
    "hub.middleware.NulByteMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a lockout into the French "too many attempts" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]


def database_config(url: str) -> dict[str, Any]:
    """Parse DATABASE_URL; SQLite gets IMMEDIATE transactions and a busy timeout (DESIGN)."""
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=0 if url.startswith("sqlite") else 60)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # WAL lets the web server read while the task worker writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First: refuses early while a name/address pair is locked out after failed attempts.
    "axes.backends.AxesStandaloneBackend",
    "network.backends.UsernameOrEmailBackend",
]

# Login throttling (django-axes), on the front end's and the admin's sign-in alike: five
# failures for one name from one address lock that pair for fifteen minutes, and twenty from
# one address across any names lock the address (network.backends.LoginThrottleHandler); a
# success resets the name's count. No log of successful sign-ins is kept.
AXES_FAILURE_LIMIT = 5
MAILLAGE_LOGIN_FAILURES_PER_ADDRESS = 20
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "network.backends.LoginThrottleHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "network.backends.lockout_response"
AXES_CLIENT_IP_CALLABLE = "network.backends.client_address"
AXES_DISABLE_ACCESS_LOG = True
AXES_USERNAME_CALLABLE = "network.backends.normalised_username"
AXES_VERBOSE = False

# Second factor (django-otp, TOTP apps and backup codes): required when MAILLAGE_OTP_ENFORCED
# (production) of superusers, admin users and the roles below, who see children's records
# (groups.rules); then the admin and the facilitator space need it whatever the role.
# Anyone may turn it on from their account.
MAILLAGE_OTP_ENFORCED = env_bool("MAILLAGE_OTP_ENFORCED", False)
MAILLAGE_OTP_REQUIRED_ROLES = ("facilitator", "commune_coordinator", "network_coordination")
MAILLAGE_OTP_PROTECTED_PATHS = ("/admin/", "/mes-groupes/")
OTP_TOTP_ISSUER = "Maillage"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "/"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day

# Sessions expire: a shared office computer must not stay signed in. network.middleware ends
# a session idle for 30 minutes (staff roles: anyone beyond the plain professional) or two
# hours (professionals), and any session ten hours after sign-in; signing out, or being
# deactivated, ends every session of the person.
MAILLAGE_SESSION_IDLE_MINUTES_STAFF = int(
    os.environ.get("MAILLAGE_SESSION_IDLE_MINUTES_STAFF", "30")
)
MAILLAGE_SESSION_IDLE_MINUTES = int(os.environ.get("MAILLAGE_SESSION_IDLE_MINUTES", "120"))
MAILLAGE_SESSION_MAX_HOURS = int(os.environ.get("MAILLAGE_SESSION_MAX_HOURS", "10"))
MAILLAGE_SESSION_STAFF_ROLES = (
    "referent",
    "trainer",
    "facilitator",
    "commune_coordinator",
    "network_coordination",
)
SESSION_COOKIE_AGE = 60 * 60 * (MAILLAGE_SESSION_MAX_HOURS or 10)  # 0: no limit of ours
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Internationalisation: French (Belgium) first, English available, no prefix in URLs.
LANGUAGE_CODE = "fr-be"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "maillage_language"
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["hub.formats"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = [("fr", "Français"), ("en", "English")]
WAGTAILADMIN_USER_LOGIN_FORM = "hub.forms.AdminLoginForm"  # the password field labelled

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# "private" holds files that carry personal data (scans of external certificates): never
# under MEDIA_URL, served only by views that check who asks.
PRIVATE_ROOT = VAR_DIR / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# E-mail: any SMTP server from the environment; the network's address as sender.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Maillage <maillage@reseau-secova.example>"
)
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Background work: django-tasks with the database backend, run by `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Security headers shared by every environment (README, "Security headers").
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview view relaxes it to SAMEORIGIN itself
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (hub.middleware), in the shape of Django 6.0's SECURE_CSP. The front
# end has no inline script or style; `frame-ancestors 'self'` lets Wagtail's preview frame it.
MAILLAGE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
}
# Wagtail's admin still writes inline scripts (date pickers, inline panels) and styles.
MAILLAGE_CSP_ADMIN = {
    **MAILLAGE_CSP,
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
}
# No avatars from gravatar.com in the admin: it would tell a third party who uses the hub.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Wagtail
WAGTAIL_SITE_NAME = "Maillage"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = True
WAGTAIL_PASSWORD_RESET_ENABLED = True
WAGTAIL_USER_TIME_ZONES = ["Europe/Brussels"]
WAGTAIL_I18N_ENABLED = False
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
WAGTAIL_TIME_FORMAT = "%H:%M"

# Maillage
MAILLAGE_ALLOW_DEMO_DATA = False
MAILLAGE_DEMO_PASSWORD = "demo-maillage"
# django-recurrence edits the rule only; occurrences are computed from local times (DESIGN).
RECURRENCE_USE_TZ = False
# Sessions are materialised this far ahead; a nightly due job extends the horizon.
MAILLAGE_SESSION_HORIZON_DAYS = int(os.environ.get("MAILLAGE_SESSION_HORIZON_DAYS", "400"))
# Less time than this between two sessions in different communes is a TOO_CLOSE warning.
MAILLAGE_TRAVEL_BUFFER_MINUTES = int(os.environ.get("MAILLAGE_TRAVEL_BUFFER_MINUTES", "30"))
MAILLAGE_ICAL_DOMAIN = os.environ.get("MAILLAGE_ICAL_DOMAIN", "maillage.reseau-secova.example")
# Certificates: the issuer's name in PDFs and Open Badges; lookups allowed per address and
# window on the public verification page (enumeration); the passphrase of the signing keys
# (defaults to SECRET_KEY: set it on its own to rotate SECRET_KEY without losing the keys).
MAILLAGE_NETWORK_NAME = os.environ.get(
    "MAILLAGE_NETWORK_NAME",
    "Réseau intercommunal contre les violences intrafamiliales (zone Secova)",
)
MAILLAGE_VERIFY_RATE = (
    int(os.environ.get("MAILLAGE_VERIFY_LIMIT", "30")),
    int(os.environ.get("MAILLAGE_VERIFY_WINDOW_SECONDS", "600")),
)
MAILLAGE_SIGNING_PASSPHRASE = os.environ.get("MAILLAGE_SIGNING_PASSPHRASE", "")
# Reverse proxies in front of the site that append to X-Forwarded-For (0: none, the client's
# address is REMOTE_ADDR). Production defaults to one (the HTTPS proxy of the README).
MAILLAGE_PROXY_COUNT = int(os.environ.get("MAILLAGE_PROXY_COUNT", "0"))
# The audit log is kept five years (accountability), then purged by run_due_jobs.
MAILLAGE_AUDIT_RETENTION_DAYS = int(os.environ.get("MAILLAGE_AUDIT_RETENTION_DAYS", str(5 * 365)))
# Support groups: a child's identity (alias, needs, consents, safety instructions) is purged
# by run_due_jobs this many months after the last of their cycles closed; counts stay.
MAILLAGE_GROUPS_RETENTION_MONTHS = int(os.environ.get("MAILLAGE_GROUPS_RETENTION_MONTHS", "12"))
# Erasures are also appended to this file (JSON lines, a pseudonymous key and a date), kept
# apart from the database and its backups; `reapply_erasures` reads it after a restore. The
# erasure log's entries are kept longer than the oldest backup (README, "Backups").
MAILLAGE_ERASURE_LOG_FILE = os.environ.get("MAILLAGE_ERASURE_LOG_FILE", "")
# The erasure log's own secret (production: set it once, never rotate it; empty: SECRET_KEY).
MAILLAGE_ERASURE_KEY = os.environ.get("MAILLAGE_ERASURE_KEY", "")
MAILLAGE_ERASURE_LOG_RETENTION_DAYS = int(
    os.environ.get("MAILLAGE_ERASURE_LOG_RETENTION_DAYS", "400")
)
# Imports (`import_data`, the admin wizard): largest file accepted and most rows in it.
MAILLAGE_IMPORT_MAX_BYTES = int(os.environ.get("MAILLAGE_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
MAILLAGE_IMPORT_MAX_ROWS = int(os.environ.get("MAILLAGE_IMPORT_MAX_ROWS", "20000"))
# Files with more rows than this are checked and imported by the task worker, with a progress bar.
MAILLAGE_IMPORT_BACKGROUND_ROWS = int(os.environ.get("MAILLAGE_IMPORT_BACKGROUND_ROWS", "2000"))

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_secrets": {"()": "hub.logging.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django_tasks": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
