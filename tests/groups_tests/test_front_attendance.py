"""The attendance sheet of a group meeting (/mes-groupes/seance/<id>/presences/): only the
facilitators of that very meeting and the coordinators who may see its children reach it (else
404, existence not revealed); the safety instructions come first; marking overwrites."""

from __future__ import annotations

import datetime as dt
import re

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
    SafetyInstruction,
    SafetyKind,
)
from network import roles
from network.models import AuditEntry
from sessions.models import Session, StaffRole, Venue

from . import factories as f

pytestmark = pytest.mark.django_db

NEVER = "le père, M. Dupont-Essai"
NEVER_CONTACT = "la tante paternelle"
PICKUP = "la grand-mère Jeanne"


def child(alias: str) -> Participant:
    return Participant.objects.create(
        alias=alias,
        birth_year=2017,
        referral_source=ReferralSource.SCHOOL,
        practical_needs="Allergie aux arachides",
        commune=f.commune("Esneux"),
    )


def admit(cycle, participant) -> Membership:
    return Membership.objects.create(
        cycle=cycle, participant=participant, status=MembershipStatus.ADMITTED
    )


def move(session: Session, start: dt.datetime) -> Session:
    Session.objects.filter(pk=session.pk).update(start=start, end=start + dt.timedelta(hours=1))
    session.refresh_from_db()
    return session


@pytest.fixture
def sheet(demo_data):
    """A running cycle in Esneux whose first meeting started half an hour ago, led by `lead`
    with `co`; two admitted children, the first with safety instructions."""
    venue = Venue.objects.create(
        name="Maison d'essai", address="Rue Discrète 3", commune=f.commune("Esneux")
    )
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 3), status=CycleStatus.RUNNING, venue=venue)
    first, second, _third = f.meetings(cycle)
    now = move(first, timezone.now() - dt.timedelta(minutes=30))
    lead = f.member("sheet-lead", roles.FACILITATOR)
    co = f.member("sheet-co", roles.FACILITATOR)
    f.assign(now, lead, StaffRole.LEAD)
    f.assign(now, co, StaffRole.CO)
    f.assign(second, lead, StaffRole.LEAD)
    zoelie, yanis = child("Zoélie"), child("Yanis")
    SafetyInstruction.objects.create(
        participant=zoelie, kind=SafetyKind.NEVER_HAND_OVER, who=NEVER, note="jugement du 03/02"
    )
    SafetyInstruction.objects.create(
        participant=zoelie, kind=SafetyKind.NEVER_CONTACT, who=NEVER_CONTACT
    )
    SafetyInstruction.objects.create(
        participant=zoelie, kind=SafetyKind.AUTHORISED_PICKUP, who=PICKUP
    )
    return {
        "cycle": cycle,
        "session": now,
        "later": second,
        "lead": lead,
        "co": co,
        "zoelie": admit(cycle, zoelie),
        "yanis": admit(cycle, yanis),
        "url": reverse("groups:attendance", args=[now.pk]),
    }


def marked(sheet):
    """Attendance recorded for the children of the sheet's cycle (the demo has its own)."""
    return MeetingAttendance.objects.filter(membership__cycle=sheet["cycle"])


def _section(html: str, membership: Membership) -> str:
    """The sheet's block for one child."""
    start = html.index(f'data-membership="{membership.pk}"')
    end = html.find("data-membership=", start + 20)
    return html[start : end if end != -1 else len(html)]


def test_anonymous_visitors_are_sent_to_sign_in(client, sheet):
    response = client.get(sheet["url"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["lead", "co"])
def test_the_facilitators_of_the_meeting_get_the_sheet(client, sheet, who):
    client.force_login(sheet[who])
    response = client.get(sheet["url"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zoélie" in html and "Yanis" in html
    assert response["Cache-Control"] == "private, no-store"
    assert '<meta name="robots" content="noindex, nofollow">' in html


@pytest.mark.parametrize(
    "who",
    [
        "another facilitator",
        "facilitator of another meeting of the cycle",
        "coordinator of another commune",
        "network coordination without a role",
        "professional",
        "trainer",
    ],
)
def test_everyone_else_gets_a_404(client, sheet, who):
    person = {
        "another facilitator": lambda: f.member("sheet-other", roles.FACILITATOR),
        "facilitator of another meeting of the cycle": lambda: _seated_elsewhere(sheet),
        "coordinator of another commune": lambda: f.member(
            "coord-ay-test", roles.COMMUNE_COORDINATOR, ("Aywaille",)
        ),
        "network coordination without a role": lambda: f.user("coordination"),
        "professional": lambda: f.user("professionnelle"),
        "trainer": lambda: f.user("formatrice"),
    }[who]()
    client.force_login(person)
    assert client.get(sheet["url"]).status_code == 404
    response = client.post(sheet["url"], {f"status-{sheet['zoelie'].pk}": "present"})
    assert response.status_code == 404
    assert not marked(sheet).exists()
    # The same answer as for a meeting that does not exist.
    missing = reverse("groups:attendance", args=[sheet["session"].pk + 10_000])
    assert client.get(missing).status_code == 404


def _seated_elsewhere(sheet):
    person = f.member("sheet-later", roles.FACILITATOR)
    f.assign(sheet["later"], person, StaffRole.CO)
    return person


def test_the_commune_coordinator_and_the_coordinator_in_charge_get_it(client, sheet):
    client.force_login(f.user("coord-esneux"))
    assert client.get(sheet["url"]).status_code == 200
    sheet["cycle"].coordinator = f.user("coordination")
    sheet["cycle"].save()
    client.force_login(f.user("coordination"))
    assert client.get(sheet["url"]).status_code == 200


def test_a_huge_or_unknown_id_answers_404(client, sheet):
    client.force_login(sheet["lead"])
    assert client.get("/mes-groupes/seance/99999999999999999999/presences/").status_code == 404


def test_every_view_of_the_sheet_is_audited(client, sheet):
    client.force_login(sheet["lead"])
    client.get(sheet["url"])
    client.get(sheet["url"])
    entries = AuditEntry.objects.filter(action="groups.attendance_sheet.view")
    assert entries.count() == 2
    assert {e.object_key for e in entries} == {str(sheet["session"].pk)}
    assert {e.origin for e in entries} == {"front"}


def test_safety_instructions_are_shown_at_the_top_and_on_the_childs_row(client, sheet):
    client.force_login(sheet["lead"])
    html = client.get(sheet["url"]).content.decode()
    # At the top, before the first child's row, in an alert box.
    top = html[: html.index("data-membership=")]
    assert re.search(r'class="safety-alert[^"]*" role="alert"', top)
    assert NEVER in top and NEVER_CONTACT in top
    # On the child's own row, with an icon and words (not colour alone), and the pick-up adult.
    row = _section(html, sheet["zoelie"])
    alert = row[row.index('class="safety-alert"') :]
    assert 'role="alert"' in alert[:40]
    assert "<svg" in alert and NEVER in alert and "jugement du 03/02" in alert
    assert PICKUP in row
    # The other child has no alert.
    assert "safety-alert" not in _section(html, sheet["yanis"])


def test_marking_attendance_persists_and_marking_again_overwrites(client, sheet):
    client.force_login(sheet["lead"])
    zoelie, yanis = sheet["zoelie"], sheet["yanis"]
    response = client.post(
        sheet["url"], {f"status-{zoelie.pk}": "present", f"status-{yanis.pk}": "absent"}
    )
    assert response.status_code == 302
    marks = dict(marked(sheet).values_list("membership_id", "status"))
    assert marks == {zoelie.pk: "present", yanis.pk: "absent"}

    client.force_login(sheet["co"])
    client.post(sheet["url"], {f"status-{yanis.pk}": MeetingAttendanceStatus.EXCUSED})
    marks = dict(marked(sheet).values_list("membership_id", "status"))
    assert marks == {zoelie.pk: "present", yanis.pk: "excused"}
    # The sheet shows what is recorded.
    html = client.get(sheet["url"]).content.decode()
    assert re.search(r'value="excused" checked', _section(html, yanis))
    assert re.search(r'value="present" checked', _section(html, zoelie))


def test_an_error_is_shown_and_the_choices_are_kept(client, sheet):
    client.force_login(sheet["lead"])
    zoelie, yanis = sheet["zoelie"], sheet["yanis"]
    response = client.post(
        sheet["url"], {f"status-{zoelie.pk}": "present", f"status-{yanis.pk}": "maybe"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="attendance-error"' in html
    assert re.search(r'value="present" checked', _section(html, zoelie))
    assert not marked(sheet).exists()  # one wrong mark writes nothing


def test_before_two_hours_ahead_the_sheet_lists_the_children_without_marking(client, sheet):
    client.force_login(sheet["lead"])
    url = reverse("groups:attendance", args=[sheet["later"].pk])
    html = client.get(url).content.decode()
    assert "Zoélie" in html and NEVER in html
    assert 'type="radio"' not in html
    response = client.post(url, {f"status-{sheet['zoelie'].pk}": "present"})
    assert response.status_code == 400
    assert not marked(sheet).exists()


def test_my_groups_links_to_the_sheet_only_when_it_opens(client, sheet):
    client.force_login(sheet["lead"])
    html = client.get(reverse("groups:mine")).content.decode()
    assert f'href="{sheet["url"]}"' in html
    later = reverse("groups:attendance", args=[sheet["later"].pk])
    assert f'href="{later}"' not in html
