"""Benchmarks: production-like (no debug), own SQLite file unless DATABASE_URL says otherwise."""

import os

from .base import *  # noqa: F403
from .base import STATIC_ROOT, VAR_DIR, database_config

DEBUG = False
SECRET_KEY = "bench-only-key-maillage-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MAILLAGE_ALLOW_DEMO_DATA = True
AXES_ENABLED = False
DATABASES = {
    "default": database_config(
        os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'bench.sqlite3'}"
    )
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
LOGGING["loggers"]["django_tasks"]["level"] = "WARNING"  # noqa: F405
LOGGING["loggers"]["django"]["level"] = "ERROR"  # noqa: F405
