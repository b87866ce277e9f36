"""Development: debug on, e-mail to the console, demo data allowed."""

import os

from .base import *  # noqa: F403
from .base import STATIC_ROOT

DEBUG = True
SECRET_KEY = (
    os.environ.get("SECRET_KEY") or "dev-only-insecure-key-maillage-do-not-use-in-production"
)
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
MAILLAGE_ALLOW_DEMO_DATA = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
