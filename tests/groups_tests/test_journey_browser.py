"""The journey of a support group's week, in a real browser, on the demo network.

The demo coordinator of Esneux (`coord-esneux`) opens the roster board, fills the gap left by
anim-03's absence from the ranked candidates, completes the roster with the proposal and
accepts it; the demo facilitator (`animateur`) then finds the meeting in "Mes groupes", with
the co-facilitator and the venue, and takes the attendance of the latest meeting, the safety
instructions in sight. The board never shows a child; the facilitator's pages pass axe-core
(WCAG 2.1 AA) without a serious violation."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from groups import services
from groups.models import (
    Cycle,
    MeetingAttendance,
    MeetingAttendanceStatus,
    Participant,
    SafetyInstruction,
    SafetyKind,
)
from hub.demo.groups import ESNEUX
from sessions.models import Session

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
}
PASSWORD = "demo-maillage"


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


def _children_on(page: Page, aliases: list[str], codes: list[str]) -> list[str]:
    """The aliases shown on the page, and the codes anywhere in its markup."""
    text = page.locator("body").inner_text()
    markup = page.content()
    return [a for a in aliases if re.search(rf"\b{re.escape(a)}\b", text)] + [
        c for c in codes if c in markup
    ]


def test_coordinator_completes_the_roster_and_the_facilitator_takes_attendance(page: Page, site):
    cycle = Cycle.objects.get(name=ESNEUX.name)
    aliases = sorted(Participant.objects.values_list("alias", flat=True))
    codes = sorted(Participant.objects.values_list("code", flat=True))
    colleague = get_user_model().objects.get(username="anim-03")
    board_url = re.compile(rf"/admin/groupes/planning/\?cycle={cycle.pk}(&|$)")

    # --- the coordinator of Esneux, in the admin --------------------------------------------
    page.goto(site + "/admin/login/")
    page.locator("#id_username").fill("coord-esneux")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(site + "/admin/")

    page.goto(site + "/admin/groupes/planning/")
    expect(page.locator("[data-roster-summary]")).to_be_visible()
    assert _children_on(page, aliases, codes) == []
    # Choose the Esneux cycle in the board's filter.
    page.locator("[data-roster-filter] select[name=cycle]").select_option(label=ESNEUX.name)
    page.locator("[data-roster-filter] button[type=submit]").click()
    expect(page).to_have_url(board_url)
    summary = page.locator("[data-roster-summary]")
    expect(summary).to_contain_text(ESNEUX.name)
    gaps_at_first = int(summary.get_attribute("data-gaps"))
    assert gaps_at_first > 0
    expect(page.locator("a[data-gap]")).to_have_count(gaps_at_first)
    assert _children_on(page, aliases, codes) == []

    # The first upcoming meeting with an open seat: anim-03's, who declared an absence.
    upcoming_gap = page.locator("tr[data-session]:not([data-past]) a[data-gap]").first
    session_id = int(upcoming_gap.get_attribute("data-session"))
    upcoming_gap.click()
    expect(page.locator("section.roster-meeting")).to_have_attribute(
        "data-session", str(session_id)
    )
    expect(page.locator('[data-candidates="eligible"]')).to_be_visible()
    assert _children_on(page, aliases, codes) == []
    ineligible = page.locator('[data-candidate][data-eligible="no"]')
    expect(ineligible.first).to_be_visible()
    expect(ineligible.first.locator("[data-reason]").first).not_to_be_empty()
    # The absent colleague is among them, for that reason.
    absent = page.locator(f'[data-candidate="{colleague.pk}"][data-eligible="no"]')
    expect(absent.locator('[data-reason="absent"]')).not_to_be_empty()

    candidate = page.locator('[data-candidate][data-eligible="yes"]').first
    chosen_name = candidate.locator("th").inner_text().strip()
    reason = candidate.locator("input[name=reason]")
    if reason.count():
        reason.fill("Remplacement de l'absence, vu avec l'équipe")
    candidate.locator("button[data-assign]").click()

    expect(page).to_have_url(board_url)
    expect(page.locator(".messages li.success")).to_contain_text(chosen_name)
    expect(page.locator("[data-roster-summary]")).to_have_attribute(
        "data-gaps", str(gaps_at_first - 1)
    )
    expect(page.locator("a[data-gap]")).to_have_count(gaps_at_first - 1)
    expect(
        page.locator(f'tr[data-session="{session_id}"] td[data-person]', has_text=chosen_name)
    ).to_be_visible()

    # --- completing the roster ---------------------------------------------------------------
    page.locator("a[data-propose]").click()
    proposal = page.locator("[data-proposal]")
    expect(proposal).to_be_visible()
    assert _children_on(page, aliases, codes) == []
    before = int(proposal.get_attribute("data-gaps-before"))
    filled = int(proposal.get_attribute("data-filled"))
    assert 0 < filled <= before <= gaps_at_first - 1
    # The diff: each open seat of the upcoming meetings, with whom it proposes.
    expect(page.locator("[data-proposal-diff]")).to_be_visible()
    expect(page.locator("[data-proposal-diff] [data-proposed]")).to_have_count(filled)
    page.locator("button[data-accept]").click()
    applied = page.locator("[data-applied]")
    expect(applied).to_be_visible()
    assigned = int(applied.get_attribute("data-applied"))
    assert 0 < assigned <= filled
    expect(page.locator("[data-assigned]")).to_have_count(assigned)
    assert _children_on(page, aliases, codes) == []

    page.locator(f'main a.button[href="/admin/groupes/planning/?cycle={cycle.pk}"]').click()
    expect(page).to_have_url(board_url)
    gaps_after = gaps_at_first - 1 - assigned
    expect(page.locator("[data-roster-summary]")).to_have_attribute("data-gaps", str(gaps_after))
    expect(page.locator("a[data-gap]")).to_have_count(gaps_after)
    assert _children_on(page, aliases, codes) == []

    # --- signing out ------------------------------------------------------------------------
    page.goto(site + "/")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()

    # --- the facilitator, in "Mes groupes" ----------------------------------------------------
    page.goto(site + "/connexion/")
    page.locator("#id_username").fill("animateur")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    page.goto(site + "/mes-groupes/")
    meeting = page.locator(f'section.meeting[data-session="{session_id}"]')
    expect(meeting).to_be_visible()
    expect(meeting.locator(".co-facilitators")).to_contain_text(chosen_name)
    expect(meeting.locator(".venue")).to_contain_text("Local d'accueil")
    assert _serious(page) == []

    # The latest meeting held, among the last 30 days': its attendance is still to take.
    held = page.locator('section.meeting:has([data-attendance="missing"])').first
    held_id = int(held.get_attribute("data-session"))
    expect(held.locator(".co-facilitators")).not_to_be_empty()
    sheet_href = f"/mes-groupes/seance/{held_id}/presences/"
    held.locator(f'a[href="{sheet_href}"]').click()
    expect(page).to_have_url(site + sheet_href)

    # The safety instructions first, in sight: whom never to hand a child over to or contact.
    alerts = page.locator(".safety-alert.safety-summary")
    expect(alerts).to_be_visible()
    on_sheet = services.attendance_sheet_memberships(Session.objects.get(pk=held_id))
    never = SafetyInstruction.objects.filter(
        participant__in=[m.participant_id for m in on_sheet]
    ).exclude(kind=SafetyKind.AUTHORISED_PICKUP)
    assert never.exists()
    for instruction in never:
        expect(alerts).to_contain_text(instruction.who)
    children = page.locator("section.sheet-child[data-membership]")
    count = children.count()
    assert count > 0
    # The sheet does name the children: the check on the board's pages can see them.
    assert len(_children_on(page, aliases, codes)) >= 2 * count
    marks = {}
    for index in range(count):
        child = children.nth(index)
        membership = child.get_attribute("data-membership")
        status = (
            MeetingAttendanceStatus.ABSENT if index % 3 == 2 else MeetingAttendanceStatus.PRESENT
        )
        child.locator(f'input[type=radio][value="{status.value}"]').check()
        marks[int(membership)] = status
    assert _serious(page) == []
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(site + sheet_href)
    expect(page.locator(".messages .message-success")).to_contain_text(str(count))
    page.reload()
    for membership, status in marks.items():
        expect(
            page.locator(
                f'section.sheet-child[data-membership="{membership}"] '
                f'input[type=radio][value="{status.value}"]'
            )
        ).to_be_checked()
    assert (
        dict(
            MeetingAttendance.objects.filter(session_id=held_id).values_list(
                "membership_id", "status"
            )
        )
        == marks
    )
    page.goto(site + "/mes-groupes/")
    expect(
        page.locator(f'section.meeting[data-session="{held_id}"] [data-attendance="taken"]')
    ).to_be_visible()
