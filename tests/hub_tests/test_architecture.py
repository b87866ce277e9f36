"""The shape of the plugin set: labels, import direction, settings for production, translations."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["network", "sessions", "lms", "certificates", "groups", "hub"]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("app", LAYERS)
def test_no_lower_app_imports_a_higher_one(app):
    higher = LAYERS[LAYERS.index(app) + 1 :]
    offenders = []
    for path in (ROOT / app).rglob("*.py"):
        for module in _imported_modules(path):
            top = module.split(".")[0]
            if top in higher:
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_import_check_catches_an_offender(tmp_path):
    offender = tmp_path / "bad.py"
    offender.write_text("from groups.models import Cycle\nimport hub.urls\n")
    assert _imported_modules(offender) == {"groups.models", "hub.urls"}


def test_every_app_has_an_explicit_prefixed_label():
    labels = {}
    for name in LAYERS:
        config = apps.get_app_config(f"maillage_{name}")
        assert config.name == name
        assert "label" in type(config).__dict__, f"{name} must set its label explicitly"
        labels[name] = config.label
    assert labels["sessions"] != "sessions"
    assert apps.get_app_config("sessions").name == "django.contrib.sessions"


def test_installed_apps_list_the_plugin_set_in_layer_order():
    from django.conf import settings

    positions = [settings.INSTALLED_APPS.index(name) for name in LAYERS]
    assert positions == sorted(positions)


def _po_files():
    return sorted(
        p for p in ROOT.glob("**/locale/fr/LC_MESSAGES/django.po") if ".venv" not in p.parts
    )


def test_french_translation_is_complete_and_compiled():
    files = _po_files()
    assert {p.parts[len(ROOT.parts)] for p in files} >= {*LAYERS, "locale"}
    for path in files:
        catalogue = polib.pofile(str(path))
        assert catalogue.untranslated_entries() == [], path
        assert catalogue.fuzzy_entries() == [], path
        compiled = path.with_suffix(".mo")
        assert compiled.exists(), f"{compiled} missing: make messages"
        assert compiled.stat().st_mtime >= path.stat().st_mtime - 1, f"{compiled} is stale"


def _environ() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for Playwright, refused by --deploy
    return env


def test_production_settings_pass_check_deploy_without_warning(tmp_path):
    env = {
        **_environ(),
        "DJANGO_SETTINGS_MODULE": "hub.settings.production",
        "SECRET_KEY": "k" * 10 + "p3-#Xz!q9&Lm_w2$Vr7@Tn5^Yb8*Hc4(Gd6)Jf1+Ks0=Ue" + "a" * 10,
        "ALLOWED_HOSTS": "maillage.reseau-secova.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "MAILLAGE_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = {
        **_environ(),
        "DJANGO_SETTINGS_MODULE": "hub.settings.production",
        "SECRET_KEY": "",
        "ALLOWED_HOSTS": "maillage.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
