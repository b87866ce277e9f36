"""axe-core on every page each role reaches, front end and our own admin views (WCAG 2.1 AA).

One test per role: the demo is loaded once into the live server, then a crawler follows the
links of the role's pages, one page per URL name (see tests/hub_tests/a11y.py), and forms are
sent empty or wrong once to check their error summaries as well.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.hub_tests import a11y

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def site(live_server, migrated_data):
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    return live_server.url


def _axe(page: Page, path: str) -> list[str]:
    return a11y.serious_violations(page)


def _axe_and_keyboard(page: Page, path: str) -> list[str]:
    return [*a11y.serious_violations(page), *a11y.keyboard_walk(page)]


def _form_errors(page: Page, site: str, path: str, button: str) -> list[str]:
    """Send the form of `path` as it is, and check the page that shows its errors."""
    page.goto(site + path)
    page.get_by_role("button", name=button).click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    return a11y.serious_violations(page)


def test_public_pages_have_no_serious_violation(page: Page, site):
    crawl = a11y.Crawl(page, site, _axe_and_keyboard)
    crawl.run(a11y.front_seeds(None))
    for path, button in (
        ("/connexion/", "Se connecter"),
        ("/attestations/verifier/", "Vérifier"),
        ("/inscription/", "Créer mon compte"),
        ("/mot-de-passe/oublie/", "Envoyer"),
    ):
        found = _form_errors(page, site, path, button)
        if found:
            crawl.problems[f"{path} (errors)"] = found
    print(crawl.visited)
    assert len(crawl.visited) >= 8, crawl.visited
    assert crawl.problems == {}, a11y.report(crawl.problems)


@pytest.mark.parametrize("username", a11y.ROLES)
def test_front_end_pages_of_each_role_have_no_serious_violation(page: Page, site, username):
    a11y.sign_in(page, site, username)
    crawl = a11y.Crawl(page, site, _axe_and_keyboard)
    crawl.run(a11y.front_seeds(username))
    found = _form_errors(
        page, site, "/mot-de-passe/changer/", "Enregistrer le nouveau mot de passe"
    )
    if found:
        crawl.problems["/mot-de-passe/changer/ (errors)"] = found
    print(crawl.visited)
    assert "/mon-parcours/" in crawl.visited
    assert crawl.problems == {}, a11y.report(crawl.problems)


@pytest.mark.parametrize("username", ["coord-esneux", "coordination"])
def test_our_admin_views_have_no_serious_violation(page: Page, site, username):
    a11y.sign_in(page, site, username)
    crawl = a11y.Crawl(page, site, _axe, admin=True)
    crawl.run(a11y.admin_paths(username))
    print(sorted(crawl.seen_names))
    assert {
        "wagtailadmin_home",
        "groups_roster:board",
        "groups_roster:proposal",
        "groups_statistics:index",
        "network_import:upload",
        "certificates_bulk:preview",
        "lms_runs:inspect",
    } <= crawl.seen_names
    assert crawl.problems == {}, a11y.report(crawl.problems)
