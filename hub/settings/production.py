"""Production: everything secret or site-specific comes from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50 characters or more.")
# Rotating SECRET_KEY: the previous key(s) here, comma-separated, keep sessions, password-reset
# links and agenda feed URLs valid until they expire (README "Security headers").
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
if not os.environ.get("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names the hub answers to.")

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# One cache shared by every worker process on the host: the verification rate limit and the
# rendered certificate PDFs (which hold names: the directory is the app's own, mode 0700).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),  # noqa: F405
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}

MAILLAGE_PROXY_COUNT = int(os.environ.get("MAILLAGE_PROXY_COUNT", "1"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
# The second factor is required of the roles that see children's records (base.py).
MAILLAGE_OTP_ENFORCED = env_bool("MAILLAGE_OTP_ENFORCED", True)
