"""What leaves the building never names a child: feeds, calendar files, log lines, the audit
log and Wagtail's log entries are searched for the participants' aliases and codes."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import recurring_ical_events
import time_machine
from django.urls import reverse
from icalendar import Calendar
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from groups import services
from groups.models import (
    Membership,
    MembershipStatus,
    Participant,
    ReferralSource,
    SafetyInstruction,
    SafetyKind,
)
from network import roles
from network.models import AuditEntry
from sessions import tokens
from sessions.models import Venue

from . import factories

pytestmark = pytest.mark.django_db

ALIASES = ("Zéphyrine", "Barnabé")


@pytest.fixture
def scene():
    month = factories.quiet_month()
    days = factories.wednesdays(month, 3)
    cycle = factories.cycle(days, modules=()) if False else factories.cycle(days)
    venue = Venue.objects.create(
        name="Maison secrète",
        address="Rue cachée 1",
        commune=cycle.commune,
        confidential_address=True,
    )
    cycle.series.sessions.update(venue=venue)
    children = []
    for alias in ALIASES:
        child = Participant.objects.create(
            alias=alias,
            birth_year=2017,
            referral_source=ReferralSource.SCHOOL,
            commune=cycle.commune,
        )
        SafetyInstruction.objects.create(
            participant=child, kind=SafetyKind.NEVER_HAND_OVER, who="Monsieur Interdit"
        )
        Membership.objects.create(cycle=cycle, participant=child, status=MembershipStatus.ADMITTED)
        children.append(child)
    facilitator = factories.member("anim-privacy", roles.FACILITATOR, ("Esneux",))
    for session in factories.meetings(cycle):
        factories.assign(session, facilitator)
    return cycle, children, facilitator


def _secrets(children) -> list[str]:
    return [*ALIASES, "Monsieur Interdit", *(c.code for c in children)]


def _clean(text: str, children) -> None:
    for secret in _secrets(children):
        assert secret not in text, secret


def test_the_facilitator_s_feed_names_the_group_and_the_commune_only(client, scene):
    cycle, children, facilitator = scene
    url = reverse(
        "sessions:personal_feed", args=[tokens.token_for(tokens.subscription_for(facilitator))]
    )
    response = client.get(url)
    body = response.content.decode()
    _clean(body, children)
    assert "Maison secrète" not in body and "Rue cachée" not in body
    calendar = Calendar.from_ical(response.content)
    first = dt.datetime.combine(factories.quiet_month(), dt.time())
    events = recurring_ical_events.of(calendar).between(first, first + dt.timedelta(days=40))
    assert len(events) == 3
    assert {str(e["SUMMARY"]) for e in events} == {"Groupe enfants — Esneux"}


def test_a_meeting_s_calendar_file_names_no_child(client, scene):
    cycle, children, facilitator = scene
    session = factories.meetings(cycle)[0]
    client.force_login(facilitator)
    response = client.get(reverse("sessions:session_ics", args=[session.uid]))
    assert response.status_code == 200
    _clean(response.content.decode(), children)


def test_audit_wagtail_log_and_log_lines_name_no_child(scene, caplog):
    cycle, children, facilitator = scene
    session = factories.meetings(cycle)[0]
    caplog.set_level(logging.DEBUG)
    with time_machine.travel(session.start + dt.timedelta(hours=1)):
        services.mark_attendance(
            facilitator,
            session,
            {m.pk: "present" for m in services.attendance_sheet_memberships(session)},
        )
    for child in children:
        log(instance=child, action="wagtail.edit", user=facilitator)
    texts = [caplog.text]
    texts += [
        f"{e.action} {e.object_type} {e.object_key} {e.actor_role}"
        for e in AuditEntry.objects.all()
    ]
    texts += [f"{e.label} {e.data}" for e in ModelLogEntry.objects.all()]
    assert AuditEntry.objects.filter(action="groups.attendance.mark").exists()
    _clean("\n".join(texts), children)


def test_a_search_among_children_s_records_is_not_logged():
    from hub.logging import redact

    line = '"GET /admin/groupes/participants/?q=Z%C3%A9phyrine&p=2 HTTP/1.1" 200 1234'
    assert redact(line) == '"GET /admin/groupes/participants/?[…] HTTP/1.1" 200 1234'
