"""The export layer: formulas neutralised in CSV and typed as text in XLSX, local times in both,
an explicit permission (403 otherwise), rows scoped by the permission layer, one audit entry
per export. Members here; enrolments and the certificate registry in test_exports_apps."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from network.exports import csv_response, export_response, safe_cell
from network.models import AuditEntry, MemberProfile

pytestmark = pytest.mark.django_db

DANGEROUS = [
    '=HYPERLINK("http://x")',
    "+32 4 123",
    "@SUM(1)",
    "-1+2",
    "\tcmd",
    "\rcmd",
]
SUMMER_NOON_UTC = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)  # 14:00 in Brussels
WINTER_NOON_UTC = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)  # 13:00 in Brussels


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def read_xlsx(response):
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows())


# --- the cells --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_text_cell_that_a_spreadsheet_would_compute_gets_a_leading_quote(value):
    assert safe_cell(value) == "'" + value


def test_plain_text_and_numbers_are_left_alone():
    assert safe_cell("Esneux") == "Esneux"
    assert safe_cell("") == "" and safe_cell(None) == ""
    assert safe_cell(-1) == "-1"  # a number is not a formula
    assert safe_cell(Decimal("-2.5")) == "-2.5"
    assert safe_cell(dt.date(2026, 3, 5)) == "05/03/2026"


def test_csv_neutralises_every_formula_and_writes_local_times():
    header = ["value", "summer", "winter"]
    rows = [[value, SUMMER_NOON_UTC, WINTER_NOON_UTC] for value in DANGEROUS]
    response = export_response("essai", header, rows, fmt="csv")
    assert response["Content-Disposition"].startswith('attachment; filename="essai-')
    got = read_csv(response)
    assert got[0] == header
    assert [row[0] for row in got[1:]] == ["'" + value for value in DANGEROUS]
    assert got[1][1] == "01/07/2026 14:00:00"  # CEST, never 12:00 UTC
    assert got[1][2] == "15/01/2026 13:00:00"  # CET


def test_xlsx_types_every_text_cell_as_a_string_and_keeps_it_unchanged():
    rows = [[value, 7, Decimal("1.5"), -3] for value in DANGEROUS]
    response = export_response("essai", ["=header", "n", "d", "neg"], rows, fmt="xlsx")
    sheet = read_xlsx(response)
    assert sheet[0][0].value == "=header" and sheet[0][0].data_type == "s"
    for value, row in zip(DANGEROUS, sheet[1:], strict=True):
        cell = row[0]
        assert cell.data_type == "s", value  # text, never "f" (a formula)
        assert cell.value == value  # the tab and the carriage return included
        assert [c.value for c in row[1:]] == [7, 1.5, -3]
        assert {c.data_type for c in row[1:]} == {"n"}


def test_xlsx_writes_dates_and_times_in_local_time_with_a_belgian_format():
    rows = [[SUMMER_NOON_UTC, WINTER_NOON_UTC, dt.date(2026, 3, 5)]]
    sheet = read_xlsx(export_response("essai", ["a", "b", "c"], rows, fmt="xlsx"))
    summer, winter, day = sheet[1]
    assert summer.value == dt.datetime(2026, 7, 1, 14, 0)  # never 12:00 (UTC)
    assert winter.value == dt.datetime(2026, 1, 15, 13, 0)
    assert summer.number_format == winter.number_format == "dd/mm/yyyy hh:mm"
    assert day.value == dt.datetime(2026, 3, 5) and day.number_format == "dd/mm/yyyy"
    assert summer.is_date and day.is_date


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError):
        export_response("essai", ["a"], [], fmt="ods")


def test_csv_response_keeps_working_for_existing_callers():
    got = read_csv(csv_response("x.csv", ["a"], [["=1+1"], [None]]))
    assert got == [["a"], ["'=1+1"], [""]]


# --- the members export -------------------------------------------------------------------------


@pytest.fixture
def risky_member(demo_data):
    """A member of Esneux whose fields look like formulas."""
    profile = MemberProfile.objects.filter(
        organisation__name="CPAS d'Esneux", user__username__startswith="pro-"
    ).first()
    profile.user.first_name = '=HYPERLINK("http://x")'
    profile.user.last_name = "\rZorro"
    profile.user.save()
    profile.phone = "+32 4 123"
    profile.function = "@SUM(1)"
    profile.created_at = SUMMER_NOON_UTC
    profile.save()
    return profile


def _aywaille_member():
    return MemberProfile.objects.filter(
        organisation__name="CPAS d'Aywaille", user__username__startswith="pro-"
    ).first()


def test_the_members_listing_offers_both_exports_to_a_coordinator(signed_in, demo_data):
    client = signed_in("coord-esneux")
    page = client.get(reverse("network_members:index")).content.decode()
    url = reverse("network_members:export")
    assert f"{url}?format=csv" in page and f"{url}?format=xlsx" in page
    assert "export=csv" not in page  # Wagtail's own export stays off


def test_a_commune_coordinators_export_holds_their_commune_only(signed_in, risky_member):
    outsider = _aywaille_member()
    client = signed_in("coord-esneux")
    url = reverse("network_members:export")
    before = AuditEntry.objects.filter(action="export.members").count()

    rows = read_csv(client.get(url, {"format": "csv"}))
    emails = {row[2] for row in rows[1:]}
    assert risky_member.user.email in emails
    assert outsider.user.email not in emails
    assert outsider.user.email not in "\n".join(";".join(r) for r in rows)
    mine = next(row for row in rows if row[2] == risky_member.user.email)
    assert mine[0] == "'\rZorro"
    assert mine[1] == "'" + '=HYPERLINK("http://x")'
    assert mine[4] == "'@SUM(1)" and mine[5] == "'+32 4 123"
    assert mine[8] == "01/07/2026 14:00:00"

    sheet = read_xlsx(client.get(url, {"format": "xlsx"}))
    values = [[c.value for c in row] for row in sheet]
    assert outsider.user.email not in {row[2] for row in values}
    mine = next(row for row in sheet if row[2].value == risky_member.user.email)
    for cell, expected in (
        (mine[0], "\rZorro"),
        (mine[1], '=HYPERLINK("http://x")'),
        (mine[4], "@SUM(1)"),
        (mine[5], "+32 4 123"),
    ):
        assert cell.data_type == "s" and cell.value == expected
    assert mine[8].value == dt.datetime(2026, 7, 1, 14, 0)

    entries = AuditEntry.objects.filter(action="export.members")
    assert entries.count() == before + 2  # one entry per export
    entry = entries.latest("pk")
    assert entry.origin == "admin" and entry.actor_key
    assert entry.object_type == "maillage_network.memberprofile"


def test_the_network_coordination_exports_every_commune(signed_in, risky_member):
    rows = read_csv(signed_in("coordination").get(reverse("network_members:export")))
    emails = {row[2] for row in rows[1:]}
    assert {risky_member.user.email, _aywaille_member().user.email} <= emails


def test_the_export_follows_the_listings_filters(signed_in, risky_member):
    client = signed_in("coordination")
    url = reverse("network_members:export")
    rows = read_csv(client.get(url, {"organisation": risky_member.organisation_id}))
    assert {row[3] for row in rows[1:]} == {risky_member.organisation.name}


@pytest.mark.parametrize("username", ["professionnelle", "referente", "animateur", "formatrice"])
def test_without_the_permission_the_export_is_a_403_and_nothing_is_audited(
    signed_in, demo_data, username
):
    client = signed_in(username)
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("network_members:export"), {"format": fmt})
        assert response.status_code in (302, 403)
        assert not response.has_header("Content-Disposition")
    assert not AuditEntry.objects.filter(action="export.members").exists()


def test_the_layer_answers_403_itself(rf, demo_data):
    """Behind the admin's own access check, export_for answers a plain 403."""
    from django.contrib.auth import get_user_model

    from network.export_views import MEMBERS
    from network.exports import export_for

    request = rf.get("/")
    request.user = get_user_model().objects.get(username="referente")
    response = export_for(request, MEMBERS, MemberProfile.objects.all(), "csv")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="export.members").exists()
