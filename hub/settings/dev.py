"""Development: debug on, e-mail to the console, demo data allowed."""

import os

from .base import *  # noqa: F403
from .base import STATIC_ROOT, env_bool

DEBUG = True
SECRET_KEY = (
    os.environ.get("SECRET_KEY") or "dev-only-insecure-key-maillage-do-not-use-in-production"
)
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
MAILLAGE_ALLOW_DEMO_DATA = True
# Demo accounts sign in with their password alone; MAILLAGE_OTP_ENFORCED=1 to try the factor.
MAILLAGE_OTP_ENFORCED = env_bool("MAILLAGE_OTP_ENFORCED", False)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
