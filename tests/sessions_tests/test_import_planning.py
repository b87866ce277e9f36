"""Availability, absences and closures imported from spreadsheets: all or nothing, scoped."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from network import imports
from network.models import Commune
from network.tabular import read_table
from sessions.models import Absence, Availability, Closure, ClosureKind
from sessions.resources import parse_time

pytestmark = pytest.mark.django_db

User = get_user_model()


def _table(text: str):
    return read_table(text.encode("utf-8"), "planning.csv")


def _emails():
    esneux = User.objects.get(username="professionnelle")
    aywaille = User.objects.get(username="animateur")
    return esneux.email.upper(), aywaille.email


def _windows():
    return sorted(
        Availability.objects.values_list("person_id", "weekday", "start_time", "end_time")
    )


def _absences():
    return sorted(
        Absence.objects.values_list("person_id", "start_date", "end_date", "private_reason")
    )


def _closures():
    return sorted(
        Closure.objects.values_list("commune_id", "kind", "start_date", "end_date", "reason"),
        key=str,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("16:30", (16, 30)), ("16h30", (16, 30)), ("9h", (9, 0)), ("09:00:00", (9, 0))],
)
def test_times_as_people_write_them(text, expected):
    assert parse_time(text) == dt.time(*expected)


def test_availability_imports_then_changes_nothing(demo_data):
    esneux, aywaille = _emails()
    text = (
        "E-mail;Jour;De;À\n"
        f"{esneux};Lundi;16h30;19:00\n"
        f"{esneux};3;09:00;12h\n"
        f"{aywaille};friday;14:00;17:30\n"
    )
    before = len(_windows())
    report = imports.run_import("availability", _table(text), None, dry_run=False)
    assert report.ok and report.written and report.new == 3, report.error_rows
    person = User.objects.get(username="professionnelle")
    assert Availability.objects.filter(
        person=person, weekday=0, start_time=dt.time(16, 30), end_time=dt.time(19)
    ).exists()
    assert Availability.objects.filter(person=person, weekday=2, start_time=dt.time(9)).exists()
    assert len(_windows()) == before + 3
    snapshot = _windows()
    again = imports.run_import("availability", _table(text), None, dry_run=False)
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 3, "error": 0}
    assert _windows() == snapshot


def test_availability_bad_row_and_scope(demo_data):
    esneux, aywaille = _emails()
    before = _windows()
    with translation.override("en"):
        report = imports.run_import(
            "availability",
            _table(f"E-mail;Jour;De;À\n{esneux};lundi;16:30;19:00\n{esneux};jourdi;18h;17h\n"),
            None,
            dry_run=False,
        )
    assert not report.written and report.errors == 1
    (bad,) = report.error_rows
    assert bad.line == 3 and [e.column for e in bad.errors] == ["Jour", "À"]
    assert bad.errors[1].message == "The end comes before the start."
    assert _windows() == before
    scoped = imports.run_import(
        "availability",
        _table(f"E-mail;Jour;De;À\n{esneux};lundi;16:30;19:00\n{aywaille};lundi;16:30;19:00\n"),
        User.objects.get(username="coord-esneux"),
        dry_run=True,
    )
    assert scoped.new == 1 and scoped.errors == 1
    assert scoped.error_rows[0].line == 3 and scoped.error_rows[0].errors[0].column == "E-mail"


def test_absences_upsert_and_scope(demo_data):
    esneux, aywaille = _emails()
    text = (
        "E-mail;Premier jour;Dernier jour;Motif\n"
        f"{esneux};01/07/2027;15/07/2027;Congé\n"
        f"{aywaille};2027-08-03;;\n"
    )
    before = len(_absences())
    report = imports.run_import("absences", _table(text), None, dry_run=False)
    assert report.ok and report.new == 2, report.error_rows
    one_day = Absence.objects.get(person__username="animateur", start_date=dt.date(2027, 8, 3))
    assert one_day.end_date == one_day.start_date
    snapshot = _absences()
    assert len(snapshot) == before + 2
    again = imports.run_import("absences", _table(text), None, dry_run=False)
    assert again.counts["unchanged"] == 2 and _absences() == snapshot
    longer = imports.run_import(
        "absences", _table(text.replace("15/07/2027", "20/07/2027")), None, dry_run=False
    )
    assert longer.counts == {"new": 0, "changed": 1, "unchanged": 1, "error": 0}

    with translation.override("en"):
        bad = imports.run_import(
            "absences",
            _table(f"E-mail;Premier jour;Dernier jour\n{esneux};10/09/2027;01/09/2027\n"),
            User.objects.get(username="coord-esneux"),
            dry_run=False,
        )
    assert not bad.written
    assert [(e.column, e.message) for e in bad.error_rows[0].errors] == [
        ("Dernier jour", "The last day comes before the first.")
    ]
    out = imports.run_import(
        "absences",
        _table(f"E-mail;Premier jour\n{aywaille};10/09/2027\n"),
        User.objects.get(username="coord-esneux"),
        dry_run=False,
    )
    assert out.errors == 1 and out.error_rows[0].errors[0].column == "E-mail"
    assert len(_absences()) == before + 2


def test_closures_by_commune_and_network(demo_data):
    text = (
        "Commune;Premier jour;Dernier jour;Motif;Type\n"
        "Esneux;02/11/2027;03/11/2027;Fermeture des bureaux;locale\n"
        ";11/11/2027;;Armistice (test);férié\n"
    )
    before = len(_closures())
    report = imports.run_import("closures", _table(text), None, dry_run=False)
    assert report.ok and report.new == 2, report.error_rows
    esneux = Commune.objects.get(name="Esneux")
    closure = Closure.objects.get(reason="Fermeture des bureaux")
    assert (closure.commune, closure.kind) == (esneux, ClosureKind.LOCAL)
    assert Closure.objects.get(reason="Armistice (test)").commune is None
    snapshot = _closures()
    assert len(snapshot) == before + 2
    again = imports.run_import("closures", _table(text), None, dry_run=False)
    assert again.counts["unchanged"] == 2 and _closures() == snapshot

    coordinator = User.objects.get(username="coord-esneux")
    scoped = imports.run_import(
        "closures",
        _table(
            "Commune;Premier jour;Motif\n"
            "Esneux;04/11/2027;Formation interne\n"
            "Aywaille;04/11/2027;Formation interne\n"
            ";04/11/2027;Formation interne\n"
        ),
        coordinator,
        dry_run=False,
    )
    assert not scoped.written and scoped.new == 1 and scoped.errors == 2
    assert [r.line for r in scoped.error_rows] == [3, 4]
    assert {r.errors[0].column for r in scoped.error_rows} == {"Commune"}
    assert _closures() == snapshot


def _command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_the_command(demo_data, tmp_path):
    esneux, _aywaille = _emails()
    good = tmp_path / "dispo.csv"
    good.write_text(f"E-mail,Jour,De,À\n{esneux},samedi,10h00,12h00\n", encoding="cp1252")
    before = _windows()
    assert _command("availability", str(good), "--dry-run")[0] == 0
    assert _windows() == before
    assert _command("availability", str(good), "--as", "coord-esneux")[0] == 0
    assert len(_windows()) == len(before) + 1
    bad = tmp_path / "fermetures.csv"
    bad.write_text("Commune;Premier jour;Motif\nNulle-part;04/11/2027;X\n", encoding="utf-8")
    code, _out, err = _command("closures", str(bad))
    assert code == 1 and "2" in err and "Commune" in err
    code, _out, _err = _command("closures", str(bad), "--as", "professionnelle")
    assert code != 0
    assert _command("absences", str(tmp_path / "none.csv"))[0] == 2
