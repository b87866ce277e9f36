"""A run's attendance sheet exported in the import's own format: it imports back unchanged;
only those who may export the run get it; formulas are neutralised; one audit entry."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from lms.models import CourseRun
from network import imports
from network.models import AuditEntry
from network.tabular import read_table
from tests.lms_tests.test_import_attendance import RUN, _import_and_enrol_sample_members, _sample

pytestmark = pytest.mark.django_db

PASSWORD = "demo-maillage"


def _client(client, username):
    client.logout()
    assert client.login(username=username, password=PASSWORD)
    return client


def _marked_run():
    run = CourseRun.objects.get(code=RUN)
    _import_and_enrol_sample_members(run)
    report = imports.run_import("attendance", _sample("presences-exemple.csv"), None, dry_run=False)
    assert report.written
    return run


def test_the_attendance_sheet_imports_back_unchanged(client, demo_data):
    run = _marked_run()
    url = reverse("lms_runs:export_attendance", args=[run.pk])
    response = _client(client, "coord-esneux").get(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Code formation", "Nom", "E-mail", "Date", "Présence", "Heures"]
    by_email = {row[2]: row for row in rows[1:]}
    assert by_email["t.renard@secova.example"][4] == "excusé"
    assert AuditEntry.objects.filter(action="export.attendance").count() == 1

    again = imports.run_import(
        "attendance", read_table(response.content, "presences.csv"), None, dry_run=True
    )
    assert again.ok and again.unknown_columns == ["Nom"]
    assert again.counts == {"new": 0, "changed": 0, "unchanged": len(rows) - 1, "error": 0}

    xlsx = client.get(url + "?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    back = imports.run_import(
        "attendance", read_table(xlsx.content, "presences.xlsx"), None, dry_run=True
    )
    assert back.ok and back.unchanged == len(rows) - 1


def test_only_those_who_may_export_the_run_get_the_sheet(client, demo_data):
    run = _marked_run()  # an Esneux run
    url = reverse("lms_runs:export_attendance", args=[run.pk])
    page = reverse("lms_runs:inspect", args=[run.pk])
    assert url in _client(client, "coord-esneux").get(page).content.decode()
    for username in ("coord-aywaille", "professionnelle"):
        response = _client(client, username).get(url)
        assert response.status_code in (302, 403, 404), username
        assert not response.get("Content-Type", "").startswith("text/csv")
    assert not AuditEntry.objects.filter(action="export.attendance").exists()


def test_a_formula_in_a_name_is_neutralised(client, demo_data):
    run = _marked_run()
    person = run.enrolments.select_related("person").first().person
    person.last_name = '=HYPERLINK("http://x")'
    person.save()
    response = _client(client, "coord-esneux").get(
        reverse("lms_runs:export_attendance", args=[run.pk])
    )
    names = [
        row[1]
        for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    ]
    assert not any(name.startswith("=") for name in names)


def test_the_export_runs_the_same_queries_for_more_rows(client, demo_data):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lms.models import Attendance, Enrolment, EnrolmentStatus

    run = _marked_run()
    c = _client(client, "coord-esneux")
    url = reverse("lms_runs:export_attendance", args=[run.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert c.get(url).status_code == 200
        return len(captured)

    before = queries()
    mark = Attendance.objects.filter(enrolment__run=run).first()
    for i in range(5):
        person = get_user_model().objects.create(username=f"extra{i}", email=f"x{i}@x.example")
        enrolment = Enrolment.objects.create(
            run=run, person=person, status=EnrolmentStatus.CONFIRMED
        )
        Attendance.objects.create(
            enrolment=enrolment, session=mark.session, status=mark.status, hours=mark.hours
        )
    assert queries() == before
