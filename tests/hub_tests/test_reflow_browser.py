"""Reflow (WCAG 1.4.10) and zoom (1.4.4): every front-end page a role reaches, at 320 CSS px
(a phone, or a 1280 px window at 400 %) and at 640 CSS px (200 % zoom), scrolls only
vertically, and axe-core finds no serious violation at 320 px either.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.hub_tests import a11y

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 320, "height": 640}
ZOOM_200 = {"width": 640, "height": 400}  # a 1280 x 800 window at 200 %


@pytest.fixture
def site(live_server, migrated_data):
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    return live_server.url


def _reflows(page: Page, path: str) -> list[str]:
    problems = []
    if found := a11y.overflow(page):
        problems.append(f"at 320 px: {found}")
    problems.extend(a11y.serious_violations(page))
    page.set_viewport_size(ZOOM_200)
    if found := a11y.overflow(page):
        problems.append(f"at 200 %: {found}")
    page.set_viewport_size(PHONE)
    return problems


@pytest.mark.parametrize("username", [None, *a11y.ROLES])
def test_front_end_pages_reflow_at_320_px_and_200_percent(page: Page, site, username):
    page.set_viewport_size(PHONE)
    if username is not None:
        a11y.sign_in(page, site, username)
    crawl = a11y.Crawl(page, site, _reflows)
    crawl.run(a11y.front_seeds(username))
    assert len(crawl.visited) >= 8, crawl.visited
    assert crawl.problems == {}, a11y.report(crawl.problems)


def test_error_summary_fits_a_phone_and_takes_the_focus(page: Page, site):
    """A form sent with mistakes: the summary is read first, its links lead to the fields."""
    page.set_viewport_size(PHONE)
    page.goto(site + "/mot-de-passe/oublie/")
    page.get_by_role("button", name="Envoyer").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Le formulaire contient 1 erreur")
    assert a11y.overflow(page) == ""
    page.keyboard.press("Tab")
    link = summary.get_by_role("link")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    field = page.locator("#id_email")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby").split()
    assert "id_email_error" in described
    expect(page.locator("#id_email_error")).to_contain_text("Erreur :")
