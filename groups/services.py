"""Roster changes: assigning a facilitator to a meeting (qualification, monthly maximum and
conflicts checked under the person's lock) and accepting a proposal. Typed, atomic, no request."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from network import audit, permissions
from network.exceptions import NetworkError
from network.models import MemberProfile
from sessions import services_staff
from sessions.models import Absence, Assignment, Session, SessionStatus, StaffRole

from . import exceptions, notifications, roster, rules
from .models import (
    Cycle,
    MeetingAttendance,
    MeetingAttendanceStatus,
    Membership,
    MembershipStatus,
    Swap,
    SwapStatus,
)


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
    role: str | None = StaffRole.CO,
    override_reason: str = "",
    origin: str = "admin",
) -> Assignment:
    """Assign a facilitator to a meeting: refused when unqualified on the day, absent, busy or
    over the monthly maximum; soft problems need a reason (as in sessions/). `role=None`
    leads when the programme wants a lead and the meeting has none yet."""
    cycle = _cycle_of(session)
    if not permissions.can(actor, "change", cycle):
        raise exceptions.NotAllowed
    with transaction.atomic():
        # The same lock as sessions' assign: two coordinators placing the same person are
        # serialised, and the second sees the first one's meeting in the monthly count.
        get_user_model().objects.select_for_update().filter(pk=person.pk).first()
        # Then the meeting's row (the same order as sessions' assign: no deadlock): two
        # different people placed on its last seat at once are serialised, and the second
        # one counts the first one's seat.
        Session.objects.select_for_update().filter(pk=session.pk).first()
        if role is None:  # chosen under the meeting's lock: never two leads
            role = _role_for_seat(session)
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


def unassign(actor, assignment: Assignment, *, origin: str = "admin", notify: bool = True) -> None:
    """Take a facilitator off a meeting; they get a cancellation for their calendar."""
    cycle = _cycle_of(assignment.session)
    if not permissions.can(actor, "change", cycle):
        raise exceptions.NotAllowed
    session, person = assignment.session, assignment.person
    with transaction.atomic():
        services_staff.unassign(actor, assignment, origin=origin)
        if notify:
            transaction.on_commit(lambda: notifications.notify_unassigned(session, person))


def _role_for_seat(session: Session) -> str:
    """Lead when the programme wants one at every meeting and nobody leads this one yet."""
    cycle = _cycle_of(session)
    if (
        cycle.programme.lead_required
        and not session.assignments.filter(role=StaffRole.LEAD).exists()
    ):
        return StaffRole.LEAD
    return StaffRole.CO


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
                        role=None,
                        override_reason=_("Accepted from the proposed roster."),
                        origin=origin,
                    )
                )
        except NetworkError as error:  # refused now: groups' or sessions' own reason
            skipped.append((session_id, person_id, str(getattr(error, "message", error))))
    return Applied(assigned, skipped)


# --- absences -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AbsenceDeclared:
    absence: Absence
    vacated: list[Session]  # the group meetings that became gaps


def _group_meetings_of(person, first_day: dt.date, last_day: dt.date):
    """Upcoming group meetings the person facilitates around those days (the exact local
    day is compared by the caller)."""
    return (
        Assignment.objects.filter(
            person=person,
            role__in=roster.FACILITATING,
            session__series__support_cycle__isnull=False,
            session__start__gte=timezone.now(),
            session__start__date__gte=first_day - dt.timedelta(days=1),
            session__start__date__lte=last_day + dt.timedelta(days=1),
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session__series__support_cycle", "session__venue__commune", "person")
        .order_by("session__start")
    )


def _may_act_for(actor, person) -> bool:
    """The person themself, or whoever may change their member profile (their communes'
    coordinators, the network coordination): no rule is registered for users themselves."""
    if actor.pk == person.pk:
        return True
    profile = MemberProfile.objects.filter(user_id=person.pk).first()
    return permissions.can(actor, "change", profile if profile is not None else person)


def declare_absence(
    actor,
    person,
    first_day: dt.date,
    last_day: dt.date,
    *,
    reason: str = "",
    origin: str = "front",
) -> AbsenceDeclared:
    """Record an absence; the person's upcoming group meetings in it become gaps and each
    cycle's coordinator is told, with the replacements ranked."""
    if last_day < first_day:
        raise exceptions.AbsenceDates
    if not _may_act_for(actor, person):
        raise exceptions.NotAllowed
    vacated: list[Session] = []
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=person.pk).first()
        absence = Absence.objects.create(
            person=person, start_date=first_day, end_date=last_day, private_reason=reason[:200]
        )
        audit.record("absence.create", absence, actor=actor, origin=origin)
        for assignment in _group_meetings_of(person, first_day, last_day):
            day = timezone.localtime(assignment.session.start).date()
            if not first_day <= day <= last_day:
                continue
            vacated.append(assignment.session)
            audit.record("assignment.vacated", assignment, actor=actor, origin=origin)
            assignment.delete()
        if vacated:
            sessions = [s.pk for s in vacated]
            transaction.on_commit(lambda: notifications.notify_gaps(sessions, absent=person))
            transaction.on_commit(lambda: notifications.notify_released(sessions, person))
    return AbsenceDeclared(absence, vacated)


# --- swaps ----------------------------------------------------------------------------------


def _seat(person, session: Session) -> Assignment | None:
    return Assignment.objects.filter(
        session=session, person=person, role__in=roster.FACILITATING
    ).first()


def propose_swap(
    actor, session: Session, colleague, *, counterpart: Session | None = None, note: str = ""
) -> Swap:
    """A facilitator asks a colleague to take their seat (and may take one of theirs in
    exchange); the coordinator decides."""
    cycle = _cycle_of(session)
    if _seat(actor, session) is None:
        raise exceptions.NotYourMeeting
    if session.start <= timezone.now():
        raise exceptions.MeetingPast
    if colleague.pk == actor.pk:
        raise exceptions.SwapWithYourself
    if _seat(colleague, session) is not None:
        raise exceptions.NotEligible(_("Your colleague already facilitates this meeting."))
    if counterpart is not None:
        _cycle_of(counterpart)
        if _seat(colleague, counterpart) is None:
            raise exceptions.NotEligible(_("Your colleague does not facilitate that meeting."))
        if _seat(actor, counterpart) is not None:
            raise exceptions.NotEligible(_("You already facilitate that meeting."))
        if counterpart.start <= timezone.now():
            raise exceptions.MeetingPast
    try:
        with transaction.atomic():
            swap = Swap.objects.create(
                session=session,
                requester=actor,
                colleague=colleague,
                counterpart=counterpart,
                note=note.strip()[:300],
            )
            audit.record("swap.propose", swap, actor=actor, origin="front")
    except IntegrityError as error:
        raise exceptions.SwapPending from error
    transaction.on_commit(lambda: notifications.notify_swap_proposed(swap, cycle))
    return swap


def withdraw_swap(actor, swap: Swap) -> Swap:
    if swap.requester_id != actor.pk:
        raise exceptions.NotAllowed
    updated = Swap.objects.filter(pk=swap.pk, status=SwapStatus.PROPOSED).update(
        status=SwapStatus.WITHDRAWN, decided_at=timezone.now()
    )
    if not updated:
        raise exceptions.SwapDecided
    swap.refresh_from_db()
    audit.record("swap.withdraw", swap, actor=actor, origin="front")
    return swap


def decide_swap(actor, swap: Swap, *, approve: bool, reason: str = "") -> Swap:
    """Approve (qualification and conflicts checked again, the seats change hands in one
    transaction) or refuse a swap."""
    cycle = _cycle_of(swap.session)
    if not permissions.can(actor, "change", cycle):
        raise exceptions.NotAllowed
    with transaction.atomic():
        locked = Swap.objects.select_for_update().filter(pk=swap.pk).first()
        if locked is None or locked.status != SwapStatus.PROPOSED:
            raise exceptions.SwapDecided
        swap = locked
        if approve:
            # Both people before any meeting, in a fixed order: assign() locks a person then
            # the meeting, so unassigning first would deadlock with a coordinator placing
            # one of them on the same meeting at that moment.
            list(
                get_user_model()
                .objects.select_for_update()
                .filter(pk__in=[swap.requester_id, swap.colleague_id])
                .order_by("pk")
            )
            now = timezone.now()
            counterpart = swap.counterpart
            if swap.session.start <= now or (counterpart is not None and counterpart.start <= now):
                raise exceptions.MeetingPast
            seat = _seat(swap.requester, swap.session)
            other = _seat(swap.colleague, counterpart) if counterpart is not None else None
            taken = _seat(swap.colleague, swap.session) is not None or (
                counterpart is not None and _seat(swap.requester, counterpart) is not None
            )
            if seat is None or (counterpart is not None and other is None) or taken:
                raise exceptions.NotEligible(_("The seats changed since the swap was proposed."))
            role = seat.role
            services_staff.unassign(actor, seat, origin="admin")
            if other is not None:
                services_staff.unassign(actor, other, origin="admin")
            # assign() re-checks qualification, absences, overlaps and the monthly maximum
            # now, with the seats given up above no longer counted.
            assign(
                actor,
                swap.session,
                swap.colleague,
                role=role,
                override_reason=_("Swap approved by the coordinator."),
            )
            if other is not None and counterpart is not None:
                assign(
                    actor,
                    counterpart,
                    swap.requester,
                    role=other.role,
                    override_reason=_("Swap approved by the coordinator."),
                )
        swap.status = SwapStatus.APPROVED if approve else SwapStatus.REFUSED
        swap.decided_by = actor
        swap.decided_at = timezone.now()
        swap.decision_reason = reason.strip()[:300]
        swap.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit.record("swap.approve" if approve else "swap.refuse", swap, actor=actor)
        transaction.on_commit(lambda: notifications.notify_swap_decided(swap))
    return swap


# The attendance sheet opens this long before a meeting (the page and the service agree).
ATTENDANCE_OPENS = dt.timedelta(hours=2)


# --- attendance -----------------------------------------------------------------------------


def attendance_sheet_memberships(session: Session):
    """The children expected at a meeting: admitted (or left after it), with their safety
    instructions, first name or alias only."""
    cycle = _cycle_of(session)
    day = timezone.localtime(session.start).date()
    return (
        Membership.objects.filter(cycle=cycle)
        .filter(
            Q(status=MembershipStatus.ADMITTED) | Q(status=MembershipStatus.LEFT, left_on__gt=day)
        )
        .exclude(admitted_on__gt=day)  # not yet admitted on the meeting's day
        .select_related("participant")
        .prefetch_related("participant__safety_instructions")
        .order_by("participant__alias", "participant__code")
    )


def may_take_attendance(user, session: Session) -> bool:
    """The facilitators of that very meeting, or a coordinator who may change its cycle."""
    cycle = Cycle.objects.filter(series_id=session.series_id).first()
    if cycle is None:
        return False
    if (
        _seat(user, session) is not None
        and permissions.visible(user, Cycle).filter(pk=cycle.pk).exists()
    ):
        return True
    if not permissions.can(user, "change", cycle):
        return False
    if permissions.is_network_coordination(user) and not user.is_superuser:
        # It may change every cycle but sees children only where it holds a role (rules.py).
        return Cycle.objects.filter(rules.role_in_cycle(user, ""), pk=cycle.pk).exists()
    return True


def mark_attendance(
    actor, session: Session, marks: dict[int, str], *, origin: str = "front"
) -> int:
    """Record who came (membership id -> status); marking again overwrites. Returns how many
    rows were written."""
    if not may_take_attendance(actor, session):
        raise exceptions.NotAllowed
    if session.start > timezone.now() + ATTENDANCE_OPENS:
        raise exceptions.MeetingNotYet
    allowed = {m.pk for m in attendance_sheet_memberships(session)}
    valid = set(MeetingAttendanceStatus.values)
    # Everything is checked before anything is written: one wrong mark writes nothing.
    if any(membership_id not in allowed for membership_id in marks):
        raise exceptions.NotOnTheSheet
    if any(status not in valid for status in marks.values()):
        raise exceptions.UnknownAttendanceStatus
    written = 0
    with transaction.atomic():
        for membership_id, status in marks.items():
            MeetingAttendance.objects.update_or_create(
                membership_id=membership_id,
                session=session,
                defaults={"status": status, "marked_by": actor, "marked_at": timezone.now()},
            )
            written += 1
        audit.record("groups.attendance.mark", session, actor=actor, origin=origin)
    return written
