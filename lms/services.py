"""Enrolment, waitlist, approval, attendance and completion. Typed, atomic, no request.

Every change to a run's seats happens inside `_locked(run)`: a row lock on PostgreSQL, the
database write lock on SQLite (IMMEDIATE transactions). Seats are also counted in
`CourseRun.seats_taken`, bounded by a check constraint, so an overbooking fails in the database
even if a code path forgot the lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max, Min, Q, QuerySet, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext

from network import audit, permissions, roles
from network.models import MemberProfile, MemberStatus
from sessions import services as session_services
from sessions.models import Assignment, Series, SeriesDate, Session, SessionStatus, StaffRole

from . import eligibility, exceptions, notifications
from .models import (
    PENDING,
    SEAT_HOLDING,
    Approval,
    Attendance,
    AttendanceStatus,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    Interest,
    ModulePage,
    PathCompletion,
    PathModule,
    RunStatus,
    TrainingPathPage,
)
from .signals import module_completed, path_completed

HUNDRED = Decimal(100)
# Dates in messages are shown the Belgian way whatever the language (DESIGN "House style").
DATETIME = eligibility.DATETIME


# --- locking and seats -----------------------------------------------------------------------


def _locked(run_id: int) -> CourseRun:
    """The run, locked until the end of the transaction (call inside transaction.atomic)."""
    return CourseRun.objects.select_for_update(of=("self",)).select_related("module").get(pk=run_id)


def _take_seat(run: CourseRun) -> bool:
    """Take one seat if one is free; the conditional UPDATE cannot overbook."""
    taken = CourseRun.objects.filter(pk=run.pk, seats_taken__lt=F("capacity")).update(
        seats_taken=F("seats_taken") + 1
    )
    if taken:
        run.seats_taken += 1
    return bool(taken)


def _free_seat(run: CourseRun) -> None:
    CourseRun.objects.filter(pk=run.pk, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1)
    run.seats_taken = max(run.seats_taken - 1, 0)


def _waiting(run: CourseRun):
    return Enrolment.objects.filter(run=run, status=EnrolmentStatus.WAITLISTED)


def _append_to_waitlist(run: CourseRun, enrolment: Enrolment) -> None:
    last = _waiting(run).aggregate(last=Max("waitlist_position"))["last"] or 0
    enrolment.status = EnrolmentStatus.WAITLISTED
    enrolment.waitlist_position = last + 1


def _leave_waitlist(run: CourseRun, position: int | None) -> None:
    """Close the gap a person leaves, so positions stay 1..N in sign-up order."""
    if position is not None:
        _waiting(run).filter(waitlist_position__gt=position).update(
            waitlist_position=F("waitlist_position") - 1
        )


def _offer_expiry(run: CourseRun, now: dt.datetime) -> dt.datetime | None:
    expires = now + dt.timedelta(hours=run.offer_hold_hours)
    if run.starts_at is not None:
        expires = min(expires, run.starts_at)
    return expires if expires > now else None


def _pass_seat_on(run: CourseRun, now: dt.datetime) -> Enrolment | None:
    """A held seat was freed: offer it to the first person waiting, else give it back."""
    expires = _offer_expiry(run, now)
    first = _waiting(run).order_by("waitlist_position").first() if expires else None
    if first is None:
        _free_seat(run)
        return None
    position = first.waitlist_position
    first.status = EnrolmentStatus.OFFERED
    first.waitlist_position = None
    first.offer_expires_at = expires
    first.updated_at = now
    first.save(update_fields=["status", "waitlist_position", "offer_expires_at", "updated_at"])
    _leave_waitlist(run, position)
    audit.record("enrolment.offer", first, origin="system")
    notifications.later("offered", first)
    return first


def _place(run: CourseRun, enrolment: Enrolment, now: dt.datetime) -> None:
    """Confirm when a seat is free and nobody is waiting for it, else join the waitlist."""
    if not _waiting(run).exists() and _take_seat(run):
        enrolment.status = EnrolmentStatus.CONFIRMED
        enrolment.waitlist_position = None
    else:
        _append_to_waitlist(run, enrolment)
    enrolment.offer_expires_at = None
    enrolment.updated_at = now


def _expire_offers_locked(run: CourseRun, now: dt.datetime) -> int:
    expired = 0
    for enrolment in Enrolment.objects.filter(
        run=run, status=EnrolmentStatus.OFFERED, offer_expires_at__lte=now
    ).order_by("offer_expires_at", "pk"):
        enrolment.status = EnrolmentStatus.EXPIRED
        enrolment.updated_at = now
        enrolment.save(update_fields=["status", "updated_at"])
        audit.record("enrolment.offer_expired", enrolment, origin="system")
        notifications.later("offer_expired", enrolment)
        # Held from now, not from the old expiry: a late run_due_jobs must not hand the next
        # person an offer that has already run out.
        _pass_seat_on(run, now)
        expired += 1
    return expired


def expire_offers(run_ids: Iterable[int] | None = None, now: dt.datetime | None = None) -> int:
    """Pass on every seat offer whose time is up (run_due_jobs, and before any read that
    shows seats). Returns how many offers expired."""
    now = now or timezone.now()
    due = Enrolment.objects.filter(status=EnrolmentStatus.OFFERED, offer_expires_at__lte=now)
    if isinstance(run_ids, QuerySet):
        due = due.filter(run_id__in=run_ids)  # a subquery: one query in all
    elif run_ids is not None:
        due = due.filter(run_id__in=list(run_ids))
    expired = 0
    for run_id in sorted(set(due.values_list("run_id", flat=True))):
        with transaction.atomic():
            expired += _expire_offers_locked(_locked(run_id), now)
    return expired


def fill_free_seats(run: CourseRun, now: dt.datetime | None = None) -> int:
    """Offer free seats to the waitlist (after the capacity was raised); returns offers made."""
    now = now or timezone.now()
    offered = 0
    with transaction.atomic():
        run = _locked(run.pk)
        while run.seats_taken < run.capacity and _waiting(run).exists():
            if not _take_seat(run):
                break
            if _pass_seat_on(run, now) is None:
                break
            offered += 1
    return offered


# --- eligibility -----------------------------------------------------------------------------


def _profile(person) -> MemberProfile | None:
    return (
        MemberProfile.objects.filter(user=person, status=MemberStatus.ACTIVE)
        .select_related("organisation")
        .first()
    )


def completed_module_ids(person) -> set[int]:
    return set(
        Enrolment.objects.filter(person=person, status=EnrolmentStatus.COMPLETED).values_list(
            "run__module_id", flat=True
        )
    )


def check_eligibility(person, run: CourseRun, now: dt.datetime | None = None) -> None:
    """Raise the first reason why `person` may not enrol in `run` (messages a user can read)."""
    found = eligibility.problem(
        eligibility.facts_for(person),
        run,
        prerequisites=list(run.module.prerequisites.all()),
        now=now,
    )
    if found is not None:
        raise found


def preview(person, run: CourseRun, now: dt.datetime | None = None) -> eligibility.Outcome:
    """What signing up would do now, for the button."""
    try:
        check_eligibility(person, run, now)
    except exceptions.EnrolmentError as error:
        return eligibility.outcome(run, 0, error)
    return eligibility.outcome(run, _waiting(run).count(), None)


# --- the person's actions --------------------------------------------------------------------


def enrol(person, run: CourseRun, *, actor=None, origin: str = "web") -> Enrolment:
    """Sign `person` up: confirmed, waitlisted (last position) or awaiting approval."""
    actor = actor or person
    with transaction.atomic():
        run = _locked(run.pk)
        # Read the clock under the lock: sign-up times then follow the waitlist's order.
        now = timezone.now()
        _expire_offers_locked(run, now)
        check_eligibility(person, run, now)
        enrolment = Enrolment.objects.filter(run=run, person=person).first()
        if enrolment is None:
            enrolment = Enrolment(run=run, person=person)
        enrolment.requested_at = now
        enrolment.reason = ""
        enrolment.decided_at = enrolment.decided_by = None
        enrolment.cancelled_at = enrolment.completed_at = None
        enrolment.reminded_at = None
        if run.approval == Approval.AUTOMATIC:
            _place(run, enrolment, now)
        else:
            enrolment.status = EnrolmentStatus.REQUESTED
            enrolment.waitlist_position = None
            enrolment.offer_expires_at = None
            enrolment.updated_at = now
        enrolment.save()
        audit.record("enrolment.create", enrolment, actor=actor, origin=origin)
        if enrolment.status == EnrolmentStatus.REQUESTED:
            notifications.later("requested", enrolment)
            notifications.later("approval_needed", enrolment)
        else:
            notifications.later(enrolment.status, enrolment)
    return enrolment


def cancel(enrolment: Enrolment, *, actor, reason: str = "", origin: str = "web") -> Enrolment:
    """Cancel an enrolment: by the person before the deadline, or by a coordinator with a
    reason. A seat it held goes to the first person waiting."""
    by_person = actor.pk == enrolment.person_id
    reason = reason.strip()
    if not by_person:
        if not may_manage(actor, enrolment.run):
            raise exceptions.NotAllowed
        if not reason:
            raise exceptions.ReasonRequired
    refusal: exceptions.EnrolmentError | None = None
    with transaction.atomic():
        run = _locked(enrolment.run_id)
        now = timezone.now()
        _expire_offers_locked(run, now)
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        deadline = run.cancellation_deadline()
        if enrolment.status not in PENDING:
            # Raised after the commit: an offer expired above stays expired and passed on.
            refusal = exceptions.WrongStatus()
        elif (
            by_person
            and enrolment.status == EnrolmentStatus.CONFIRMED
            and deadline is not None
            and now > deadline
        ):
            refusal = exceptions.TooLateToCancel(
                exceptions.TooLateToCancel.default_message
                % {"deadline": formats.date_format(timezone.localtime(deadline), DATETIME)}
            )
        else:
            held = enrolment.holds_seat
            position = enrolment.waitlist_position
            enrolment.status = EnrolmentStatus.CANCELLED
            enrolment.waitlist_position = None
            enrolment.offer_expires_at = None
            enrolment.cancelled_at = now
            enrolment.reason = reason
            enrolment.updated_at = now
            if not by_person:
                enrolment.decided_by = actor
            enrolment.save()
            if held:
                _pass_seat_on(run, now)
            else:
                _leave_waitlist(run, position)
            audit.record("enrolment.cancel", enrolment, actor=actor, origin=origin)
            notifications.later("cancelled", enrolment)
    if refusal is not None:
        raise refusal
    return enrolment


def erase_enrolments(person) -> int:
    """Delete a person's enrolments (privacy erasure) without breaking any run's invariants:
    a seat they held goes to the first person waiting (or back to the run), a place on a
    waitlist closes up. Attendance and evaluations go with the enrolment."""
    erased = 0
    for enrolment_id, run_id in Enrolment.objects.filter(person=person).values_list("pk", "run_id"):
        with transaction.atomic():
            run = _locked(run_id)
            enrolment = Enrolment.objects.filter(pk=enrolment_id).first()
            if enrolment is None:
                continue
            if enrolment.status in (EnrolmentStatus.CONFIRMED, EnrolmentStatus.OFFERED):
                _pass_seat_on(run, timezone.now())
            elif enrolment.holds_seat:
                _free_seat(run)
            elif enrolment.status == EnrolmentStatus.WAITLISTED:
                _leave_waitlist(run, enrolment.waitlist_position)
            enrolment.delete()
            erased += 1
    return erased


def accept_offer(enrolment: Enrolment, *, actor, origin: str = "web") -> Enrolment:
    """The person takes the seat offered to them (if the offer is still live)."""
    if actor.pk != enrolment.person_id:
        raise exceptions.NotAllowed
    refusal: exceptions.EnrolmentError | None = None
    with transaction.atomic():
        run = _locked(enrolment.run_id)
        now = timezone.now()
        _expire_offers_locked(run, now)
        enrolment = Enrolment.objects.get(pk=enrolment.pk)
        # Refusals are raised after the commit: raising here would roll back the expiry and
        # the offer just made to the next person.
        if enrolment.status == EnrolmentStatus.EXPIRED:
            refusal = exceptions.OfferExpired()
        elif enrolment.status != EnrolmentStatus.OFFERED:
            refusal = exceptions.WrongStatus()
        elif run.starts_at is not None and now >= run.starts_at:
            refusal = exceptions.WindowClosed()
        else:
            enrolment.status = EnrolmentStatus.CONFIRMED
            enrolment.offer_expires_at = None
            enrolment.updated_at = now
            enrolment.save(update_fields=["status", "offer_expires_at", "updated_at"])
            audit.record("enrolment.accept_offer", enrolment, actor=actor, origin=origin)
            notifications.later("confirmed", enrolment)
    if refusal is not None:
        raise refusal
    return enrolment


def register_interest(person, module: ModulePage) -> tuple[Interest, bool]:
    """ "Me prévenir": told once when a run of the module opens."""
    if _profile(person) is None:
        raise exceptions.NotAMember
    interest, created = Interest.objects.get_or_create(module=module, person=person)
    if not created and interest.notified_at is not None:
        interest.notified_at = None
        interest.created_at = timezone.now()
        interest.save(update_fields=["notified_at", "created_at"])
    return interest, created


def withdraw_interest(person, module: ModulePage) -> int:
    return Interest.objects.filter(module=module, person=person).delete()[0]


# --- approval --------------------------------------------------------------------------------


def may_manage(user, run: CourseRun) -> bool:
    """Coordinators of the run's commune, and the network coordination."""
    return permissions.can(user, "change", run)


def may_decide(user, enrolment: Enrolment) -> bool:
    """Who approves a request: a coordinator of the run, or (for referent approval) a
    referent of the person's organisation, never the person themself."""
    if not user.is_authenticated or user.pk == enrolment.person_id:
        return False
    if may_manage(user, enrolment.run):
        return True
    if enrolment.run.approval != Approval.REFERENT:
        return False
    standing = permissions.standing(user)
    if not standing.has(roles.REFERENT) or standing.organisation_id is None:
        return False
    return MemberProfile.objects.filter(
        user_id=enrolment.person_id, organisation_id=standing.organisation_id
    ).exists()


def requests_for_referent(user):
    """The requests a referent may decide: their organisation's members, referent approval."""
    standing = permissions.standing(user)
    if not standing.has(roles.REFERENT) or standing.organisation_id is None:
        return Enrolment.objects.none()
    return Enrolment.objects.filter(
        status=EnrolmentStatus.REQUESTED,
        run__approval=Approval.REFERENT,
        person__member_profile__organisation_id=standing.organisation_id,
    ).exclude(person=user)


def approvers_of(enrolment: Enrolment):
    """Who is asked to decide a request: the organisation's referents (referent approval) or
    the coordinators of the run's commune, else the network coordination."""
    from django.contrib.auth import get_user_model

    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .exclude(pk=enrolment.person_id)
    )
    run = enrolment.run
    if run.approval == Approval.REFERENT:
        organisation = MemberProfile.objects.filter(user_id=enrolment.person_id).values(
            "organisation_id"
        )
        referents = users.filter(
            groups__name=roles.REFERENT.name,
            member_profile__organisation_id__in=organisation,
        )
        if referents.exists():
            return referents.distinct()
    coordinators = users.filter(
        groups__name=roles.COMMUNE_COORDINATOR.name, member_profile__communes=run.commune_id
    )
    if coordinators.exists():
        return coordinators.distinct()
    return users.filter(groups__name=roles.NETWORK_COORDINATION.name).distinct()


def approve(enrolment: Enrolment, *, actor, origin: str = "web") -> Enrolment:
    """Approve a request: it takes a seat if one is free, else joins the waitlist."""
    if not may_decide(actor, enrolment):
        raise exceptions.NotAllowed
    now = timezone.now()
    with transaction.atomic():
        run = _locked(enrolment.run_id)
        _expire_offers_locked(run, now)
        enrolment = Enrolment.objects.get(pk=enrolment.pk)
        if enrolment.status != EnrolmentStatus.REQUESTED:
            raise exceptions.WrongStatus
        if run.is_cancelled:
            raise exceptions.RunCancelled
        _place(run, enrolment, now)
        enrolment.decided_at = now
        enrolment.decided_by = actor
        enrolment.save()
        audit.record("enrolment.approve", enrolment, actor=actor, origin=origin)
        notifications.later("approved", enrolment)
    return enrolment


def reject(enrolment: Enrolment, *, actor, reason: str, origin: str = "web") -> Enrolment:
    """Refuse a request, with a reason the person reads."""
    if not may_decide(actor, enrolment):
        raise exceptions.NotAllowed
    reason = reason.strip()
    if not reason:
        raise exceptions.ReasonRequired
    now = timezone.now()
    with transaction.atomic():
        _locked(enrolment.run_id)
        enrolment = Enrolment.objects.get(pk=enrolment.pk)
        if enrolment.status != EnrolmentStatus.REQUESTED:
            raise exceptions.WrongStatus
        enrolment.status = EnrolmentStatus.REJECTED
        enrolment.reason = reason
        enrolment.decided_at = now
        enrolment.decided_by = actor
        enrolment.updated_at = now
        enrolment.save()
        audit.record("enrolment.reject", enrolment, actor=actor, origin=origin)
        notifications.later("rejected", enrolment)
    return enrolment


def promote(
    enrolment: Enrolment, *, actor, add_seat: bool = False, origin: str = "admin"
) -> Enrolment:
    """A coordinator moves someone from the waitlist: confirmed on a free seat (or on a seat
    added for them when `add_seat`), else to the head of the list."""
    if not may_manage(actor, enrolment.run):
        raise exceptions.NotAllowed
    now = timezone.now()
    with transaction.atomic():
        run = _locked(enrolment.run_id)
        enrolment = Enrolment.objects.get(pk=enrolment.pk)
        if enrolment.status != EnrolmentStatus.WAITLISTED:
            raise exceptions.WrongStatus
        position = enrolment.waitlist_position
        if add_seat and run.seats_taken >= run.capacity:
            CourseRun.objects.filter(pk=run.pk).update(capacity=F("capacity") + 1)
            run.capacity += 1
            audit.record("run.add_seat", run, actor=actor, origin=origin)
        if _take_seat(run):
            enrolment.status = EnrolmentStatus.CONFIRMED
            enrolment.waitlist_position = None
            enrolment.updated_at = now
            enrolment.decided_by = actor
            enrolment.decided_at = now
            enrolment.save()
            _leave_waitlist(run, position)
            audit.record("enrolment.promote", enrolment, actor=actor, origin=origin)
            notifications.later("confirmed", enrolment)
        else:
            _waiting(run).filter(waitlist_position__lt=position).update(
                waitlist_position=F("waitlist_position") + 1
            )
            enrolment.waitlist_position = 1
            enrolment.updated_at = now
            enrolment.save(update_fields=["waitlist_position", "updated_at"])
            audit.record("enrolment.to_head_of_waitlist", enrolment, actor=actor, origin=origin)
    return enrolment


# --- runs ------------------------------------------------------------------------------------


def sync_run_schedule(run: CourseRun) -> CourseRun:
    """Keep the run's denormalised first and last session in step with its series."""
    sessions = run.sessions().exclude(status=SessionStatus.CANCELLED)
    bounds = sessions.aggregate(first=Min("start"), last=Max("end"))
    CourseRun.objects.filter(pk=run.pk).update(starts_at=bounds["first"], ends_at=bounds["last"])
    run.starts_at, run.ends_at = bounds["first"], bounds["last"]
    return run


@transaction.atomic
def schedule_run(
    run: CourseRun,
    dates: Iterable[tuple[dt.date, dt.time]],
    *,
    duration_minutes: int,
    time_zone: str = "Europe/Brussels",
) -> Series:
    """Give a run its dated sessions: a series made of a list of dates (local times)."""
    dates = sorted(set(dates))
    if not dates:
        raise exceptions.EnrolmentError(exceptions.EnrolmentError.default_message)
    series = run.series
    first_date, first_time = dates[0]
    if series is None:
        series = Series.objects.create(
            title=run.code,
            public_title=f"Formation — {run.module.title}"[:200],
            commune=run.commune,
            venue=run.venue,
            mode=Series.Mode.DATES,
            start_date=first_date,
            start_time=first_time,
            duration_minutes=duration_minutes,
            time_zone=time_zone,
            skip_public_holidays=False,
            skip_school_holidays=False,
            skip_local_closures=False,
        )
        CourseRun.objects.filter(pk=run.pk).update(series=series)
        run.series = series
    else:
        series.start_date, series.start_time = first_date, first_time
        series.duration_minutes = duration_minutes
        series.venue = run.venue
        series.commune = run.commune
        series.save()
    now = timezone.now()
    zone = series.zone
    wanted = set(dates)
    wanted_days = {day for day, _time in dates}
    existing = {(sd.date, sd.start_time or series.start_time): sd for sd in series.dates.all()}
    before = {s.pk: s.start for s in series.sessions.all()}
    removed = {key for key in existing if key not in wanted}
    cancelled = []
    for session in series.sessions.exclude(status=SessionStatus.CANCELLED):
        local = session.original_start.astimezone(zone)
        key = (local.date(), local.time().replace(tzinfo=None))
        if key not in removed:
            continue
        if session.start <= now:
            removed.discard(key)  # the past is history: its date stays
        elif key[0] not in wanted_days:
            # A day dropped: the session is cancelled, not deleted, so that it stays in
            # feeds as STATUS:CANCELLED. (A new time on the same day moves it: regenerate.)
            cancelled.append(
                session_services.cancel_session(
                    session, gettext("Date changed by the coordination")
                )
            )
    for key in removed:
        existing[key].delete()
    for day, time in dates:
        if (day, time) not in existing:
            SeriesDate.objects.create(series=series, date=day, start_time=time)
    session_services.regenerate(series)
    sync_run_schedule(run)
    if run.starts_at is not None:
        # An offer never outlives the start of the run.
        Enrolment.objects.filter(
            run=run, status=EnrolmentStatus.OFFERED, offer_expires_at__gt=run.starts_at
        ).update(offer_expires_at=run.starts_at)
    for session in cancelled:
        notify_session_change(session, "cancelled")
    for session in series.sessions.filter(start__gt=now).exclude(status=SessionStatus.CANCELLED):
        if session.pk not in before:
            notify_session_change(session, "added")
        elif before[session.pk] != session.start:
            notify_session_change(session, "moved")
    return series


def trainers_of(run: CourseRun):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    if run.series_id is None:
        return users.none()
    return users.filter(
        assignments__session__series_id=run.series_id, assignments__role=StaffRole.TRAINER
    ).distinct()


def cancel_run(run: CourseRun, *, actor, reason: str, origin: str = "admin") -> int:
    """Cancel a run: its sessions are cancelled, every pending enrolment is cancelled and
    told (with a calendar cancellation). Returns how many people were told."""
    if not may_manage(actor, run):
        raise exceptions.NotAllowed
    reason = reason.strip()
    if not reason:
        raise exceptions.ReasonRequired
    now = timezone.now()
    with transaction.atomic():
        run = _locked(run.pk)
        if run.is_cancelled:
            raise exceptions.RunCancelled
        run.status = RunStatus.CANCELLED
        run.cancel_reason = reason
        run.save(update_fields=["status", "cancel_reason", "updated_at"])
        told = list(
            Enrolment.objects.filter(run=run, status__in=PENDING).values_list("pk", flat=True)
        )
        for session in run.sessions().filter(start__gt=now).exclude(status=SessionStatus.CANCELLED):
            session_services.cancel_session(session, reason)
        Enrolment.objects.filter(pk__in=told).update(
            status=EnrolmentStatus.CANCELLED,
            waitlist_position=None,
            offer_expires_at=None,
            cancelled_at=now,
            reason=reason,
            updated_at=now,
        )
        # Finished enrolments keep their seat: the part of the run that happened stays.
        CourseRun.objects.filter(pk=run.pk).update(
            seats_taken=Enrolment.objects.filter(run=run).holding_seat().count()
        )
        audit.record("run.cancel", run, actor=actor, origin=origin)
        for enrolment in Enrolment.objects.filter(pk__in=told):
            notifications.later("run_cancelled", enrolment)
    return len(told)


# --- attendance and completion -----------------------------------------------------------


def session_hours(session: Session) -> Decimal:
    return (Decimal((session.end - session.start).total_seconds()) / Decimal(3600)).quantize(
        Decimal("0.01")
    )


def run_hours(run: CourseRun) -> Decimal:
    return sum(
        (session_hours(s) for s in run.sessions().exclude(status=SessionStatus.CANCELLED)),
        Decimal(0),
    )


def may_take_attendance(user, session: Session) -> bool:
    """The trainers of the session, and coordinators of its run."""
    run = CourseRun.objects.filter(series_id=session.series_id).first()
    if run is None:
        return False
    if may_manage(user, run):
        return True
    return Assignment.objects.filter(session=session, person=user, role=StaffRole.TRAINER).exists()


@dataclass(frozen=True)
class Mark:
    status: str
    hours: Decimal | None = None  # for a partial presence


def mark_attendance(
    session: Session, marks: Mapping[int, Mark], *, actor, origin: str = "web"
) -> list[Enrolment]:
    """Record attendance for a session (enrolment id -> mark); returns enrolments completed."""
    if not may_take_attendance(actor, session):
        raise exceptions.NotAllowed
    length = session_hours(session)
    run = CourseRun.objects.get(series_id=session.series_id)
    now = timezone.now()
    if session.start > now:
        raise exceptions.SessionNotStarted
    if session.status == SessionStatus.CANCELLED:
        raise exceptions.SessionCancelled
    completed = []
    with transaction.atomic():
        enrolments = {
            e.pk: e
            for e in Enrolment.objects.filter(
                run=run, pk__in=list(marks), status__in=SEAT_HOLDING
            ).exclude(status=EnrolmentStatus.OFFERED)
        }
        for enrolment_id, mark in marks.items():
            enrolment = enrolments.get(enrolment_id)
            if enrolment is None:
                raise exceptions.WrongStatus
            if mark.status == AttendanceStatus.PRESENT:
                hours = length
            elif mark.status == AttendanceStatus.PARTIAL:
                if (
                    mark.hours is None
                    or not mark.hours.is_finite()
                    or not (Decimal(0) < mark.hours < length)
                ):
                    raise exceptions.InvalidAttendance
                hours = mark.hours.quantize(Decimal("0.01"))
                if not (Decimal(0) < hours < length):
                    raise exceptions.InvalidAttendance
            elif mark.status in (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED):
                hours = Decimal(0)
            else:
                raise exceptions.InvalidAttendance
            Attendance.objects.update_or_create(
                enrolment=enrolment,
                session=session,
                defaults={
                    "status": mark.status,
                    "hours": hours,
                    "marked_by": actor,
                    "marked_at": now,
                },
            )
        audit.record("attendance.mark", session, actor=actor, origin=origin)
        for enrolment in enrolments.values():
            if evaluate_completion(enrolment, now=now):
                completed.append(enrolment)
    return completed


def attended_share(enrolment: Enrolment) -> Decimal:
    """Hours attended as a percentage of the run's hours (cancelled sessions excluded)."""
    total = run_hours(enrolment.run)
    if not total:
        return Decimal(0)
    attended = Attendance.objects.filter(
        enrolment=enrolment, session__status__in=[SessionStatus.PLANNED, SessionStatus.MOVED]
    ).aggregate(hours=Sum("hours"))["hours"] or Decimal(0)
    return (attended * HUNDRED / total).quantize(Decimal("0.1"))


def evaluate_completion(enrolment: Enrolment, *, now: dt.datetime | None = None) -> bool:
    """Complete the enrolment when its attendance reaches the module's rule. Completion is
    recorded by a conditional UPDATE, so the signal fires once whatever the concurrency."""
    now = now or timezone.now()
    run = enrolment.run
    threshold = Decimal(run.module.completion_threshold)
    if attended_share(enrolment) < threshold:
        return False
    changed = Enrolment.objects.filter(
        pk=enrolment.pk, status__in=[EnrolmentStatus.CONFIRMED, EnrolmentStatus.NOT_COMPLETED]
    ).update(status=EnrolmentStatus.COMPLETED, completed_at=now, updated_at=now)
    if not changed:
        return False
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_at = now
    audit.record("enrolment.complete", enrolment, origin="system")
    notifications.later("completed", enrolment)

    def send() -> None:
        module_completed.send(sender=Enrolment, enrolment=enrolment)
        update_paths(enrolment.person, now=now)

    transaction.on_commit(send)
    return True


def close_finished_runs(now: dt.datetime | None = None) -> int:
    """A day after a run's last session, confirmed people short of the rule are marked not
    completed (they can still complete if attendance is corrected)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=1)
    count = 0
    for enrolment in Enrolment.objects.filter(
        status=EnrolmentStatus.CONFIRMED, run__ends_at__lt=cutoff, run__status=RunStatus.PLANNED
    ).select_related("run__module"):
        with transaction.atomic():
            if evaluate_completion(enrolment, now=now):
                continue
            count += Enrolment.objects.filter(
                pk=enrolment.pk, status=EnrolmentStatus.CONFIRMED
            ).update(status=EnrolmentStatus.NOT_COMPLETED, updated_at=now)
    return count


@dataclass(frozen=True)
class PathProgress:
    path: TrainingPathPage
    done: list[ModulePage]
    in_progress: list[ModulePage]
    to_do: list[ModulePage]
    required_total: int
    electives_needed: int
    complete: bool
    counted: int  # modules that count towards the rule

    @property
    def percent(self) -> int:
        needed = self.required_total + self.electives_needed
        if not needed:
            return 100
        return min(100, round(100 * self.counted / needed))


def path_progress(
    path: TrainingPathPage,
    links: list[PathModule],
    completed: set[int],
    ongoing: set[int],
) -> PathProgress:
    """Where a person stands on a path, from the module ids they completed or follow."""
    done, in_progress, to_do = [], [], []
    required_done = electives_done = required_total = 0
    for link in links:
        module = link.module
        if module.pk in completed:
            done.append(module)
            if link.required:
                required_done += 1
            else:
                electives_done += 1
        elif module.pk in ongoing:
            in_progress.append(module)
        else:
            to_do.append(module)
        required_total += 1 if link.required else 0
    electives_needed = path.electives_required
    counted = required_done + min(electives_done, electives_needed)
    complete = required_done == required_total and electives_done >= electives_needed
    return PathProgress(
        path, done, in_progress, to_do, required_total, electives_needed, complete, counted
    )


def update_paths(person, *, now: dt.datetime | None = None) -> list[PathCompletion]:
    """Record the paths the person has now completed (once each) and send the signal."""
    now = now or timezone.now()
    completed = completed_module_ids(person)
    new = []
    paths = TrainingPathPage.objects.live().filter(path_modules__module_id__in=completed).distinct()
    done_paths = set(PathCompletion.objects.filter(person=person).values_list("path_id", flat=True))
    for path in paths:
        if path.pk in done_paths:
            continue
        links = list(path.path_modules.select_related("module"))
        if not path_progress(path, links, completed, set()).complete:
            continue
        completion, created = PathCompletion.objects.get_or_create(
            path=path, person=person, defaults={"completed_at": now}
        )
        if created:
            new.append(completion)
            audit.record("path.complete", completion, origin="system")
            path_completed.send(
                sender=PathCompletion, path=path, person=person, completion=completion
            )
    return new


def submit_evaluation(enrolment: Enrolment, *, actor, data: Mapping[str, object]) -> Evaluation:
    """The person's evaluation of a run they finished (once)."""
    if actor.pk != enrolment.person_id:
        raise exceptions.NotAllowed
    if enrolment.status not in (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED):
        raise exceptions.WrongStatus
    if Evaluation.objects.filter(enrolment=enrolment).exists():
        raise exceptions.WrongStatus
    fields = {name: data[name] for name, _label in Evaluation.QUESTIONS}
    evaluation = Evaluation(enrolment=enrolment, comment=str(data.get("comment", "")), **fields)
    evaluation.full_clean()
    evaluation.save()
    return evaluation


# --- due work ------------------------------------------------------------------------------


def send_reminders(now: dt.datetime | None = None) -> int:
    """Two days before the first session, remind each confirmed person (once)."""
    now = now or timezone.now()
    due = Enrolment.objects.filter(
        status=EnrolmentStatus.CONFIRMED,
        reminded_at__isnull=True,
        run__status=RunStatus.PLANNED,
        run__starts_at__gt=now,
        run__starts_at__lte=now + dt.timedelta(days=2),
    )
    sent = 0
    for enrolment in due:
        if Enrolment.objects.filter(pk=enrolment.pk, reminded_at__isnull=True).update(
            reminded_at=now
        ):
            notifications.later("reminder", enrolment)
            sent += 1
    return sent


def notify_interest(now: dt.datetime | None = None) -> int:
    """Tell people on a module's interest list that a run is open for enrolment."""
    now = now or timezone.now()
    told = 0
    open_runs = CourseRun.objects.upcoming(now).filter(
        Q(enrolment_opens__isnull=True) | Q(enrolment_opens__lte=now),
        Q(enrolment_closes__isnull=True) | Q(enrolment_closes__gt=now),
    )
    for run in open_runs.select_related("module"):
        for interest in Interest.objects.filter(module_id=run.module_id, notified_at__isnull=True):
            if Interest.objects.filter(pk=interest.pk, notified_at__isnull=True).update(
                notified_at=now
            ):
                notifications.later_interest(interest, run)
                told += 1
    return told


def notify_session_change(session: Session, change: str) -> int:
    """A session of a run was moved or cancelled: tell everyone enrolled (sessions' signal)."""
    run = CourseRun.objects.filter(series_id=session.series_id).first()
    if run is None:
        return 0
    sync_run_schedule(run)
    told = 0
    for enrolment in Enrolment.objects.filter(
        run=run, status__in=[EnrolmentStatus.CONFIRMED, EnrolmentStatus.OFFERED]
    ):
        notifications.later_session(change, enrolment, session)
        told += 1
    return told


# --- registrations with sessions/ ----------------------------------------------------------


def attended_sessions(person, start: dt.datetime | None = None, end: dt.datetime | None = None):
    """Sessions of runs the person holds a seat in (busy time and agenda feed)."""
    sessions = Session.objects.filter(
        series__course_run__enrolments__person=person,
        series__course_run__enrolments__status__in=[
            EnrolmentStatus.CONFIRMED,
            EnrolmentStatus.OFFERED,
            EnrolmentStatus.COMPLETED,
            EnrolmentStatus.NOT_COMPLETED,
        ],
    )
    if start is not None and end is not None:
        sessions = sessions.filter(start__lt=end, end__gt=start)
    return sessions


def sessions_with_attendance(queryset) -> set[int]:
    return set(Attendance.objects.filter(session__in=queryset).values_list("session_id", flat=True))
