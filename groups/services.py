"""Roster changes: assigning a facilitator to a meeting (qualification, monthly maximum and
conflicts checked under the person's lock) and accepting a proposal. Typed, atomic, no request."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from network import permissions
from network.exceptions import NetworkError
from sessions import services_staff
from sessions.models import Assignment, Session, StaffRole

from . import exceptions, roster
from .models import Cycle


def _cycle_of(session: Session) -> Cycle:
    cycle = Cycle.objects.filter(series_id=session.series_id).first()
    if cycle is None:
        raise exceptions.NotAGroupMeeting
    return cycle


def assign(
    actor,
    session: Session,
    person,
    *,
    role: str = StaffRole.CO,
    override_reason: str = "",
    origin: str = "admin",
) -> Assignment:
    """Assign a facilitator to a meeting: refused when unqualified on the day, absent, busy or
    over the monthly maximum; soft problems need a reason (as in sessions/)."""
    cycle = _cycle_of(session)
    if not permissions.can(actor, "change", cycle):
        raise exceptions.NotAllowed
    with transaction.atomic():
        # The same lock as sessions' assign: two coordinators placing the same person are
        # serialised, and the second sees the first one's meeting in the monthly count.
        get_user_model().objects.select_for_update().filter(pk=person.pk).first()
        data = roster.RosterData.load(
            [cycle], [person], sessions=Session.objects.filter(pk=session.pk)
        )
        meeting = data.by_session.get(session.pk)
        if meeting is None:
            raise exceptions.NotAGroupMeeting
        if meeting.open_seats == 0:
            raise exceptions.NoSeatLeft
        hard = [p for p in data.problems(person.pk, meeting) if p.hard]
        if hard:
            raise exceptions.NotEligible(hard[0].message)
        return services_staff.assign(
            actor, session, person, role, override_reason=override_reason, origin=origin
        )


@dataclass(frozen=True)
class Applied:
    assigned: list[Assignment]
    skipped: list[tuple[int, int, str]]  # session id, person id, why


def apply_proposal(actor, proposal: roster.Proposal, *, origin: str = "admin") -> Applied:
    """Accept a proposal: each assignment is checked again now (someone may have declared an
    absence meanwhile); what no longer holds is skipped with its reason, the rest is made."""
    user_model = get_user_model()
    people = {
        p.pk: p for p in user_model.objects.filter(pk__in={p for _s, p in proposal.assignments})
    }
    sessions = Session.objects.in_bulk([s for s, _p in proposal.assignments])
    assigned, skipped = [], []
    for session_id, person_id in proposal.assignments:
        session, person = sessions.get(session_id), people.get(person_id)
        if session is None or person is None:
            skipped.append((session_id, person_id, _("The meeting or the person is gone.")))
            continue
        try:
            with transaction.atomic():
                assigned.append(
                    assign(
                        actor,
                        session,
                        person,
                        override_reason=_("Accepted from the proposed roster."),
                        origin=origin,
                    )
                )
        except NetworkError as error:  # refused now: groups' or sessions' own reason
            skipped.append((session_id, person_id, str(getattr(error, "message", error))))
    return Applied(assigned, skipped)
