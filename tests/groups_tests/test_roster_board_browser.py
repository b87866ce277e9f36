"""The roster board in a real browser: a coordinator sees the gaps, fills one from the ranked
candidates, and the pages pass axe-core (WCAG 2.1 AA) without a serious violation."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Page, expect

from groups.models import CycleStatus
from sessions.models import Assignment, Availability, StaffRole

from . import factories as f

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
}
SCREENSHOTS = os.environ.get("ROSTER_SCREENSHOTS")  # a folder, to look at the pages


@pytest.fixture
def site(live_server, migrated_data):
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    return live_server.url


def _serious(page: Page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_a_coordinator_fills_a_gap_from_the_board(page: Page, site):
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 3), status=CycleStatus.PLANNING)
    first = f.meetings(cycle)[0]
    f.assign(first, f.user("animateur"), StaffRole.LEAD)
    # Mondays only: a warning, and a reason field, on the Wednesday meetings.
    Availability.objects.create(
        person=f.user("anim-06"), weekday=0, start_time=dt.time(9), end_time=dt.time(18)
    )

    page.goto(site + "/admin/login/")
    page.locator("#id_username").fill("coord-esneux")
    page.locator("#id_password").fill("demo-maillage")
    page.locator("form button[type=submit]").click()
    page.goto(f"{site}/admin/groupes/planning/?cycle={cycle.pk}")

    gaps = page.locator("a[data-gap]")
    expect(gaps).to_have_count(5)
    expect(page.locator("[data-roster-summary]")).to_have_attribute("data-gaps", "5")
    _shot(page, "board")
    assert _serious(page) == []

    gaps.first.click()
    expect(page.locator('[data-candidates="eligible"]')).to_be_visible()
    _shot(page, "gap")
    assert _serious(page) == []
    warned = page.locator(f'[data-candidate="{f.user("anim-06").pk}"]')
    expect(warned).to_have_attribute("data-soft", "")
    expect(warned.locator("input[name=reason]")).to_be_visible()
    candidate = page.locator('[data-candidate][data-eligible="yes"]').first
    person_id = int(candidate.get_attribute("data-candidate"))
    candidate.locator("button[data-assign]").click()

    expect(page).to_have_url(re.compile(rf"/admin/groupes/planning/\?cycle={cycle.pk}$"))
    expect(page.locator("a[data-gap]")).to_have_count(4)
    assert Assignment.objects.filter(session=first, person_id=person_id).exists()

    page.locator("a[data-propose]").click()
    expect(page.locator("[data-proposal]")).to_be_visible()
    _shot(page, "proposal")
    assert _serious(page) == []
    page.locator("button[data-accept]").click()
    expect(page.locator("[data-applied]")).to_have_attribute("data-applied", "4")
    _shot(page, "applied")
    page.goto(f"{site}/admin/groupes/planning/?cycle={cycle.pk}")
    expect(page.locator("a[data-gap]")).to_have_count(0)
