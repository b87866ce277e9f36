"""E-mails of groups/: a facilitator taken off a meeting gets a calendar cancellation; the
coordinators are found; and no e-mail of any flow (subject, body, attachment) names a child or
anything internal, the meeting being called by its public title."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups import exceptions, notifications, services
from groups.models import (
    CycleStatus,
    Membership,
    MembershipStatus,
    Participant,
    ReferralSource,
    SafetyInstruction,
    SafetyKind,
)
from network import roles
from sessions.models import Absence, Assignment, Series, StaffRole

from . import factories as f

pytestmark = pytest.mark.django_db

TITLE = "Groupe enfants — Esneux"
ALIASES = ("Zoélie", "Maëlys-Anouk")
ADULT = "M. Dupont-Essai"  # named in a safety instruction
INTERNAL_CYCLE = "Fratrie Dupont-Essai, Esneux"
INTERNAL_SERIES = "Groupe de la fratrie Dupont-Essai"


def day_of(session) -> dt.date:
    return session.start.astimezone(f.BRUSSELS).date()


def text_of(content) -> str:
    """An attachment's text, its folded lines (iCalendar) joined again."""
    if isinstance(content, bytes):
        content = content.decode()
    return content.replace("\r\n ", "").replace("\n ", "")


def everything(message) -> str:
    parts = [message.subject, message.body]
    parts += [text_of(content) for _name, content, _type in message.attachments]
    parts += [text_of(content) for content, _type in getattr(message, "alternatives", [])]
    return "\n".join(parts)


@pytest.fixture
def scene(demo_data):
    """Four Wednesdays in Esneux, whose internal names mention a family: anim-04 and anim-03
    run the first two, anim-05 the last two; two children admitted."""
    coordinator = f.member("h5-coord", roles.COMMUNE_COORDINATOR, ("Esneux",))
    cycle = f.cycle(
        f.wednesdays(f.quiet_month(), 4),
        coordinator=coordinator,
        status=CycleStatus.RUNNING,
        name=INTERNAL_CYCLE,
    )
    Series.objects.filter(pk=cycle.series_id).update(title=INTERNAL_SERIES)
    m = f.meetings(cycle)
    for session in m[:2]:
        f.assign(session, f.user("anim-04"), StaffRole.LEAD)
        f.assign(session, f.user("anim-03"))
    for session in m[2:]:
        f.assign(session, f.user("anim-05"), StaffRole.LEAD)
    children = []
    for alias in ALIASES:
        child = Participant.objects.create(
            alias=alias,
            birth_year=2016,
            referral_source=ReferralSource.SCHOOL,
            commune=f.commune("Esneux"),
        )
        SafetyInstruction.objects.create(
            participant=child, kind=SafetyKind.NEVER_HAND_OVER, who=ADULT
        )
        Membership.objects.create(cycle=cycle, participant=child, status=MembershipStatus.ADMITTED)
        children.append(child)
    return {"coordinator": coordinator, "cycle": cycle, "meetings": m, "children": children}


# --- unassigning ----------------------------------------------------------------------------


def test_the_facilitator_taken_off_gets_a_calendar_cancellation(
    scene, mailoutbox, django_capture_on_commit_callbacks
):
    first, person = scene["meetings"][0], f.user("anim-03")
    seat = Assignment.objects.get(session=first, person=person)
    with django_capture_on_commit_callbacks(execute=True):
        services.unassign(scene["coordinator"], seat)
    assert not Assignment.objects.filter(pk=seat.pk).exists()
    (message,) = mailoutbox
    assert message.to == [person.email]
    assert TITLE in message.subject and f"{day_of(first):%d/%m/%Y}" in message.subject
    assert "16:00" in message.body
    ((name, content, mimetype),) = message.attachments
    assert name.endswith(".ics") and mimetype.startswith("text/calendar; method=CANCEL")
    calendar = text_of(content)
    assert "METHOD:CANCEL" in calendar and "STATUS:CANCELLED" in calendar
    assert f"UID:{first.uid}" in calendar and f"SUMMARY:{TITLE}" in calendar
    assert person.email in calendar


@pytest.mark.parametrize("who", ["anim-03", "anim-04", "coord-sprimont", "professionnelle"])
def test_only_a_coordinator_of_the_cycle_takes_someone_off(
    scene, who, mailoutbox, django_capture_on_commit_callbacks
):
    seat = Assignment.objects.get(session=scene["meetings"][0], person=f.user("anim-03"))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(exceptions.NotAllowed):
        services.unassign(f.user(who), seat)
    assert Assignment.objects.filter(pk=seat.pk).exists()
    assert mailoutbox == []


def test_without_notice_when_asked(scene, mailoutbox, django_capture_on_commit_callbacks):
    seat = Assignment.objects.get(session=scene["meetings"][0], person=f.user("anim-03"))
    with django_capture_on_commit_callbacks(execute=True):
        services.unassign(f.user("coord-esneux"), seat, notify=False)
    assert not Assignment.objects.filter(pk=seat.pk).exists()
    assert mailoutbox == []


# --- who is told ----------------------------------------------------------------------------


def test_the_coordinator_in_charge_else_the_commune_s_coordinators(scene):
    cycle, coordinator = scene["cycle"], scene["coordinator"]
    assert notifications.coordinators_of(cycle) == [coordinator]
    # Unreachable (no e-mail, then gone): the commune's coordinators, those of Esneux only.
    coordinator.email = ""
    coordinator.save()
    esneux = {f.user("coord-esneux")}
    assert set(notifications.coordinators_of(cycle)) == esneux
    coordinator.email, coordinator.is_active = "h5-coord@test.example", False
    coordinator.save()
    assert set(notifications.coordinators_of(cycle)) == esneux
    cycle.coordinator = None
    assert set(notifications.coordinators_of(cycle)) == esneux


def test_a_commune_coordinator_who_also_coordinates_the_network_is_told(scene):
    cycle = scene["cycle"]
    cycle.coordinator = None
    both = f.member("h5-both", roles.COMMUNE_COORDINATOR, ("Esneux",))
    both.groups.add(Group.objects.get(name=roles.NETWORK_COORDINATION.name))
    expected = {f.user("coord-esneux"), scene["coordinator"], both}
    assert set(notifications.coordinators_of(cycle)) == expected


def test_the_gaps_e_mail_costs_the_same_queries_for_one_gap_or_three(demo_data):
    person = f.member("h5-gaps", roles.FACILITATOR, ("Esneux",))
    counts = []
    for size in (1, 3):
        cycle = f.cycle(f.wednesdays(f.quiet_month(), size), coordinator=f.user("coord-esneux"))
        sessions = f.meetings(cycle)
        for session in sessions:
            f.assign(session, person)
        Absence.objects.create(
            person=person, start_date=day_of(sessions[0]), end_date=day_of(sessions[-1])
        )
        with CaptureQueriesContext(connection) as queries:
            assert notifications.notify_gaps([s.pk for s in sessions], absent=person) == 1
        counts.append(len(queries))
        Assignment.objects.filter(session__in=sessions).delete()
    assert counts[0] == counts[1]


# --- privacy --------------------------------------------------------------------------------


def test_no_e_mail_of_any_flow_names_a_child_or_anything_internal(
    scene, mailoutbox, django_capture_on_commit_callbacks
):
    m, coordinator = scene["meetings"], scene["coordinator"]
    requester, partner, colleague = f.user("anim-04"), f.user("anim-03"), f.user("anim-05")
    with django_capture_on_commit_callbacks(execute=True):
        # A coordinator takes someone off; someone declares an absence (a gap).
        services.unassign(coordinator, Assignment.objects.get(session=m[3], person=colleague))
    with django_capture_on_commit_callbacks(execute=True):
        services.declare_absence(partner, partner, day_of(m[0]), day_of(m[0]))
    with django_capture_on_commit_callbacks(execute=True):
        approved = services.propose_swap(requester, m[0], colleague, counterpart=m[2])
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_swap(coordinator, approved, approve=True, reason="D'accord")
    with django_capture_on_commit_callbacks(execute=True):
        refused = services.propose_swap(requester, m[1], f.user("anim-06"))
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_swap(coordinator, refused, approve=False, reason="Non")
    with (
        time_machine.travel(m[1].start + dt.timedelta(hours=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sheet = services.attendance_sheet_memberships(m[1])
        services.mark_attendance(requester, m[1], {x.pk: "present" for x in sheet})

    kinds = {
        "unassigned": 1,
        "gaps": 1,
        "released": 1,  # the absent facilitator's own cancellations
        "proposed": 4,  # the coordinator and the colleague, twice
        "decided": 4,  # both facilitators, twice
        "assigned": 2,  # sessions' own invitations for the two seats taken in the exchange
    }
    assert len(mailoutbox) == sum(kinds.values())
    forbidden = [*ALIASES, ADULT, INTERNAL_CYCLE, INTERNAL_SERIES]
    forbidden += [child.code for child in scene["children"]]
    for message in mailoutbox:
        assert TITLE in message.subject, message.subject
        text = everything(message)
        for word in forbidden:
            assert word not in text, (word, message.subject)
        for _name, content, _type in message.attachments:
            assert f"SUMMARY:{TITLE}" in text_of(content)
