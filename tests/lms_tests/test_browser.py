"""The professional's and the referent's journeys through training, in a real browser."""

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
}


@pytest.fixture
def site(live_server, migrated_data):
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    return live_server.url


def _sign_in(page: Page, site: str, username: str) -> None:
    page.goto(site + "/connexion/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("demo-maillage")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def test_professional_finds_enrols_sees_downloads_and_cancels(page: Page, site):
    _sign_in(page, site, "professionnelle")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Formations"
    ).click()
    page.get_by_label("Rechercher").fill("enfants exposés")
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name="Enfants exposés aux violences conjugales").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enfants exposés aux violences conjugales"
    )
    run = page.locator("li.run", has=page.get_by_role("button", name="S'inscrire")).first
    expect(run).to_contain_text("Une place est libre : votre inscription sera confirmée")
    run.get_by_role("button", name="S'inscrire").click()
    expect(page.get_by_role("status").first).to_contain_text("Votre place est confirmée")

    page.get_by_role("link", name="Mon parcours").first.click()
    panel = page.get_by_role("region", name="Mes formations")
    expect(panel).to_contain_text("Enfants exposés aux violences conjugales")
    expect(panel).to_contain_text("Confirmée")
    with page.expect_download() as download_info:
        panel.get_by_role("link", name=re.compile("Ajouter à mon agenda")).first.click()
    body = Path(download_info.value.path()).read_text()
    assert "BEGIN:VEVENT" in body and "UID:" in body

    item = panel.locator("li", has_text="Enfants exposés aux violences conjugales").first
    item.get_by_role("button", name=re.compile("Annuler mon inscription")).click()
    expect(page.get_by_role("status").first).to_contain_text("est annulée")
    expect(page.get_by_role("region", name="Mes formations")).not_to_contain_text(
        "Enfants exposés aux violences conjugales"
    )


def test_referent_approves_a_request(page: Page, site):
    _sign_in(page, site, "referente")
    page.goto(site + "/mon-parcours/")
    panel = page.get_by_role("region", name="Demandes à approuver")
    panel.get_by_role("link", name="Voir les demandes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demandes à approuver")
    first = page.locator("ul.enrolments > li").first
    name = first.get_by_role("heading").inner_text()
    first.get_by_role("button", name=re.compile("^Approuver")).click()
    expect(page.get_by_role("status").first).to_contain_text(f"La demande de {name} est approuvée")


@pytest.mark.parametrize("path", ["/formations/", "/mon-parcours/"])
def test_training_pages_have_no_serious_accessibility_violation(page: Page, site, path):
    _sign_in(page, site, "professionnelle")
    page.goto(site + path)
    results = Axe().run(page, options=AXE_OPTIONS)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
