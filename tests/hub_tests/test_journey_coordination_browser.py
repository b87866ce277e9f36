"""The network coordination's journey in Chromium: the dashboard, a report exported as XLSX and
PDF, a person's privacy export; every page checked by axe, the last screen kept."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.journeys import Journey, admin_menu, axe_check, sign_in_admin, text_of_pdf

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def site(live_server, migrated_data):
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    return live_server.url


def test_network_coordination_dashboard_report_and_privacy_export(page: Page, site):
    journey = Journey(page, "network-coordination")
    sign_in_admin(page, site, "coordination")

    # The dashboard: figures as charts, each with its data as a table.
    trained = page.get_by_role("region", name="Professionnel·le·s formé·e·s", exact=True)
    expect(trained).to_be_visible()
    chart = trained.get_by_role("img", name=re.compile("par commune"))
    expect(chart).to_be_visible()
    trained.get_by_text(
        re.compile("Données du graphique « Professionnel·le·s formé·e·s par commune")
    ).click()
    expect(trained.get_by_role("cell").first).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("Rencontres sans animateur"))).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("Attestations expirant"))).to_be_visible()
    # Narrowed to one module.
    trained.get_by_label("Module", exact=True).select_option(index=1)
    trained.get_by_role("button", name="Afficher", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/\?module=\d+$"))
    axe_check(page)

    # The report of the year, exported.
    admin_menu(page, "Rapports d'activité")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapports d'activité")
    axe_check(page)
    page.get_by_label("Premier jour de la période").fill("2025-01-01")
    page.get_by_role("button", name="Afficher le rapport", exact=True).click()
    expect(page.get_by_role("heading", name="Synthèse")).to_be_visible()
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger (XLSX)").click()
    from openpyxl import load_workbook

    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as workbook:
        book = load_workbook(io.BytesIO(workbook.read()))
    assert book.sheetnames[0] == "Synthèse"
    summary = {row[0]: row[1] for row in book["Synthèse"].iter_rows(values_only=True)}
    assert summary["Période"].startswith("du 01/01/2025 au ")
    shown = page.get_by_role("row", name=re.compile("^Professionnel·le·s formé·e·s")).first
    assert str(summary["Professionnel·le·s formé·e·s"]) in shown.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        text = text_of_pdf(pdf.read())
    assert "Rapport d'activité" in text and "01/01/2025" in text

    # A person's privacy export.
    admin_menu(page, "Vie privée")
    axe_check(page)
    search = page.locator("main form[role=search]")
    search.locator("input[name=q]").fill("Renson")
    search.get_by_role("button", name="Rechercher", exact=True).click()
    axe_check(page)
    page.get_by_role("main").get_by_role("link", name="Camille Renson", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Camille Renson")
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger l’export").click()
    with open(download.value.path(), "rb") as export:
        content = export.read()
    if content[:2] == b"PK":  # a ZIP of JSON and CSV files
        import zipfile

        names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        assert names
    else:
        assert json.loads(content)
    journey.finish()
