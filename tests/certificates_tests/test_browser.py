"""A professional finds, downloads and shares their certificate; anyone checks it, in a real
browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from certificates import services
from certificates.models import Certificate

from .factories import complete, module, run, template, user
from .support import pdf_text

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
}
TITLE = "Entendre la parole de l'enfant exposé"


@pytest.fixture
def site(live_server, migrated_data):
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    return live_server.url


@pytest.fixture
def certificate(site, committed) -> Certificate:
    """`professionnelle` completed a module; a coordinator issued the certificate.

    (Issued by hand, now: in a transactional test the completion signal fires inside the time
    travel of `complete`, on the future day of the session.)"""
    the_module = module(title=TITLE)
    holder = user("professionnelle")
    (enrolment,) = complete(run(the_module), [holder], committed)
    template(the_module, months=36)
    return services.issue_by_hand(enrolment, actor=user("coord-esneux"))


def _sign_in(page: Page, site: str, username: str) -> None:
    page.goto(site + "/connexion/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("demo-maillage")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def _serious(page: Page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_holder_downloads_the_pdf_and_anyone_verifies_the_shared_link(
    page: Page, browser: Browser, site, certificate
):
    _sign_in(page, site, "professionnelle")
    page.get_by_role("link", name="Mon parcours").first.click()
    panel = page.get_by_role("region", name="Mes attestations")
    item = panel.locator("li", has_text=TITLE)
    expect(item).to_contain_text(certificate.serial)
    expect(item).to_contain_text("valable jusqu'au")

    with page.expect_download() as download_info:
        item.get_by_role("link", name=re.compile("Télécharger le PDF")).click()
    download = download_info.value
    assert download.suggested_filename == f"attestation-{certificate.serial}.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    text = " ".join(pdf_text(content).split())
    assert certificate.serial in text and TITLE in text
    assert user("professionnelle").get_full_name() in text

    shared = item.get_by_role("link", name=re.compile("Lien à partager")).get_attribute("href")
    assert shared == certificate.get_verification_path()

    # Someone else, not signed in, opens the link (as from the QR code).
    visitor = browser.new_context(locale="en-US")
    try:
        anonymous = visitor.new_page()
        anonymous.goto(site + shared)
        expect(anonymous.get_by_role("heading", level=1)).to_have_text(
            "Vérification d'une attestation"
        )
        verdict = anonymous.get_by_role("status")
        expect(verdict).to_contain_text("Valide")
        expect(anonymous.locator("main")).to_contain_text(user("professionnelle").get_full_name())
        expect(anonymous.locator("main")).not_to_contain_text("@")
        assert _serious(anonymous) == []
    finally:
        visitor.close()


def test_the_verification_form_leads_to_the_verdict(page: Page, site, certificate):
    page.goto(site + "/attestations/verifier/")
    page.get_by_label("Code de vérification").fill("pas un code")
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator("#code-error")).to_contain_text("Ce n'est pas un code de vérification")
    assert _serious(page) == []
    page.get_by_label("Code de vérification").fill(certificate.verification_url())
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("status")).to_contain_text("Valide")
    assert page.url.endswith(certificate.get_verification_path())
