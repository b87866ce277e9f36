"""The "Rapports" admin page: figures for a period and communes, XLSX and PDF downloads."""

from __future__ import annotations

import datetime as dt
import html
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub import dashboards, reports
from lms.models import Enrolment, EnrolmentStatus, Evaluation
from network.models import AuditEntry, Commune

from .test_dashboards import grow

pytestmark = pytest.mark.django_db

URL = "/admin/rapports/"


def _user(username):
    return get_user_model().objects.get(username=username)


def _period_query(first: dt.date, last: dt.date, **extra) -> dict:
    return {"first_day": first.isoformat(), "last_day": last.isoformat(), **extra}


def test_the_coordination_sees_the_report_in_french(client, demo_data):
    grow(2)
    client.force_login(_user("coordination"))
    response = client.get(URL)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "<h1" in page and "Rapports d'activité" in page
    for text in (
        "Synthèse",
        "Professionnel·le·s formé·e·s par commune",
        "Évaluations des formations",
        "Groupes de parole",
        "Télécharger (XLSX)",
        "Télécharger (PDF)",
    ):
        assert text in page, text
    assert 'role="img"' in page
    # The admin menu offers it.
    assert '"/admin/rapports/"' in client.get("/admin/").content.decode()


def test_a_wrong_period_is_explained_and_nothing_is_downloaded(client, demo_data):
    client.force_login(_user("coordination"))
    today = timezone.localdate()
    query = _period_query(today, today - dt.timedelta(days=3), format="xlsx")
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "La fin de la période précède son début." in response.content.decode()
    response = client.get(URL, {"first_day": "31/02/2026", "last_day": "pas une date"})
    assert response.status_code == 200
    assert "Saisissez une date valide." in response.content.decode()


def test_a_commune_coordinator_reports_on_their_commune_only(client, demo_data):
    grow(3)
    esneux = Commune.objects.get(name="Esneux")
    other = Commune.objects.exclude(pk=esneux.pk).first()
    client.force_login(_user("coord-esneux"))
    page = client.get(URL).content.decode()
    assert f'value="{esneux.pk}"' in page
    assert f'value="{other.pk}"' not in page
    today = timezone.localdate()
    query = _period_query(today - dt.timedelta(days=365), today, communes=[other.pk])
    response = client.get(URL, query)
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    report = reports.build(
        _user("coord-esneux"), dashboards.Period(today - dt.timedelta(days=365), today)
    )
    assert [c.name for c in report.scope.communes] == ["Esneux"]
    assert report.communes_label == "Esneux"


def test_people_who_are_not_coordinators_cannot_see_it(client, demo_data):
    response = client.get(URL)
    assert response.status_code == 302  # to the sign-in page
    for username in ("professionnelle", "animateur", "referente", "formatrice"):
        client.force_login(_user(username))
        assert client.get(URL, {"format": "xlsx"}).status_code in (302, 403)
    assert not AuditEntry.objects.filter(action__startswith="export.report").exists()


def test_the_workbook_holds_the_figures_of_the_page(client, demo_data):
    from openpyxl import load_workbook

    grow(3)
    user = _user("coordination")
    client.force_login(user)
    today = timezone.localdate()
    first = today - dt.timedelta(days=400)
    response = client.get(URL, _period_query(first, today, format="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith('attachment; filename="rapport-')
    assert "no-store" in response["Cache-Control"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "Synthèse"
    assert book.sheetnames == [
        "Synthèse",
        "Par commune",
        "Par type d'organisation",
        "Par module",
        "Par mois",
        "Sessions de formation",
        "Évaluations",
        "Groupes de parole",
    ]
    summary = {row[0]: row[1] for row in book["Synthèse"].iter_rows(min_row=2, values_only=True)}
    report = reports.build(user, dashboards.Period(first, today))
    assert summary["Professionnel·le·s formé·e·s"] == report.trained.total > 0
    completed = Enrolment.objects.filter(
        status=EnrolmentStatus.COMPLETED,
        completed_at__gte=report.period.bounds()[0],
        completed_at__lt=report.period.bounds()[1],
    ).count()
    assert summary["Modules achevés"] == completed
    assert AuditEntry.objects.filter(action="export.report_xlsx").count() == 1


def test_the_pdf_renders_with_the_period_and_the_figures(client, demo_data):
    from pypdf import PdfReader

    grow(2)
    client.force_login(_user("coordination"))
    today = timezone.localdate()
    first = today - dt.timedelta(days=200)
    response = client.get(URL, _period_query(first, today, format="pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Rapport d'activité" in text
    assert first.strftime("%d/%m/%Y") in text
    assert "Professionnel·le·s formé·e·s par commune" in text
    assert AuditEntry.objects.filter(action="export.report_pdf").count() == 1


def test_evaluation_averages_are_hidden_below_five_answers(demo_data):
    from lms.models import ModulePage
    from tests.lms_tests import factories

    module = ModulePage.objects.order_by("pk").first()
    run = factories.run(module, commune_name="Esneux", capacity=10)
    ratings = [(5, 4, 3, 5), (4, 4, 4, 4), (3, 5, 5, 4), (5, 5, 4, 3), (2, 3, 4, 5)]
    for person, (a, b, c, d) in zip(factories.pros(5, start=20), ratings, strict=True):
        enrolment = Enrolment.objects.create(
            run=run, person=person, status=EnrolmentStatus.COMPLETED, completed_at=timezone.now()
        )
        Evaluation.objects.create(
            enrolment=enrolment, relevance=a, clarity=b, trainers=c, organisation=d
        )
    today = timezone.localdate()
    period = dashboards.Period(today - dt.timedelta(days=1), today)
    scope = dashboards.scope_for(_user("coordination"))
    answers = list(
        Evaluation.objects.filter(
            enrolment__run__module=module,
            submitted_at__gte=period.whole_months().bounds()[0],
            submitted_at__lt=period.whole_months().bounds()[1],
        )
    )
    row = {r.title: r for r in dashboards.evaluations(scope, period)}[module.title]
    assert row.answers == len(answers) >= 5
    for index, question in enumerate(dashboards.QUESTIONS):
        mean = sum(getattr(e, question) for e in answers) / len(answers)
        assert row.averages[index] == Decimal(str(mean)).quantize(Decimal("0.1"))
    Evaluation.objects.filter(pk__in=[e.pk for e in answers[: len(answers) - 4]]).delete()
    row = {r.title: r for r in dashboards.evaluations(scope, period)}[module.title]
    assert row.answers == 4
    assert row.averages == [None, None, None, None]


def _report_queries(username: str) -> int:
    user = _user(username)
    today = timezone.localdate()
    period = dashboards.Period(today - dt.timedelta(days=365), today)
    with CaptureQueriesContext(connection) as queries:
        reports.sections(reports.build(user, period))
    return len(queries)


@pytest.mark.parametrize("username", ["coordination", "coord-esneux"])
def test_the_report_runs_the_same_queries_at_two_sizes(demo_data, username):
    grow(3)  # every commune has a trained professional
    small = _report_queries(username)
    grow(3)
    assert _report_queries(username) == small
