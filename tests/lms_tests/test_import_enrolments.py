"""Enrolments imported from a list: seats respected, all or nothing, scoped to the run."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from lms.models import CourseRun, Enrolment, EnrolmentStatus
from network import imports
from network.models import MemberProfile
from network.tabular import read_table

pytestmark = pytest.mark.django_db

User = get_user_model()
RUN = "PR-VEP-2026-01"  # an Esneux run of the demo


def _table(text: str):
    return read_table(text.encode("utf-8"), "inscriptions.csv")


def _outsiders(run, count):
    """Members not enrolled in `run`, as their e-mails in mixed case."""
    users = (
        User.objects.filter(member_profile__isnull=False)
        .exclude(enrolments__run=run)
        .exclude(email="")
        .order_by("pk")[:count]
    )
    return [u.email.upper() for u in users]


def _run_with_free_seats(free):
    run = CourseRun.objects.get(code=RUN)
    CourseRun.objects.filter(pk=run.pk).update(capacity=run.seats_taken + free)
    run.refresh_from_db()
    return run


def _snapshot(run):
    return sorted(
        Enrolment.objects.filter(run=run).values_list(
            "person_id", "status", "updated_at", "waitlist_position"
        )
    )


def test_a_list_imports_then_changes_nothing(demo_data):
    run = _run_with_free_seats(2)
    a, b, c = _outsiders(run, 3)
    text = (
        "Code formation;E-mail;Statut\n"
        f"{RUN.lower()};{a};Confirmé\n"
        f"{RUN};{b};confirmed\n"
        f"{RUN};{c};demandé\n"
    )
    report = imports.run_import("enrolments", _table(text), None, dry_run=False)

    assert report.ok and report.written, [r.errors for r in report.error_rows]
    assert report.counts == {"new": 3, "changed": 0, "unchanged": 0, "error": 0}
    by_email = {
        e.person.email.upper(): e.status
        for e in Enrolment.objects.filter(run=run).select_related("person")
    }
    assert by_email[a] == by_email[b] == EnrolmentStatus.CONFIRMED
    assert by_email[c] == EnrolmentStatus.REQUESTED
    run.refresh_from_db()
    assert run.seats_taken == run.capacity  # two seats taken, the request holds none

    before = _snapshot(run)
    again = imports.run_import("enrolments", _table(text), None, dry_run=False)
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 3, "error": 0}
    assert _snapshot(run) == before


def test_rows_over_capacity_write_nothing(demo_data):
    run = _run_with_free_seats(1)
    a, b = _outsiders(run, 2)
    before = _snapshot(run)
    with translation.override("fr"):
        report = imports.run_import(
            "enrolments",
            _table(f"Formation;Courriel;Statut\n{RUN};{a};confirmé\n{RUN};{b};confirmé\n"),
            None,
            dry_run=False,
        )
    assert not report.written and report.errors == 1
    bad = report.error_rows[0]
    assert bad.line == 3 and bad.errors[0].column == "Statut"
    assert RUN in bad.errors[0].message
    assert _snapshot(run) == before


def test_a_cancellation_frees_a_seat_for_a_confirmation(demo_data):
    run = _run_with_free_seats(0)
    holder = Enrolment.objects.filter(run=run, status=EnrolmentStatus.CONFIRMED).first()
    if holder is None:  # the demo run may have nobody confirmed yet
        run = _run_with_free_seats(1)
        (first,) = _outsiders(run, 1)
        assert imports.run_import(
            "enrolments",
            _table(f"Code;E-mail;Statut\n{RUN};{first};confirmé\n"),
            None,
            dry_run=False,
        ).written
        run.refresh_from_db()
        holder = Enrolment.objects.get(run=run, person__email__iexact=first)
    (newcomer,) = _outsiders(run, 1)
    report = imports.run_import(
        "enrolments",
        _table(
            "Code;E-mail;Statut;Motif\n"
            f"{RUN};{newcomer};confirmé;\n"
            f"{RUN};{holder.person.email};annulé;Changement d'affectation\n"
        ),
        None,
        dry_run=False,
    )
    assert report.written, [r.errors for r in report.error_rows]
    assert report.counts["new"] == 1 and report.counts["changed"] == 1
    holder.refresh_from_db()
    assert holder.status == EnrolmentStatus.CANCELLED
    assert holder.reason == "Changement d'affectation"
    run.refresh_from_db()
    assert run.seats_taken == run.capacity


def test_bad_rows_report_line_column_and_reason(demo_data):
    run = _run_with_free_seats(5)
    (a,) = _outsiders(run, 1)
    before = _snapshot(run)
    with translation.override("en"):
        report = imports.run_import(
            "enrolments",
            _table(
                "Code formation;E-mail;Statut\n"
                f"{RUN};{a};confirmé\n"
                f"{RUN};nobody@nowhere.example;peut-être\n"
                f"XX-0000;{a};annulé\n"
            ),
            None,
            dry_run=False,
        )
    assert not report.written and report.errors == 2 and report.new == 1
    line3, line4 = report.error_rows
    assert line3.line == 3
    assert [(e.column, e.message) for e in line3.errors] == [
        ("E-mail", "No member has the address “nobody@nowhere.example”."),
        ("Statut", "“peut-être” is not a status: write confirmé, demandé or annulé."),
    ]
    assert (line4.line, line4.errors[0].column) == (4, "Code formation")
    assert _snapshot(run) == before
    assert b"peut-\xc3\xaatre" in report.failed_rows_csv()


def test_a_coordinator_enrols_only_in_the_runs_they_manage(demo_data):
    run = _run_with_free_seats(2)
    (a,) = _outsiders(run, 1)
    table = _table(f"Code formation;E-mail;Statut\n{RUN};{a};confirmé\n")
    esneux = imports.run_import(
        "enrolments", table, User.objects.get(username="coord-esneux"), dry_run=True
    )
    assert esneux.ok and esneux.new == 1
    other = imports.run_import(
        "enrolments", table, User.objects.get(username="coord-aywaille"), dry_run=True
    )
    assert other.errors == 1 and other.error_rows[0].errors[0].column == "Code formation"
    with pytest.raises(imports.NotAllowed):
        imports.run_import(
            "enrolments", table, User.objects.get(username="professionnelle"), dry_run=True
        )


def _command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def test_the_command(demo_data, tmp_path):
    run = _run_with_free_seats(1)
    a, b = _outsiders(run, 2)
    good = tmp_path / "ok.csv"
    good.write_text(f"Code formation;E-mail;Statut\n{RUN};{a};confirmé\n", encoding="cp1252")
    assert _command("enrolments", str(good), "--dry-run")[0] == 0
    assert not Enrolment.objects.filter(run=run, person__email__iexact=a).exists()
    assert _command("enrolments", str(good), "--as", "coord-esneux")[0] == 0
    assert Enrolment.objects.filter(run=run, person__email__iexact=a).exists()
    full = tmp_path / "full.csv"
    full.write_text(f"Code formation;E-mail;Statut\n{RUN};{b};confirmé\n", encoding="utf-8")
    code, _out, err = _command("enrolments", str(full))
    assert code == 1 and "2" in err and "Statut" in err
    assert not Enrolment.objects.filter(run=run, person__email__iexact=b).exists()
    assert MemberProfile.objects.exists()
