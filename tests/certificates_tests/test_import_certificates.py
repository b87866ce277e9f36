"""External certificates imported from a list: recorded once, scoped to the holder's communes."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from certificates.models import Certificate, CertificateKind
from network import imports
from network.tabular import read_table

pytestmark = pytest.mark.django_db

User = get_user_model()
HEADER = "E-mail;Code module;Émetteur;Date de délivrance;Heures;Référence\n"


def _table(text: str):
    return read_table(text.encode("utf-8"), "attestations.csv")


def _external():
    return sorted(
        Certificate.objects.filter(kind=CertificateKind.EXTERNAL).values_list(
            "holder_id", "reference", "hours", "valid_from", "issuer_name", "title"
        )
    )


def _emails():
    professional = User.objects.get(username="professionnelle")  # Esneux
    facilitator = User.objects.get(username="animateur")  # Aywaille
    return professional.email.upper(), facilitator.email


def test_a_list_imports_then_changes_nothing(demo_data):
    pro, fac = _emails()
    text = (
        HEADER
        + f"{pro};pr-vep;Pôle Ressources;14/10/2024;6;PR-2024-118\n"
        + f"{fac};;Croix-Rouge;2023-03-02;3,5;CR/77\n"
    )
    text = text.replace(HEADER, HEADER[:-1] + ";Intitulé\n")
    text = text.replace("PR-2024-118\n", "PR-2024-118;\n").replace(
        "CR/77\n", "CR/77;Premiers secours psychologiques\n"
    )
    before = len(_external())
    report = imports.run_import("certificates", _table(text), None, dry_run=False)
    assert report.ok and report.written, [r.errors for r in report.error_rows]
    assert report.new == 2
    recorded = Certificate.objects.get(reference="PR-2024-118")
    assert recorded.kind == CertificateKind.EXTERNAL and recorded.module.code == "PR-VEP"
    assert recorded.holder.username == "professionnelle" and str(recorded.hours) == "6.0"
    assert Certificate.objects.get(reference="CR/77").title == "Premiers secours psychologiques"
    assert len(_external()) == before + 2

    snapshot = _external()
    again = imports.run_import("certificates", _table(text), None, dry_run=False)
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 2, "error": 0}
    assert _external() == snapshot

    changed = imports.run_import(
        "certificates", _table(text.replace(";6;", ";6,5;")), None, dry_run=False
    )
    assert changed.counts["changed"] == 1
    assert str(Certificate.objects.get(reference="PR-2024-118").hours) == "6.5"


def test_a_bad_row_writes_nothing(demo_data):
    pro, fac = _emails()
    before = _external()
    with translation.override("en"):
        report = imports.run_import(
            "certificates",
            _table(
                HEADER
                + f"{pro};PR-VEP;Pôle Ressources;14/10/2024;6;A-1\n"
                + f"{fac};ZZ-999;Croix-Rouge;31/02/2023;trois;A-2\n"
            ),
            None,
            dry_run=False,
        )
    assert not report.written and report.errors == 1
    (bad,) = report.error_rows
    assert bad.line == 3
    assert [e.column for e in bad.errors] == ["Code module", "Date de délivrance", "Heures"]
    assert bad.errors[0].message == "Unknown module code: “ZZ-999”."
    assert _external() == before


def test_a_commune_coordinator_records_only_for_their_members(demo_data):
    pro, fac = _emails()
    table = _table(
        HEADER
        + f"{pro};PR-VEP;Pôle Ressources;14/10/2024;6;B-1\n"
        + f"{fac};PR-VEP;Pôle Ressources;14/10/2024;6;B-2\n"
    )
    report = imports.run_import(
        "certificates", table, User.objects.get(username="coord-esneux"), dry_run=True
    )
    assert report.new == 1 and report.errors == 1
    assert report.error_rows[0].line == 3 and report.error_rows[0].errors[0].column == "E-mail"
    network = imports.run_import(
        "certificates", table, User.objects.get(username="coordination"), dry_run=True
    )
    assert network.ok and network.new == 2


def _command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_the_command(demo_data, tmp_path):
    pro, _fac = _emails()
    good = tmp_path / "ok.csv"
    good.write_text(HEADER + f"{pro};PR-VEP;Pôle Ressources;14/10/2024;6;C-1\n", encoding="utf-8")
    assert _command("certificates", str(good), "--dry-run")[0] == 0
    assert not Certificate.objects.filter(reference="C-1").exists()
    assert _command("certificates", str(good))[0] == 0
    assert Certificate.objects.filter(reference="C-1").count() == 1
    assert _command("certificates", str(good))[0] == 0
    assert Certificate.objects.filter(reference="C-1").count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"{pro};PR-VEP;;14/10/2024;6;C-2\n", encoding="utf-8")
    code, _out, err = _command("certificates", str(bad))
    assert code == 1 and "Émetteur" in err
    assert not Certificate.objects.filter(reference="C-2").exists()
    assert _command("certificates", str(tmp_path / "none.csv"))[0] == 2
