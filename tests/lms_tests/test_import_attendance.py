"""Attendance typed after a training day, imported: the sample file, enrolment required."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from lms.models import Attendance, AttendanceStatus, CourseRun, Enrolment, EnrolmentStatus
from network import imports
from network.tabular import read_table

pytestmark = pytest.mark.django_db

User = get_user_model()
SAMPLES = (
    Path(__file__).resolve().parents[1] / "data" / "imports"
)  # copies of ../shared/data/imports
RUN = "PR-VEP-2026-01"


def _sample(name):
    return read_table((SAMPLES / name).read_bytes(), name)


def _import_and_enrol_sample_members(run):
    report = imports.run_import("members", _sample("membres-exemple.csv"), None, dry_run=False)
    assert report.ok, report.error_rows
    people = User.objects.filter(
        email__in=[
            "sophie.lejeune@cpas-esneux.example",
            "t.renard@secova.example",
            "anais.gerard@aywaille.example",
            "benoit.collard@ecole-sprimont.example",
        ]
    )
    for person in people:
        Enrolment.objects.create(run=run, person=person, status=EnrolmentStatus.CONFIRMED)


def test_sample_attendance_imports_after_the_members(demo_data):
    run = CourseRun.objects.get(code=RUN)
    _import_and_enrol_sample_members(run)
    table = _sample("presences-exemple.csv")
    assert (table.encoding, table.delimiter) == ("utf-8-sig", ",")

    report = imports.run_import("attendance", table, None, dry_run=False)

    assert report.ok and report.written, [r.errors for r in report.error_rows]
    assert report.new == 4
    marks = {
        a.enrolment.person.email.lower(): (a.status, a.hours)
        for a in Attendance.objects.filter(session__series=run.series)
        .select_related("enrolment__person")
        .filter(enrolment__person__email__icontains=".example")
        if a.enrolment.person.username.count("@")
    }
    assert marks["sophie.lejeune@cpas-esneux.example"] == (AttendanceStatus.PRESENT, Decimal(6))
    assert marks["t.renard@secova.example"] == (AttendanceStatus.EXCUSED, Decimal(0))
    assert marks["anais.gerard@aywaille.example"] == (AttendanceStatus.PARTIAL, Decimal("3.5"))
    assert marks["benoit.collard@ecole-sprimont.example"] == (AttendanceStatus.ABSENT, 0)
    sophie = Enrolment.objects.get(run=run, person__email="sophie.lejeune@cpas-esneux.example")
    assert sophie.status == EnrolmentStatus.COMPLETED  # 6 h of 6: the module's rule is met

    again = imports.run_import("attendance", table, None, dry_run=False)
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 4, "error": 0}


def test_person_not_enrolled_is_an_error_row(demo_data):
    run = CourseRun.objects.get(code=RUN)
    imports.run_import("members", _sample("membres-exemple.csv"), None, dry_run=False)
    before = Attendance.objects.count()
    with translation.override("en"):
        report = imports.run_import(
            "attendance", _sample("presences-exemple.csv"), None, dry_run=False
        )
    assert report.errors == 4 and not report.written
    first = report.error_rows[0]
    assert first.line == 2 and first.errors[0].column == "E-mail"
    assert first.errors[0].message == (
        f"sophie.lejeune@cpas-esneux.example is not enrolled in the run {run.code}."
    )
    assert Attendance.objects.count() == before


def test_only_coordinators_of_the_run_import_attendance(demo_data):
    run = CourseRun.objects.get(code=RUN)  # an Esneux run
    _import_and_enrol_sample_members(run)
    table = _sample("presences-exemple.csv")
    ok = imports.run_import(
        "attendance", table, User.objects.get(username="coord-esneux"), dry_run=True
    )
    assert ok.ok
    other = imports.run_import(
        "attendance", table, User.objects.get(username="coord-aywaille"), dry_run=True
    )
    assert other.errors == 4 and all(r.errors[0].column == "Code formation" for r in other.rows)
