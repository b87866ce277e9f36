"""The facilitator space /mes-groupes/: one's own meetings by cycle with the co-facilitators
and the full address, the last month's with their attendance status, pending swaps, the
navigation entry; the query count does not grow with the number of meetings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import (
    CycleStatus,
    MeetingAttendance,
    MeetingAttendanceStatus,
    Membership,
    MembershipStatus,
    Participant,
    ReferralSource,
    Swap,
)
from network import roles
from sessions.models import Session, StaffRole, Venue

from . import factories as f

pytestmark = pytest.mark.django_db

MINE = "/mes-groupes/"


def move(session: Session, start: dt.datetime) -> Session:
    Session.objects.filter(pk=session.pk).update(start=start, end=start + dt.timedelta(hours=1))
    session.refresh_from_db()
    return session


def _block(html: str, session: Session) -> str:
    """The section of one meeting."""
    start = html.index(f'data-session="{session.pk}"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def people(demo_data):
    return {
        "me": f.member("mine-me", roles.FACILITATOR),
        "co": f.member("mine-co", roles.FACILITATOR),
        "other": f.member("mine-other", roles.FACILITATOR),
    }


@pytest.fixture
def confidential(demo_data):
    return Venue.objects.create(
        name="Refuge des Tilleuls",
        address="Chemin Secret 12",
        commune=f.commune("Esneux"),
        confidential_address=True,
    )


def test_the_contract_url(people):
    assert reverse("groups:mine") == MINE


def test_a_facilitator_sees_their_meeting_with_the_co_facilitator_and_the_full_address(
    client, people, confidential
):
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 2), status=CycleStatus.RUNNING)
    first, second = f.meetings(cycle)
    Session.objects.filter(pk=first.pk).update(venue=confidential)
    f.assign(first, people["me"], StaffRole.LEAD)
    f.assign(first, people["co"], StaffRole.CO)
    f.assign(second, people["other"], StaffRole.LEAD)  # not mine

    client.force_login(people["me"])
    response = client.get(MINE)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    block = _block(html, first)
    assert "Test mine-co" in block
    assert "Refuge des Tilleuls, Chemin Secret 12, Esneux" in block
    local = timezone.localtime(first.start)
    assert f"{local:%d/%m/%Y}" in block and f"{local:%H:%M}" in block
    assert cycle.name in html
    assert f'href="{reverse("groups:swap", args=[first.pk])}"' in block
    # Not someone else's meeting, nor its facilitator.
    assert f'data-session="{second.pk}"' not in html
    assert "Test mine-other" not in html


def test_the_cycles_venue_is_shown_when_the_meeting_has_none(client, people, confidential):
    cycle = f.cycle(
        f.wednesdays(f.quiet_month(), 1), status=CycleStatus.RUNNING, venue=confidential
    )
    (first,) = f.meetings(cycle)
    f.assign(first, people["me"])
    client.force_login(people["me"])
    assert "Chemin Secret 12" in _block(client.get(MINE).content.decode(), first)


def test_recent_meetings_show_whether_attendance_was_taken(client, people):
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 3), status=CycleStatus.RUNNING)
    taken, missing, old = f.meetings(cycle)
    now = timezone.now()
    move(taken, now - dt.timedelta(days=7))
    move(missing, now - dt.timedelta(days=14))
    move(old, now - dt.timedelta(days=45))
    for session in (taken, missing, old):
        f.assign(session, people["me"])
    participant = Participant.objects.create(
        alias="Noa",
        birth_year=2016,
        referral_source=ReferralSource.CPAS,
        commune=f.commune("Esneux"),
    )
    membership = Membership.objects.create(
        cycle=cycle, participant=participant, status=MembershipStatus.ADMITTED
    )
    MeetingAttendance.objects.create(
        membership=membership, session=taken, status=MeetingAttendanceStatus.PRESENT
    )

    client.force_login(people["me"])
    html = client.get(MINE).content.decode()

    assert 'data-attendance="taken"' in _block(html, taken)
    assert 'data-attendance="missing"' in _block(html, missing)
    assert f'data-session="{old.pk}"' not in html  # older than 30 days
    # Past meetings within the access window link to their sheet, never to a swap.
    assert reverse("groups:attendance", args=[missing.pk]) in _block(html, missing)
    assert reverse("groups:swap", args=[missing.pk]) not in html
    # No child's data on this page.
    assert "Noa" not in html and participant.code not in html


def test_people_without_the_facilitator_role_get_a_friendly_page(client, demo_data):
    client.force_login(f.user("professionnelle"))
    response = client.get(MINE)
    assert response.status_code == 403
    assert reverse("groups:programmes") in response.content.decode()
    assert client.get(reverse("groups:availability")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, demo_data):
    for url in (MINE, reverse("groups:availability")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_navigation_shows_my_groups_to_facilitators_only(client, people):
    client.force_login(people["me"])
    assert f'href="{MINE}"' in client.get(reverse("sessions:agenda")).content.decode()
    client.force_login(f.user("professionnelle"))
    html = client.get(reverse("sessions:agenda")).content.decode()
    assert f'href="{MINE}"' not in html
    client.logout()
    assert 'href="/groupes-de-parole/"' in client.get("/groupes-de-parole/").content.decode()


def test_pending_swaps_are_listed_for_both_sides(client, people):
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 2), status=CycleStatus.RUNNING)
    mine, theirs = f.meetings(cycle)
    f.assign(mine, people["me"])
    f.assign(theirs, people["other"])
    swap = Swap.objects.create(
        session=mine, requester=people["me"], colleague=people["other"], counterpart=theirs
    )
    withdraw = reverse("groups:swap_withdraw", args=[swap.pk])

    client.force_login(people["me"])
    html = client.get(MINE).content.decode()
    assert f'data-swap="{swap.pk}"' in html and withdraw in html
    assert reverse("groups:swap", args=[mine.pk]) not in html  # already proposed

    client.force_login(people["other"])
    html = client.get(MINE).content.decode()
    assert f'data-swap="{swap.pk}"' in html and "Test mine-me" in html
    assert withdraw not in html  # not theirs to withdraw


def _schedule(person, cycles: int, co) -> None:
    """`cycles` cycles of two upcoming meetings and one recent past one, each with a
    co-facilitator, and a pending swap per cycle."""
    for _n in range(cycles):
        cycle = f.cycle(f.wednesdays(f.quiet_month(), 3), status=CycleStatus.RUNNING)
        past, *upcoming = f.meetings(cycle)
        move(past, timezone.now() - dt.timedelta(days=3))
        for session in (past, *upcoming):
            f.assign(session, person, StaffRole.LEAD)
            f.assign(session, co, StaffRole.CO)
        Swap.objects.create(session=upcoming[0], requester=person, colleague=co)


@pytest.mark.parametrize("cycles", [1, 4])
def test_the_query_count_does_not_grow_with_the_meetings(
    client, people, cycles, django_assert_num_queries
):
    _schedule(people["me"], cycles, people["co"])
    client.force_login(people["me"])
    client.get(MINE)  # warm the site's caches (settings, site root)
    # Session and user, the person's roles and profile, the meetings with their attendance
    # status, the co-facilitators, the swaps; the base template's site, network settings and
    # the Wagtail user bar's two permission look-ups.
    with django_assert_num_queries(11):
        response = client.get(MINE)
    assert response.content.decode().count("data-session=") == 3 * cycles
