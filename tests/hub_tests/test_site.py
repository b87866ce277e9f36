"""The public site: home page, legal pages, error pages, language."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from wagtail.models import Page

from hub.models import ContentPage, HomePage

pytestmark = pytest.mark.django_db


def test_home_page_is_in_french_with_the_networks_content(client, demo_data):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert response["Content-Language"].startswith("fr")
    for commune in ("Aywaille", "Chaudfontaine", "Esneux", "Sprimont", "Trooz"):
        assert commune in html
    assert "Qui contacter ?" in html
    assert "coordination@reseau-secova.example" in html
    assert "Aller au contenu principal" in html  # skip link, translated
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert "<main" in html and "<footer" in html and "<header" in html
    assert "112" in html  # emergency numbers on every page


def test_footer_links_to_privacy_notice_and_accessibility_statement(client, demo_data):
    html = client.get("/").content.decode()
    assert 'href="/vie-privee/"' in html
    assert 'href="/accessibilite/"' in html

    privacy = client.get("/vie-privee/")
    accessibility = client.get("/accessibilite/")
    assert privacy.status_code == 200
    assert "Protection de la vie privée" in privacy.content.decode()
    assert "Autorité de protection des données" in privacy.content.decode()
    assert accessibility.status_code == 200
    assert "WCAG 2.1" in accessibility.content.decode()
    assert "Dernière révision le" in accessibility.content.decode()


def test_legal_pages_are_editable_wagtail_pages(demo_data):
    home = HomePage.objects.get()
    slugs = set(ContentPage.objects.child_of(home).values_list("slug", flat=True))
    assert {"vie-privee", "accessibilite"} <= slugs


def test_site_without_demo_data_still_serves_a_home_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Réseau intrafamilial Secova" in response.content.decode()


def test_unknown_page_answers_a_french_404(client, demo_data):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html
    assert "Retour à la page d’accueil" in html or "Retour à la page d'accueil" in html


def test_server_error_page_is_french_and_standalone():
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Une erreur s'est produite" in response.content.decode()


def test_language_switcher_sets_english_then_back_to_french(client, demo_data):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Skip to main content" in html

    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert '<html lang="fr">' in client.get("/").content.decode()


def test_unknown_language_cookie_falls_back_to_french(client, demo_data):
    client.cookies["maillage_language"] = "xx"
    assert '<html lang="fr">' in client.get("/").content.decode()


def test_security_headers(client, demo_data):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]  # test_headers.py
    assert response["X-Content-Type-Options"] == "nosniff"


def _count_queries(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_home_page_query_count_does_not_grow_with_the_site(client, demo_data):
    """The home page costs the same few queries with 2 or 8 pages under it."""
    home = HomePage.objects.get()
    client.get("/")  # warm the site-root cache
    small = _count_queries(client, "/")
    for index in range(6):
        home.add_child(instance=ContentPage(title=f"Page {index}", slug=f"page-{index}"))
    large = _count_queries(client, "/")
    assert small == large
    assert small <= 5


def test_default_site_points_to_the_home_page(demo_data):
    home = HomePage.objects.get()
    assert home.get_site().root_page_id == home.pk
    assert Page.objects.filter(depth=2).count() == 1


def test_accessibility_statement_follows_the_model_statement(client, demo_data):
    """Compliance status, what is not accessible and why, how it was assessed and when, whom
    to tell, and the enforcement procedure (Walloon decree of 2 May 2019, EU model)."""
    from django.utils import timezone

    from hub.demo.site import NETWORK_EMAIL

    html = client.get("/accessibilite/").content.decode()
    assert "partiellement conforme" in html
    assert "WCAG 2.1, niveau AA" in html and "EN 301 549" in html
    assert "décret wallon du 2 mai 2019" in html
    assert "ne sont pas balisées" in html  # the certificate PDFs, with their HTML alternative
    assert "Charge disproportionnée" in html
    assert "axe-core" in html and "clavier seul" in html
    reviewed = timezone.localdate().replace(day=1)
    assert "revue pour la dernière fois le 1er " in html
    assert f"{reviewed.year}.</p>" in html
    assert f'href="mailto:{NETWORK_EMAIL}"' in html
    assert "Médiateur commun de la Fédération Wallonie-Bruxelles et de la Wallonie" in html
    assert 'href="https://www.le-mediateur.be/"' in html


def test_loading_the_demo_again_leaves_the_statement_as_it_was(demo_data):
    from django.core.management import call_command

    page = ContentPage.objects.get(slug="accessibilite")
    before = (list(page.body.raw_data), page.last_reviewed, page.latest_revision_id)
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    page.refresh_from_db()
    after = (list(page.body.raw_data), page.last_reviewed, page.latest_revision_id)
    assert after == before
