"""Shared builders of the support-group admin tests: a cycle in Esneux with one child."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from groups.models import (
    Consent,
    ConsentScope,
    CycleStatus,
    Guardian,
    MeetingAttendance,
    MeetingAttendanceStatus,
    Membership,
    MembershipStatus,
    Participant,
    ReferralSource,
    SafetyInstruction,
    SafetyKind,
)
from sessions.models import StaffRole

from . import factories as f

ALIAS = "Zoélie"


@pytest.fixture(autouse=True)
def _language_back_to_default():
    """The site's language middleware activates the cookie's language for the thread and
    leaves it active after the request: later tests must not run in English."""
    yield
    translation.deactivate()


def child(commune_name: str = "Esneux", alias: str = ALIAS) -> Participant:
    return Participant.objects.create(
        alias=alias,
        birth_year=2017,
        referral_source=ReferralSource.SCHOOL,
        practical_needs="Allergie aux arachides",
        commune=f.commune(commune_name),
    )


def enrol(cycle, participant, **fields) -> Membership:
    fields.setdefault("status", MembershipStatus.ADMITTED)
    return Membership.objects.create(cycle=cycle, participant=participant, **fields)


def world() -> dict:
    """A running cycle in Esneux whose first meeting `animateur` co-facilitates, with a child,
    its consent, safety instruction, membership and attendance at that meeting."""
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 3), status=CycleStatus.RUNNING)
    sessions = f.meetings(cycle)
    f.assign(sessions[0], f.user("animateur"), StaffRole.CO)
    participant = child()
    membership = enrol(cycle, participant)
    Consent.objects.create(
        participant=participant,
        guardian=Guardian.MOTHER,
        given_on=timezone.localdate(),
        scope=ConsentScope.PARTICIPATION,
    )
    SafetyInstruction.objects.create(
        participant=participant, kind=SafetyKind.NEVER_HAND_OVER, who="le père"
    )
    MeetingAttendance.objects.create(
        membership=membership,
        session=sessions[0],
        status=MeetingAttendanceStatus.PRESENT,
        marked_by=f.user("animateur"),
    )
    return {"cycle": cycle, "participant": participant, "membership": membership}


def signed_in(client, username: str | None, *, english: bool = False):
    """The client as `username` (None: anonymous); English pages when asked (assertions on
    strings the French translation does not cover yet)."""
    client.logout()
    if username is not None:
        client.force_login(f.user(username))
    if english:
        client.cookies["maillage_language"] = "en"
    else:
        client.cookies.pop("maillage_language", None)
    return client


def browser_data(response, form_id: str = "w-editor-form") -> dict:
    """What a browser would submit from the page's form, unchanged (a value or a list)."""
    from bs4 import BeautifulSoup

    form = BeautifulSoup(response.content.decode(), "html.parser").find(id=form_id)
    assert form is not None, f"no form #{form_id}"
    data: dict = {}

    def add(name, value):
        data.setdefault(name, []).append(value)

    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or field.has_attr("disabled"):
            continue
        if field.name == "textarea":
            add(name, field.get_text())
        elif field.name == "select":
            options = field.find_all("option")
            chosen = [o for o in options if o.has_attr("selected")]
            if not chosen and options and not field.has_attr("multiple"):
                chosen = options[:1]
            for option in chosen:
                add(name, option.get("value", option.get_text()))
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                add(name, field.get("value", "on"))
        elif field.get("type") not in ("submit", "button", "file"):
            add(name, field.get("value", ""))
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}
