"""The organisations export: the columns of the organisations import (an exported file imports
back with every row unchanged), the view permission of organisations (403 without it), a commune
coordinator's rows scoped to the organisations that serve only their communes, formulas
neutralised, one audit entry, and the listing's Export and Import buttons by permission."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from network import imports
from network.export_views import organisation_header
from network.models import AuditEntry, Commune, Organisation, OrganisationKind
from network.tabular import read_table

pytestmark = pytest.mark.django_db

EXPORT = "network_organisations:export"
LISTING = "network_organisations:index"
RISKY_NAME = '=HYPERLINK("http://x")'
RISKY_PHONE = "+32 4 123 45 67"


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def _xlsx(response):
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows())


def _snapshot():
    return sorted(
        (o.name, o.kind, o.email, o.phone, tuple(sorted(o.communes.values_list("pk", flat=True))))
        for o in Organisation.objects.all()
    )


@pytest.fixture
def risky(demo_data):
    """An organisation of Esneux whose name and phone a spreadsheet would compute."""
    organisation = Organisation.objects.create(
        name=RISKY_NAME,
        kind=OrganisationKind.ASSOCIATION,
        email="contact@risque.example",
        phone=RISKY_PHONE,
    )
    organisation.communes.set([Commune.objects.get(name="Esneux")])
    return organisation


def _admin_user(username: str, *codenames: str):
    """A signed-in admin user holding exactly these permissions of organisations."""
    user = get_user_model().objects.create_user(username, f"{username}@x.example", "pw-12345678")
    group = Group.objects.create(name=f"test {username}")
    group.permissions.set(
        Permission.objects.filter(
            codename__in=["access_admin", *codenames],
            content_type__app_label__in=["wagtailadmin", "maillage_network"],
        )
    )
    user.groups.add(group)
    return user


# --- buttons --------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["coord-esneux", "coordination"])
def test_the_listing_offers_both_exports_and_the_import_to_coordinators(
    signed_in, demo_data, username
):
    page = signed_in(username).get(reverse(LISTING)).content.decode()
    url = reverse(EXPORT)
    assert f"{url}?format=csv" in page and f"{url}?format=xlsx" in page
    assert reverse("network_import:upload", args=["organisations"]) in page
    assert "export=csv" not in page  # Wagtail's own export stays off


@pytest.mark.parametrize(
    ("codenames", "exports", "imports_"),
    [
        (("change_organisation",), False, False),
        (("view_organisation",), True, False),
        (("view_organisation", "add_organisation"), True, True),
    ],
)
def test_the_buttons_follow_the_permissions(client, demo_data, codenames, exports, imports_):
    client.force_login(_admin_user("someone", *codenames))
    response = client.get(reverse(LISTING))
    assert response.status_code == 200
    page = response.content.decode()
    assert (f"{reverse(EXPORT)}?format=csv" in page) is exports
    assert (f"{reverse(EXPORT)}?format=xlsx" in page) is exports
    assert (reverse("network_import:upload", args=["organisations"]) in page) is imports_


# --- permission and scope -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_without_the_view_permission_the_export_is_a_403(client, demo_data, fmt):
    client.force_login(_admin_user("editor", "change_organisation", "add_organisation"))
    response = client.get(reverse(EXPORT), {"format": fmt})
    assert response.status_code == 403
    assert not response.has_header("Content-Disposition")
    assert not AuditEntry.objects.filter(action="export.organisations").exists()


@pytest.mark.parametrize("username", ["professionnelle", "referente", "animateur"])
def test_members_without_admin_access_get_no_file(signed_in, demo_data, username):
    response = signed_in(username).get(reverse(EXPORT), {"format": "xlsx"})
    assert response.status_code in (302, 403)
    assert not response.has_header("Content-Disposition")
    assert not AuditEntry.objects.filter(action="export.organisations").exists()


def test_a_commune_coordinator_exports_the_organisations_of_their_commune_only(signed_in, risky):
    rows = _csv(signed_in("coord-esneux").get(reverse(EXPORT)))
    names = {row[0] for row in rows[1:]}
    assert {"CPAS d'Esneux", "École communale d'Esneux", "'" + RISKY_NAME} <= names
    # Another commune's, and those serving several communes (the network's), stay out.
    assert "CPAS d'Aywaille" not in names
    assert "AMO Les Passerelles" not in names
    assert all(row[2] == "Esneux" for row in rows[1:])
    entry = AuditEntry.objects.get(action="export.organisations")
    assert entry.origin == "admin" and entry.actor_key
    assert entry.object_type == "maillage_network.organisation"


def test_the_network_coordination_exports_every_organisation(signed_in, risky):
    rows = _csv(signed_in("coordination").get(reverse(EXPORT)))
    assert len(rows) - 1 == Organisation.objects.count()
    shared = next(row for row in rows if row[0] == "AMO Les Passerelles")
    assert shared[2] == "Aywaille, Chaudfontaine, Esneux, Sprimont, Trooz"


def test_the_export_follows_the_listings_filters(signed_in, risky):
    esneux = Commune.objects.get(name="Esneux")
    rows = _csv(
        signed_in("coordination").get(
            reverse(EXPORT), {"kind": OrganisationKind.CPAS, "communes": esneux.pk}
        )
    )
    assert [row[0] for row in rows[1:]] == ["CPAS d'Esneux"]


# --- formulas -------------------------------------------------------------------------------


def test_formulas_are_neutralised_in_csv_and_typed_as_text_in_xlsx(signed_in, risky):
    client = signed_in("coord-esneux")
    rows = _csv(client.get(reverse(EXPORT), {"format": "csv"}))
    mine = next(row for row in rows if row[3] == "contact@risque.example")
    assert mine[0] == "'" + RISKY_NAME and mine[4] == "'" + RISKY_PHONE

    sheet = _xlsx(client.get(reverse(EXPORT), {"format": "xlsx"}))
    mine = next(row for row in sheet if row[3].value == "contact@risque.example")
    for cell, expected in ((mine[0], RISKY_NAME), (mine[4], RISKY_PHONE)):
        assert cell.data_type == "s" and cell.value == expected


# --- the round trip -------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_headers_are_the_import_columns_in_both_languages(language):
    kind = imports.get_kind("organisations")
    with translation.override(language):
        mapping, unknown = imports.map_headers(kind, organisation_header())
    assert set(mapping) == set(kind.columns) and unknown == []


def _import_back(response, fmt: str, username: str):
    """Import the exported file as the person who exported it; nothing may change."""
    assert response.status_code == 200
    table = read_table(response.content, f"organisations.{fmt}")
    before = _snapshot()
    actor = get_user_model().objects.get(username=username)
    report = imports.run_import("organisations", table, actor, dry_run=False)
    assert report.error_rows == [] and report.unknown_columns == []
    assert report.counts == {"new": 0, "changed": 0, "unchanged": len(table.rows), "error": 0}
    assert _snapshot() == before
    return table


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("username", ["coordination", "coord-esneux"])
def test_an_exported_file_imports_back_with_every_row_unchanged(
    signed_in, demo_data, fmt, username
):
    response = signed_in(username).get(reverse(EXPORT), {"format": fmt})
    table = _import_back(response, fmt, username)
    assert len(table.rows) >= 3


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_cells_that_look_like_formulas_import_back_as_they_were(signed_in, risky, fmt):
    response = signed_in("coord-esneux").get(reverse(EXPORT), {"format": fmt})
    _import_back(response, fmt, "coord-esneux")


# --- queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["coord-esneux", "coordination"])
@pytest.mark.parametrize("extra", [2, 20])
def test_the_export_takes_a_bounded_number_of_queries(
    signed_in, demo_data, django_assert_max_num_queries, username, extra
):
    esneux = Commune.objects.get(name="Esneux")
    for number in range(extra):
        made = Organisation.objects.create(name=f"Association {number}", kind="association")
        made.communes.set([esneux])
    client = signed_in(username)
    with django_assert_max_num_queries(12):
        response = client.get(reverse(EXPORT), {"format": "xlsx"})
    assert len(_xlsx(response)) - 1 >= extra + 2
