"""Signing in with the second factor on (production's setting), in Chromium: a facilitator with
a known test secret on the front end, a coordinator enrolling through the admin's sign-in."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "demo-maillage"
KNOWN_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, in hex


def code_for(key_hex: str) -> str:
    return f"{totp(bytes.fromhex(key_hex)):06d}"


@pytest.fixture
def site(live_server, migrated_data, settings):
    settings.MAILLAGE_OTP_ENFORCED = True
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    return live_server.url


def test_sign_in_with_the_second_factor_on(page: Page, site):
    facilitator = get_user_model().objects.get(username="animateur")
    TOTPDevice.objects.create(user=facilitator, name="app", key=KNOWN_KEY, confirmed=True)

    # The facilitator space asks for the password, then the code of the app.
    page.goto(site + "/mes-groupes/")
    page.locator("#id_username").fill("animateur")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#second-factor-verify")).to_be_visible()
    page.locator("#id_code").fill(code_for(KNOWN_KEY))
    page.locator("#second-factor-verify form.form button[type=submit]").click()
    expect(page).to_have_url(site + "/mes-groupes/")
    expect(page.locator("section.meeting").first).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()

    # A coordinator with no device yet enrols on the way to the admin.
    page.goto(site + "/admin/login/")
    page.locator("#id_username").fill("coord-esneux")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page.locator("#second-factor-setup svg.segno")).to_be_visible()
    secret = page.locator("#second-factor-secret").inner_text().replace(" ", "")
    key_hex = TOTPDevice.objects.get(user__username="coord-esneux", confirmed=False).key
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.locator("#id_code").fill(code_for(key_hex))
    page.locator("#second-factor-setup form.form button[type=submit]").click()
    expect(page.locator("#second-factor-codes li")).to_have_count(10)
    page.locator("#second-factor-codes a.button").click()
    expect(page).to_have_url(site + "/admin/")
