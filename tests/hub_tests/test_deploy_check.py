"""Production settings: `check --deploy` is clean, HTTPS and HSTS are on, secrets come from the
environment only (hub/settings/production.py; README "Production", "Security headers")."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What the production settings read, and what is printed back from them.
SHOW = """
import json, django
from django.conf import settings
from django.core.management import call_command
django.setup()
call_command("check", deploy=True, fail_level="WARNING")
print("SETTINGS " + json.dumps({name: getattr(settings, name, None) for name in %r}))
"""
NAMES = [
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "MAILLAGE_SIGNING_PASSPHRASE",
    "EMAIL_HOST_PASSWORD",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "X_FRAME_OPTIONS",
    "MAILLAGE_CSP",
]


def production(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECRET_", "MAILLAGE_", "SECURE_", "DATABASE_"))
        and key not in {"ALLOWED_HOSTS", "EMAIL_HOST_PASSWORD"}
    }
    return subprocess.run(
        [sys.executable, "-c", SHOW % (NAMES,)],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "hub.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_and_read_secrets_from_the_environment(tmp_path):
    env = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECRET_KEY_FALLBACKS": secrets.token_urlsafe(50),
        "MAILLAGE_SIGNING_PASSPHRASE": secrets.token_urlsafe(30),
        "EMAIL_HOST_PASSWORD": secrets.token_urlsafe(12),
        "ALLOWED_HOSTS": "maillage.reseau-secova.example",
        "MAILLAGE_VAR_DIR": str(tmp_path),
    }
    done = production(env)
    # call_command raises SystemCheckError on any warning: the output names it.
    assert done.returncode == 0, done.stderr[-3000:]
    assert "System check identified no issues" in done.stdout, done.stdout
    line = next(line for line in done.stdout.splitlines() if line.startswith("SETTINGS "))
    found = json.loads(line.removeprefix("SETTINGS "))

    assert found["DEBUG"] is False
    assert found["SECRET_KEY"] == env["SECRET_KEY"]
    assert found["SECRET_KEY_FALLBACKS"] == [env["SECRET_KEY_FALLBACKS"]]
    assert found["MAILLAGE_SIGNING_PASSPHRASE"] == env["MAILLAGE_SIGNING_PASSPHRASE"]
    assert found["EMAIL_HOST_PASSWORD"] == env["EMAIL_HOST_PASSWORD"]
    assert found["ALLOWED_HOSTS"] == ["maillage.reseau-secova.example"]

    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["SECURE_HSTS_SECONDS"] >= 31536000
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert found["SECURE_HSTS_PRELOAD"] is True
    assert found["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert found["SECURE_REFERRER_POLICY"] == "same-origin"
    assert found["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert found["SESSION_COOKIE_SECURE"] is True
    assert found["CSRF_COOKIE_SECURE"] is True
    assert found["LANGUAGE_COOKIE_SECURE"] is True
    assert found["SESSION_COOKIE_HTTPONLY"] is True
    assert found["X_FRAME_OPTIONS"] == "DENY"
    assert found["MAILLAGE_CSP"]["frame-ancestors"] == ["'self'"]


SECRET_NAMES = re.compile(
    r"^\s*(SECRET_KEY|SECRET_KEY_FALLBACKS|\w*PASSWORD|\w*PASSPHRASE|\w*_TOKEN\w*|\w*_KEY)\s*=\s*(.+)$",
    re.M,
)


def test_shared_and_production_settings_hard_code_no_secret():
    """base.py and production.py take every secret from os.environ (dev.py and test.py may
    carry throw-away keys; the demo password is not a secret: demo data is refused in
    production, MAILLAGE_ALLOW_DEMO_DATA)."""
    for name in ("base.py", "production.py"):
        source = (ROOT / "hub" / "settings" / name).read_text()
        for setting, value in SECRET_NAMES.findall(source):
            if setting == "MAILLAGE_DEMO_PASSWORD":
                continue
            assert "os.environ" in value or "env_list(" in value, f"{name}: {setting} = {value}"
