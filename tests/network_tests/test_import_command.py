"""`manage.py import_data`: exit 0 imported, 1 rows with errors (nothing written), 2 the
file is unreadable; errors on stderr with line and column."""

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from network.models import MemberProfile

pytestmark = pytest.mark.django_db

User = get_user_model()
SAMPLES = (
    Path(__file__).resolve().parents[1] / "data" / "imports"
)  # copies of ../shared/data/imports


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_exit_codes(demo_data, tmp_path):
    sample = str(SAMPLES / "membres-exemple.csv")
    before = MemberProfile.objects.count()

    code, out, _err = _run("members", sample, "--dry-run")
    assert code == 0 and "5" in out and MemberProfile.objects.count() == before

    code, out, _err = _run("members", sample)
    assert code == 0 and MemberProfile.objects.count() == before + 5

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Nom;Prénom;E-mail;Organisation;Commune\nA;B;a.b@x.example;CPAS d'Esneux;Esneux\n"
        "C;D;pas-une-adresse;CPAS d'Esneux;Esneux\n",
        encoding="utf-8",
    )
    code, _out, err = _run("members", str(bad))
    assert code == 1
    assert "3" in err and "E-mail" in err
    assert not User.objects.filter(email="a.b@x.example").exists()

    code, _out, err = _run("members", str(tmp_path / "missing.csv"))
    assert code == 2
    binary = tmp_path / "image.xlsx"
    binary.write_bytes(b"PK\x03\x04garbage")
    assert _run("members", str(binary))[0] == 2
    assert _run("nothing", sample)[0] == 2


def test_as_user_uses_their_rights(demo_data):
    sample = str(SAMPLES / "membres-exemple.csv")
    code, _out, _err = _run("members", sample, "--as", "professionnelle")
    assert code == 1
    code, _out, err = _run("members", sample, "--as", "coord-esneux", "--dry-run")
    assert code == 1 and "Aywaille" in err  # only Esneux is theirs
