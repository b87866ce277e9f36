"""Staff assignments: every one goes through the conflict check. Typed, atomic, no request."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from network import audit, permissions

from . import conflicts, notifications, services, signals
from .exceptions import (
    AlreadyAssigned,
    AssignmentRefused,
    NotAllowed,
    OverrideRequired,
    SessionCancelled,
)
from .models import Assignment, Session, SessionStatus


def assign(
    actor,
    session: Session,
    person,
    role: str,
    *,
    override_reason: str = "",
    origin: str = "admin",
) -> Assignment:
    """Assign `person` to `session`: hard conflicts refuse, soft ones need an override reason.

    The person's row is locked first, so two coordinators assigning the same person at the
    same time are serialised and the second one sees the first one's assignment.
    """
    if not permissions.can(actor, "change", session):
        raise NotAllowed
    override_reason = override_reason.strip()
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=person.pk).first()
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("series", "venue__commune")
            .get(pk=session.pk)
        )
        if session.status == SessionStatus.CANCELLED:
            raise SessionCancelled
        if Assignment.objects.filter(session=session, person=person).exists():
            raise AlreadyAssigned
        result = conflicts.check(person, session, viewer=actor)
        if result.hard:
            raise AssignmentRefused(result)
        if result.soft and not override_reason:
            raise OverrideRequired(result)
        assignment = Assignment.objects.create(
            session=session,
            person=person,
            role=role,
            override_reason=override_reason if result.soft else "",
            created_by=actor,
        )
        audit.record("assignment.create", assignment, actor=actor, origin=origin)
        if result.soft:
            audit.record("assignment.override", assignment, actor=actor, origin=origin)
        transaction.on_commit(lambda: notifications.notify_assigned(assignment))
    return assignment


def unassign(actor, assignment: Assignment, *, origin: str = "admin") -> None:
    """Remove a person from a session."""
    if not permissions.can(actor, "change", assignment.session):
        raise NotAllowed
    with transaction.atomic():
        Session.objects.select_for_update().filter(pk=assignment.session_id).first()
        audit.record("assignment.delete", assignment, actor=actor, origin=origin)
        Assignment.objects.filter(pk=assignment.pk).delete()


def cancel(actor, session: Session, reason: str, *, origin: str = "admin") -> int:
    """Cancel a session for a coordinator: the staff are told and the audit log notes it.

    Returns how many people were told.
    """
    if not permissions.can(actor, "change", session):
        raise NotAllowed
    session = services.cancel_session(session, reason)
    told = notifications.notify_cancelled(session)
    audit.record("session.cancel", session, actor=actor, origin=origin)
    signals.session_changed.send(sender=Session, session=session, change="cancelled")
    return told


def move(
    actor,
    session: Session,
    *,
    start: dt.datetime,
    end: dt.datetime,
    venue=None,
    reason: str,
    origin: str = "admin",
) -> int:
    """Move a session for a coordinator: same UID, the staff are told, the audit log notes it.

    Returns how many people were told.
    """
    if not permissions.can(actor, "change", session):
        raise NotAllowed
    previous_start = session.start
    previous_place = session.venue.public_location if session.venue else ""
    session = services.move_session(session, start=start, end=end, venue=venue, reason=reason)
    told = notifications.notify_moved(
        session, previous_start=previous_start, previous_place=previous_place
    )
    audit.record("session.move", session, actor=actor, origin=origin)
    signals.session_changed.send(sender=Session, session=session, change="moved")
    return told
