"""Importing members and organisations: all or nothing, idempotent, scoped, audited."""

import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from network import imports
from network.exceptions import NotAllowed
from network.models import AuditEntry, Commune, MemberProfile, MemberStatus, Organisation
from network.tabular import read_table

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in their source language (the French translation may change)."""
    with translation.override("en"):
        yield


User = get_user_model()
SAMPLES = (
    Path(__file__).resolve().parents[1] / "data" / "imports"
)  # copies of ../shared/data/imports
HEADER = "Nom;Prénom;E-mail;Organisation;Commune;Fonction;Téléphone"


def _table(lines, name="membres.csv", encoding="utf-8"):
    return read_table("\r\n".join(lines).encode(encoding), name)


def _members(count, start=0, commune="Esneux", organisation="CPAS d'Esneux"):
    return [
        f"Nom{i};Prénom{i};Pers{i}@Cpas-Esneux.example;{organisation};{commune};Assistant;+32 4 {i}"
        for i in range(start, start + count)
    ]


def _counts():
    return (User.objects.count(), MemberProfile.objects.count(), AuditEntry.objects.count())


def test_sample_members_file_imports_as_it_is(demo_data):
    table = read_table((SAMPLES / "membres-exemple.csv").read_bytes(), "membres-exemple.csv")
    assert (table.encoding, table.delimiter) == ("cp1252", ";")

    dry = imports.run_import("members", table, None, dry_run=True)
    assert dry.counts == {"new": 5, "changed": 0, "unchanged": 0, "error": 0}
    assert not dry.written
    assert not User.objects.filter(email__iexact="sophie.lejeune@cpas-esneux.example").exists()

    report = imports.run_import("members", table, None, dry_run=False, origin="test")
    assert report.ok and report.written and report.new == 5
    profile = MemberProfile.objects.select_related("user", "organisation").get(
        user__email="t.renard@secova.example"
    )
    assert profile.user.first_name == "Thomas" and profile.user.last_name == "Renard"
    assert profile.organisation.name.startswith("Zone de police Secova")
    assert profile.phone == "+32 4 361 00 00"
    assert profile.status == MemberStatus.ACTIVE and profile.user.is_active
    assert not profile.user.has_usable_password()
    assert list(profile.communes.values_list("name", flat=True)) == ["Chaudfontaine"]
    elodie = User.objects.get(email="elodie.fraipont@cpas-trooz.example")
    assert elodie.first_name == "Élodie"
    entry = AuditEntry.objects.filter(action="import.members").get()
    assert entry.object_type == "members" and entry.object_key == "new=5 changed=0 unchanged=0"


def test_second_import_changes_nothing(demo_data):
    table = _table([HEADER, *_members(6)])
    imports.run_import("members", table, None, dry_run=False)
    before = _counts()
    with CaptureQueriesContext(connection) as queries:
        report = imports.run_import("members", table, None, dry_run=False)
    assert report.counts == {"new": 0, "changed": 0, "unchanged": 6, "error": 0}
    assert not any(
        q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "audit" not in q["sql"]
        for q in queries.captured_queries
    )
    assert _counts()[:2] == before[:2]
    # E-mails in another case and phones re-typed identically are the same person, unchanged.
    upper = _table([HEADER, *(line.upper().replace("NOM", "Nom") for line in _members(1))])
    assert imports.run_import("members", upper, None, dry_run=True).changed == 1  # names differ
    same = _table([HEADER, _members(1)[0].replace("Pers0@Cpas-Esneux", "PERS0@cpas-esneux")])
    assert imports.run_import("members", same, None, dry_run=True).unchanged == 1


@pytest.mark.parametrize("size", [5, 20])
def test_queries_do_not_grow_with_rows(demo_data, size):
    table = _table([HEADER, *_members(size)])
    with CaptureQueriesContext(connection) as dry:
        imports.run_import("members", table, None, dry_run=True)
    with CaptureQueriesContext(connection) as real:
        imports.run_import("members", table, None, dry_run=False)
    with CaptureQueriesContext(connection) as again:
        imports.run_import("members", table, None, dry_run=False)
    assert len(dry) <= 6
    assert len(real) <= 16
    assert len(again) <= 8


def test_one_bad_row_writes_nothing_and_is_reported(demo_data):
    lines = _members(30)
    lines[17] = lines[17].replace("CPAS d'Esneux", "CPAS d Esnieux")
    lines[24] = lines[24].replace("Esneux;Assistant", "Liège;Assistant")
    table = _table([HEADER, *lines])
    before = _counts()

    report = imports.run_import("members", table, None, dry_run=False)

    assert not report.written and report.errors == 2 and report.new == 28
    assert _counts() == before
    first, second = report.error_rows
    assert first.line == 19 and second.line == 26  # the header is line 1
    assert first.errors[0].column == "Organisation"
    assert first.errors[0].message == (
        "Unknown organisation: “CPAS d Esnieux”. Did you mean “CPAS d'Esneux”?"
    )
    assert second.errors[0].column == "Commune"
    assert "Liège" in second.errors[0].message

    failed = report.failed_rows_csv().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(failed), delimiter=";"))
    assert rows[0] == [*table.headers, "Error"]
    assert [r[2] for r in rows[1:]] == ["Pers17@Cpas-Esneux.example", "Pers24@Cpas-Esneux.example"]
    assert rows[1][6] == "'+32 4 17"  # a formula to a spreadsheet: neutralised
    assert "Did you mean" in rows[1][-1]
    assert len(rows) == 3


def test_headers_unknown_columns_and_missing_ones(demo_data):
    table = _table(
        [" e_mail ;PRENOM;nom;Organisme;Remarque", "a.b@cpas-esneux.example;A;B;CPAS d'Esneux;x"]
    )
    report = imports.run_import("members", table, None, dry_run=True)
    assert report.unknown_columns == ["Remarque"] and report.new == 1
    with pytest.raises(imports.MissingColumns, match="organisation"):
        imports.run_import(
            "members", _table(["Nom;Prénom;E-mail", "a;b;c@d.example"]), None, dry_run=True
        )


def test_duplicate_email_in_file_is_an_error(demo_data):
    lines = _members(2)
    table = _table([HEADER, lines[0], lines[0].replace("Pers0", "PERS0")])
    report = imports.run_import("members", table, None, dry_run=False)
    assert [r.line for r in report.error_rows] == [3]


def test_user_without_permission_is_refused(demo_data):
    table = _table([HEADER, *_members(1)])
    for username in ("professionnelle", "animateur"):
        with pytest.raises(NotAllowed):
            imports.run_import("members", table, User.objects.get(username=username), dry_run=True)


def test_commune_coordinator_imports_only_into_their_communes(demo_data):
    coordinator = User.objects.get(username="coord-esneux")
    ours = _table([HEADER, *_members(2)])
    report = imports.run_import("members", ours, coordinator, dry_run=False)
    assert report.written and report.new == 2

    lines = _members(3, start=10)
    lines[1] = lines[1].replace("CPAS d'Esneux;Esneux", "CPAS d'Aywaille;Aywaille")
    report = imports.run_import("members", _table([HEADER, *lines]), coordinator, dry_run=False)
    assert not report.written
    assert [(r.line, r.errors[0].column) for r in report.error_rows] == [
        (3, "Organisation"),
    ] or [(r.line,) for r in report.error_rows] == [(3,)]
    assert any("Aywaille" in e.message for e in report.error_rows[0].errors)
    assert not User.objects.filter(email__iexact="pers10@cpas-esneux.example").exists()

    # A member of another commune, named by e-mail, cannot be changed from Esneux.
    other = MemberProfile.objects.filter(organisation__name="CPAS d'Aywaille").first()
    line = f"X;Y;{other.user.email};CPAS d'Esneux;Esneux;;"
    report = imports.run_import("members", _table([HEADER, line]), coordinator, dry_run=True)
    assert report.errors == 1 and report.error_rows[0].errors[0].column == "E-mail"


def test_organisations_upsert_by_name(demo_data):
    header = "Nom;Type;Communes;E-mail;Téléphone"
    lines = [
        header,
        "Maison de quartier de Tilff;Association;Esneux;contact@mq-tilff.example;04 1",
        "cpas d’esneux;CPAS;Esneux;;",
    ]
    report = imports.run_import("organisations", _table(lines), None, dry_run=False)
    assert report.ok and report.new == 1
    created = Organisation.objects.get(name="Maison de quartier de Tilff")
    assert list(created.communes.all()) == [Commune.objects.get(name="Esneux")]
    again = imports.run_import("organisations", _table(lines), None, dry_run=True)
    assert again.new == 0 and again.changed + again.unchanged == 2
    coordinator = User.objects.get(username="coord-esneux")
    elsewhere = _table([header, "Club de Remouchamps;Association;Aywaille;;"])
    report = imports.run_import("organisations", elsewhere, coordinator, dry_run=False)
    assert report.errors == 1 and not Organisation.objects.filter(name__startswith="Club").exists()
