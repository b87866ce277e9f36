"""Happy paths of membership in Chromium: invite and accept, register, reset, deactivate."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from network.models import MemberProfile, MemberStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "demo-maillage"
NEW_PASSWORD = "Une-phrase-longue-42"


@pytest.fixture
def site(live_server, migrated_data, settings):
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    return live_server.url


def _admin_login(page: Page, site: str, username: str) -> None:
    page.goto(site + "/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(site + "/admin/")


def _front_login(page: Page, site: str, username: str, password: str = PASSWORD) -> None:
    page.goto(site + "/connexion/")
    page.get_by_label("Identifiant ou e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_coordinator_invites_and_the_professional_accepts(page: Page, site):
    _admin_login(page, site, "coord-esneux")
    page.goto(site + "/admin/membres/")
    page.get_by_role("link", name="Inviter un membre").first.click()
    page.get_by_label("E-mail").fill("lea.invitee@cpas-esneux.example")
    page.get_by_label("Prénom").fill("Léa")
    page.locator("#id_last_name").fill("Invitée")
    page.get_by_label("Organisation").select_option(label="CPAS d'Esneux")
    page.get_by_role("button", name="Envoyer l’invitation").click()
    expect(page.get_by_text("lea.invitee@cpas-esneux.example").first).to_be_visible()

    link = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[-1].body).group(0)
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Accepter l’invitation")
    expect(page.get_by_label("Prénom")).to_have_value("Léa")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon parcours")
    expect(page.get_by_role("region", name="Mon compte")).to_contain_text("CPAS d'Esneux")


def test_professional_registers_with_the_organisation_domain(page: Page, site):
    page.goto(site + "/connexion/")
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Prénom").fill("Hugo")
    page.locator("#id_last_name").fill("Nouveau")
    page.get_by_label("E-mail professionnel").fill("hugo.nouveau@cpas-trooz.example")
    page.get_by_label("Organisation").select_option(label="CPAS de Trooz")
    page.get_by_label("Fonction").fill("Assistant social")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
    link = re.search(r"https?://\S+/inscription/confirmer/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon parcours")
    assert (
        MemberProfile.objects.get(user__email="hugo.nouveau@cpas-trooz.example").status == "active"
    )


def test_forgotten_password_is_reset_by_email(page: Page, site):
    page.goto(site + "/connexion/")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.locator("#id_email").fill("camille.renson@cpas-esneux.example")
    page.get_by_role("button", name="Envoyer le lien").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
    link = re.search(r"https?://\S+/mot-de-passe/reinitialiser/\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe modifié")
    _front_login(page, site, "professionnelle", NEW_PASSWORD)
    expect(page).to_have_url(site + "/mon-parcours/")


def test_coordinator_deactivates_a_member(page: Page, site):
    member = MemberProfile.objects.filter(
        organisation__name="CPAS d'Esneux", user__username__startswith="pro-"
    ).first()
    _admin_login(page, site, "coord-esneux")
    page.goto(site + f"/admin/membres/edit/{member.pk}/")
    page.get_by_role("link", name="Désactiver").click()
    expect(page.get_by_text(re.compile(r"^Désactiver .+ \?"))).to_be_visible()
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_text("ne peut plus se connecter").first).to_be_visible()
    member.refresh_from_db()
    assert member.status == MemberStatus.DEACTIVATED
