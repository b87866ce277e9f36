"""Tests: a file SQLite test database (threaded tests need one), immediate tasks, fast hashing."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, STATIC_ROOT, VAR_DIR

DEBUG = False
SECRET_KEY = "test-only-key-maillage-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MAILLAGE_ALLOW_DEMO_DATA = True
# Client.login() authenticates without a request, which django-axes refuses; the tests of
# throttling switch it on.
AXES_ENABLED = False
# The second factor is off, as in development; its tests switch it on. No idle timeout or
# lifetime either: many tests travel hours or days ahead of a sign-in (tests of timeouts set them).
MAILLAGE_OTP_ENFORCED = False
MAILLAGE_SESSION_IDLE_MINUTES_STAFF = MAILLAGE_SESSION_IDLE_MINUTES = 0
MAILLAGE_SESSION_MAX_HOURS = 0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # pytest-django's default in-memory database is shared-cache and locks under threads.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("MAILLAGE_TEST_DB", str(VAR_DIR / "test.sqlite3"))
    }

STATIC_ROOT.mkdir(parents=True, exist_ok=True)
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
LOGGING["loggers"]["django_tasks"]["level"] = "WARNING"  # noqa: F405
# Many verifications per test client: the rate-limit tests lower it themselves.
MAILLAGE_VERIFY_RATE = (1000, 600)
