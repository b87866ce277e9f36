"""Front-end sign-in, sign-out, password reset and change, the dashboard."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from network.registries import DashboardPanel, dashboard_panels

pytestmark = pytest.mark.django_db

PASSWORD = "demo-maillage"


def test_login_page_is_french_at_the_contract_url(client, demo_data):
    response = client.get("/connexion/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Se connecter</h1>" in html
    assert "Identifiant ou e-mail" in html
    assert 'href="/mot-de-passe/oublie/"' in html


def test_professional_signs_in_and_lands_on_her_path(client, demo_data):
    response = client.post("/connexion/", {"username": "professionnelle", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/mon-parcours/"

    page = client.get("/mon-parcours/").content.decode()
    assert "<h1>Mon parcours</h1>" in page
    assert "Bonjour Camille" in page
    assert "Mon compte" in page
    assert "Camille Renson" in page
    assert "Professionnel·le" in page


def test_sign_in_with_email_in_any_case(client, demo_data):
    response = client.post(
        "/connexion/",
        {"username": "  Camille.Renson@CPAS-Esneux.example ", "password": PASSWORD},
    )
    assert response.status_code == 302


def test_wrong_password_shows_a_french_message_and_keeps_the_username(client, demo_data):
    response = client.post("/connexion/", {"username": "professionnelle", "password": "nope"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "ne correspondent pas" in html
    assert 'value="professionnelle"' in html
    assert "_auth_user_id" not in client.session


def test_deactivated_account_cannot_sign_in(client, demo_data):
    get_user_model().objects.filter(username="professionnelle").update(is_active=False)
    response = client.post("/connexion/", {"username": "professionnelle", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_next_parameter_is_honoured_but_not_to_another_site(client, demo_data):
    ok = client.post(
        "/connexion/?next=/vie-privee/",
        {"username": "professionnelle", "password": PASSWORD, "next": "/vie-privee/"},
    )
    assert ok["Location"] == "/vie-privee/"
    client.logout()
    evil = client.post(
        "/connexion/",
        {"username": "professionnelle", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert evil["Location"] == "/mon-parcours/"


def test_dashboard_requires_sign_in(client, demo_data):
    response = client.get("/mon-parcours/")
    assert response.status_code == 302
    assert response["Location"] == "/connexion/?next=/mon-parcours/"


def test_sign_out_is_a_post_and_ends_the_session(client, demo_data):
    client.login(username="professionnelle", password=PASSWORD)
    assert client.get("/").content.decode().count("Se déconnecter") == 1
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/mon-parcours/").status_code == 302


def test_navigation_shows_my_path_only_when_signed_in(client, demo_data):
    assert 'href="/mon-parcours/"' not in client.get("/").content.decode()
    client.login(username="professionnelle", password=PASSWORD)
    assert 'href="/mon-parcours/"' in client.get("/").content.decode()


def test_password_reset_by_email_in_french(client, demo_data):
    response = client.post("/mot-de-passe/oublie/", {"email": "camille.renson@cpas-esneux.example"})
    assert response.status_code == 302
    assert response["Location"] == "/mot-de-passe/oublie/envoye/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Maillage : choisissez un nouveau mot de passe"
    assert "Bonjour Camille Renson" in message.body
    link = re.search(r"https?://[^/]+(/mot-de-passe/reinitialiser/\S+)", message.body).group(1)

    form = client.get(link, follow=True)
    assert "Choisir un nouveau mot de passe" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Une-phrase-longue-42", "new_password2": "Une-phrase-longue-42"},
    )
    assert done["Location"] == "/mot-de-passe/reinitialise/"
    assert client.login(username="professionnelle", password="Une-phrase-longue-42")


def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(client, demo_data):
    response = client.post("/mot-de-passe/oublie/", {"email": "personne@nulle-part.example"})
    assert response["Location"] == "/mot-de-passe/oublie/envoye/"
    assert mail.outbox == []


def test_password_change_rejects_a_weak_password_in_french(client, demo_data):
    client.login(username="professionnelle", password=PASSWORD)
    response = client.post(
        "/mot-de-passe/changer/",
        {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"},
    )
    assert response.status_code == 200
    assert "Ce mot de passe est trop court" in response.content.decode()


def test_dashboard_shows_registered_panels_and_hides_those_that_decline(client, demo_data):
    shown = DashboardPanel(
        key="test-shown",
        title="Panneau de test",
        template="network/panels/account.html",
        get_context=lambda request: {"full_name": "Contenu du panneau"},
        order=1,
    )
    hidden = DashboardPanel(
        key="test-hidden",
        title="Panneau caché",
        template="network/panels/account.html",
        get_context=lambda request: None,
    )
    dashboard_panels.register(shown)
    dashboard_panels.register(hidden)
    try:
        client.login(username="professionnelle", password=PASSWORD)
        html = client.get("/mon-parcours/").content.decode()
    finally:
        dashboard_panels.unregister("test-shown")
        dashboard_panels.unregister("test-hidden")
    assert "Panneau de test" in html and "Contenu du panneau" in html
    assert "Panneau caché" not in html
    assert html.index("Panneau de test") < html.index("Mon compte")


def test_network_coordination_reaches_the_wagtail_admin(client, demo_data):
    client.login(username="coordination", password=PASSWORD)
    response = client.get("/admin/")
    assert response.status_code == 200
    from hub.models import HomePage

    home = HomePage.objects.get()
    assert client.get(f"/admin/pages/{home.pk}/edit/").status_code == 200
    assert client.get("/admin/settings/maillage_hub/networksettings/").status_code in (200, 302)


def test_professional_is_kept_out_of_the_wagtail_admin(client, demo_data):
    client.login(username="professionnelle", password=PASSWORD)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_an_imported_member_chooses_a_password_through_the_reset_link(client, demo_data):
    """An import creates active members without a password: "forgotten password" lets them in;
    a deactivated member gets nothing."""
    from network.imports import run_import
    from network.models import MemberProfile, MemberStatus
    from network.tabular import read_table

    header = "Nom;Prénom;E-mail;Organisation;Commune"
    rows = [
        "Lemaire;Inès;ines.lemaire@cpas-esneux.example;CPAS d'Esneux;Esneux",
        "Dumont;Luc;luc.dumont@cpas-esneux.example;CPAS d'Esneux;Esneux",
    ]
    table = read_table("\r\n".join([header, *rows]).encode(), "m.csv")
    assert run_import("members", table, None, dry_run=False).written
    MemberProfile.objects.filter(user__email="luc.dumont@cpas-esneux.example").update(
        status=MemberStatus.DEACTIVATED
    )

    client.post("/mot-de-passe/oublie/", {"email": "Ines.Lemaire@cpas-esneux.example"})
    client.post("/mot-de-passe/oublie/", {"email": "luc.dumont@cpas-esneux.example"})
    assert [m.to for m in mail.outbox] == [["ines.lemaire@cpas-esneux.example"]]
    link = re.search(r"https?://[^/]+(/mot-de-passe/reinitialiser/\S+)", mail.outbox[0].body)
    form = client.get(link.group(1), follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Une-phrase-longue-42", "new_password2": "Une-phrase-longue-42"},
    )
    assert client.login(
        username="ines.lemaire@cpas-esneux.example", password="Une-phrase-longue-42"
    )
