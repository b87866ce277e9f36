"""Anyone checks a certificate with the verification form, in a real browser. (The holder
downloading it and a visitor checking its code: the professional's journey,
tests/hub_tests/test_journeys_browser.py.)"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from certificates import services
from certificates.models import Certificate
from tests.journeys import axe_check

from .factories import complete, module, run, template, user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

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


def test_the_verification_form_leads_to_the_verdict(page: Page, site, certificate):
    page.goto(site + "/attestations/verifier/")
    page.get_by_label("Code de vérification").fill("pas un code")
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator("#code-error")).to_contain_text("Ce n'est pas un code de vérification")
    axe_check(page)
    page.get_by_label("Code de vérification").fill(certificate.verification_url())
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_role("status")).to_contain_text("Valide")
    assert page.url.endswith(certificate.get_verification_path())
