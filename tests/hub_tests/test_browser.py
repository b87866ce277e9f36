"""Journeys in a real browser: Debian's Chromium driven by Playwright (see tests/conftest.py)."""

import re

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


def test_professional_signs_in_through_the_front_end(page: Page, site):
    page.goto(site + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("link", name="Se connecter").click()

    expect(page).to_have_url(site + "/connexion/?next=/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    page.get_by_label("Identifiant ou e-mail").fill("professionnelle")
    page.get_by_label("Mot de passe").fill("mauvais mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("ne correspondent pas")

    page.get_by_label("Mot de passe").fill("demo-maillage")
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(site + "/")
    page.get_by_role("link", name="Mon parcours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon parcours")
    expect(page.get_by_text("Bonjour Camille, voici où vous en êtes.")).to_be_visible()
    expect(page.get_by_role("region", name="Mon compte")).to_contain_text("Camille Renson")
    expect(page.get_by_role("link", name="Mon parcours")).to_have_attribute("aria-current", "page")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()


def test_network_coordination_signs_into_the_wagtail_admin(page: Page, site):
    page.goto(site + "/admin/")
    page.locator("#id_username").fill("coordination")
    page.locator("#id_password").fill("demo-maillage")
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(site + "/admin/")
    expect(page.locator("body")).to_contain_text("Claire")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^fr"))  # fr-be
    # Wagtail's dashboard summary: the pages the coordination can edit.
    expect(page.get_by_role("link", name=re.compile(r"\d+ Pages? cr"))).to_be_visible()


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(page: Page, site):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu principal")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"


@pytest.mark.parametrize("path", ["/", "/connexion/", "/vie-privee/", "/mot-de-passe/oublie/"])
def test_key_pages_have_no_serious_accessibility_violation(page: Page, site, path):
    page.goto(site + path)
    results = Axe().run(page, options=AXE_OPTIONS)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_dashboard_has_no_serious_accessibility_violation(page: Page, site):
    page.goto(site + "/connexion/")
    page.get_by_label("Identifiant ou e-mail").fill("professionnelle")
    page.get_by_label("Mot de passe").fill("demo-maillage")
    page.get_by_role("button", name="Se connecter").click()
    page.goto(site + "/mon-parcours/")
    results = Axe().run(page, options=AXE_OPTIONS)
    assert [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ] == []


@pytest.mark.parametrize("width", [320, 640])
def test_pages_reflow_without_horizontal_scrolling(page: Page, site, width):
    """320 CSS px is a phone, and also a 1280 px window at 400 %; 640 px is 200 % zoom."""
    page.set_viewport_size({"width": width, "height": 800})
    for path in ("/", "/connexion/", "/accessibilite/"):
        page.goto(site + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls horizontally by {overflow}px at {width}px"
        expect(page.get_by_role("navigation", name="Navigation principale")).to_be_visible()
