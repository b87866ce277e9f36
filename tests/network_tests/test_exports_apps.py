"""The export layer in the apps: a run's enrolment list, the certificate registry and the group
statistics in CSV and XLSX, scoped, audited, refused without the permission."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certificates import services as certificate_services
from lms import services as lms_services
from network.models import AuditEntry, MemberProfile
from tests.certificates_tests.factories import module, run, template

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _pro(organisation: str):
    return (
        MemberProfile.objects.filter(
            organisation__name=organisation, user__username__startswith="pro-"
        )
        .order_by("user__username")
        .first()
        .user
    )


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return [list(row) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]


@pytest.fixture
def two_communes(demo_data):
    """An Esneux run with an enrolled person whose name looks like a formula, an Aywaille run,
    and a certificate of each."""
    esneux_module = module(title="Export Esneux", code="EXP-E")
    template(esneux_module)
    aywaille_module = module(title="Export Aywaille", code="EXP-A")
    template(aywaille_module)
    esneux_run = run(esneux_module)
    aywaille_run = run(aywaille_module, commune_name="Aywaille")
    person = _pro("CPAS d'Esneux")
    person.first_name = "+32 4 123"
    person.save()
    outsider = _pro("CPAS d'Aywaille")
    lms_services.enrol(person, esneux_run)
    lms_services.enrol(outsider, aywaille_run)
    certificates = {}
    for key, the_run, holder in (
        ("esneux", esneux_run, person),
        ("aywaille", aywaille_run, outsider),
    ):
        achieved = certificate_services.Achieved(
            certificate_services.template_for(module=the_run.module),
            the_run,
            None,
            Decimal("6"),
            timezone.localdate(),
        )
        certificates[key] = certificate_services.issue(achieved, holder, notify=False)
    return {
        "esneux_run": esneux_run,
        "aywaille_run": aywaille_run,
        "person": person,
        "outsider": outsider,
        "certificates": certificates,
    }


def test_a_runs_enrolment_list_in_xlsx_is_typed_and_audited(signed_in, two_communes):
    client = signed_in("coord-esneux")
    the_run = two_communes["esneux_run"]
    url = reverse("lms_runs:export", args=[the_run.pk])
    page = client.get(reverse("lms_runs:inspect", args=[the_run.pk])).content.decode()
    assert f"{url}?format=csv" in page and f"{url}?format=xlsx" in page

    sheet = _sheet(client.get(url, {"format": "xlsx"}))
    (row,) = sheet[1:]
    assert row[0].data_type == "s" and row[0].value.startswith("+32 4 123")
    assert row[2].value == two_communes["person"].email
    entry = AuditEntry.objects.filter(action="export.enrolments").latest("pk")
    assert entry.object_key == str(the_run.pk) and entry.origin == "admin"


def test_another_communes_run_cannot_be_exported(signed_in, two_communes):
    client = signed_in("coord-esneux")
    url = reverse("lms_runs:export", args=[two_communes["aywaille_run"].pk])
    response = client.get(url, {"format": "xlsx"})
    assert response.status_code in (302, 403, 404)
    assert not response.has_header("Content-Disposition")
    assert not AuditEntry.objects.filter(action="export.enrolments").exists()


def test_the_certificate_registry_in_xlsx_holds_the_coordinators_communes_only(
    signed_in, two_communes
):
    client = signed_in("coord-esneux")
    url = reverse("certificates_registry:export")
    page = client.get(reverse("certificates_registry:index")).content.decode()
    assert f"{url}?format=csv" in page and f"{url}?format=xlsx" in page

    sheet = _sheet(client.get(url, {"format": "xlsx"}))
    numbers = {row[0].value for row in sheet[1:]}
    assert two_communes["certificates"]["esneux"].serial in numbers
    assert two_communes["certificates"]["aywaille"].serial not in numbers
    holder = next(
        row for row in sheet if row[0].value == two_communes["certificates"]["esneux"].serial
    )
    assert holder[1].data_type == "s" and holder[1].value.startswith("+32 4 123")
    assert AuditEntry.objects.filter(action="export.certificates").count() == 1

    everyone = _sheet(signed_in("coordination").get(url, {"format": "xlsx"}))
    numbers = {row[0].value for row in everyone[1:]}
    assert {c.serial for c in two_communes["certificates"].values()} <= numbers


@pytest.mark.parametrize("username", ["professionnelle", "animateur"])
def test_without_the_permission_no_app_export_answers(signed_in, two_communes, username):
    client = signed_in(username)
    for url in (
        reverse("lms_runs:export", args=[two_communes["esneux_run"].pk]),
        reverse("certificates_registry:export"),
        reverse("groups_statistics:export"),
    ):
        response = client.get(url, {"format": "xlsx"})
        assert response.status_code in (302, 403, 404), url
        assert not response.has_header("Content-Disposition"), url
    assert not AuditEntry.objects.filter(action__startswith="export.").exists()


def test_the_group_statistics_come_in_xlsx_too(signed_in, demo_data):
    client = signed_in("coord-esneux")
    page = client.get(reverse("groups_statistics:index")).content.decode()
    assert "format=xlsx" in page
    sheet = _sheet(client.get(reverse("groups_statistics:export"), {"format": "xlsx"}))
    assert [row[1].value for row in sheet[1:]] == ["Esneux"]  # their commune only
    assert all(cell.data_type in ("s", "n") for row in sheet for cell in row if cell.value)
    assert AuditEntry.objects.filter(action="export.group_statistics").count() == 1
