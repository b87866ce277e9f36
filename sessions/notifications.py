"""E-mails to the staff of a session when they are assigned, or it is cancelled or moved: roster
changes, sent at once or in the person's daily digest (network.notifications)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from network.models import NotificationKind
from network.notifications import notify

from .feeds import invitation
from .models import Assignment, Session


def _local(session: Session, moment: dt.datetime) -> dict[str, str]:
    local = moment.astimezone(session.series.zone)
    return {"date": f"{local:%d/%m/%Y}", "time": f"{local:%H:%M}"}


def _agenda() -> str:
    return reverse("sessions:agenda")


def _staff(session: Session):
    for assignment in session.assignments.select_related("person", "person__member_profile"):
        person = assignment.person
        if person.is_active and person.email:
            yield person


def notify_cancelled(session: Session) -> int:
    """Tell each person assigned that the session is cancelled; returns how many were told."""
    sent = 0
    for person in _staff(session):
        if notify(
            person,
            NotificationKind.ROSTER,
            "sessions/emails/session_cancelled",
            {
                "person": person,
                "title": session.series.agenda_title,
                "when": _local(session, session.start),
                # Never a confidential address in an e-mail: the commune only.
                "place": session.venue.public_location if session.venue else "",
                "reason": session.reason,
            },
            url=_agenda(),
            calendars=[invitation(session, person, method="CANCEL")],
            calendar_method="CANCEL",
            happens_at=session.start,
        ):
            sent += 1
    return sent


def notify_moved(session: Session, *, previous_start: dt.datetime, previous_place: str) -> int:
    """Tell each person assigned the new time and place of the session."""
    sent = 0
    for person in _staff(session):
        if notify(
            person,
            NotificationKind.ROSTER,
            "sessions/emails/session_moved",
            {
                "person": person,
                "title": session.series.agenda_title,
                "before": _local(session, previous_start),
                "when": _local(session, session.start),
                "end": _local(session, session.end),
                "previous_place": previous_place,
                "place": session.venue.public_location if session.venue else "",
                "reason": session.reason,
            },
            url=_agenda(),
            calendars=[invitation(session, person, method="REQUEST")],
            happens_at=min(session.start, previous_start),
        ):
            sent += 1
    return sent


def notify_assigned(assignment: Assignment) -> None:
    """Tell the person they staff a session, with an invitation for their calendar."""
    person, session = assignment.person, assignment.session
    if not (person.is_active and person.email):
        return
    notify(
        person,
        NotificationKind.ROSTER,
        "sessions/emails/session_assigned",
        {
            "person": person,
            "title": session.series.agenda_title,
            "role": assignment.get_role_display(),
            "when": _local(session, session.start),
            "end": _local(session, session.end),
            "place": session.venue.public_location if session.venue else "",
        },
        url=_agenda(),
        calendars=[invitation(session, person, method="REQUEST")],
        happens_at=session.start,
    )
