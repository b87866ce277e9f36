"""Can this person staff this session? One answer, with explicit reasons (issue 4, DESIGN).

Hard reasons (ABSENT, OVERLAP) refuse an assignment; soft ones (UNAVAILABLE, TOO_CLOSE) may be
overridden by a coordinator with a recorded reason. Messages never reveal an absence's private
reason, nor the title of a session the viewer may not see.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from network import permissions

from .models import Absence, Assignment, Availability, Session, SessionStatus
from .registries import busy_time_providers

DEFAULT_TRAVEL_BUFFER_MINUTES = 30


class Reason(enum.StrEnum):
    ABSENT = "absent"
    OVERLAP = "overlap"
    UNAVAILABLE = "unavailable"
    TOO_CLOSE = "too_close"

    @property
    def is_hard(self) -> bool:
        return self in (Reason.ABSENT, Reason.OVERLAP)


@dataclass(frozen=True)
class Problem:
    reason: Reason
    message: str
    other_session_id: int | None = None

    @property
    def is_hard(self) -> bool:
        return self.reason.is_hard

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ConflictCheck:
    problems: tuple[Problem, ...] = ()

    @property
    def hard(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_hard)

    @property
    def soft(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_hard)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def reasons(self) -> set[Reason]:
        return {p.reason for p in self.problems}


def travel_buffer() -> dt.timedelta:
    minutes = getattr(settings, "MAILLAGE_TRAVEL_BUFFER_MINUTES", DEFAULT_TRAVEL_BUFFER_MINUTES)
    return dt.timedelta(minutes=int(minutes))


def _local(moment: dt.datetime, session: Session) -> dt.datetime:
    return moment.astimezone(session.series.zone)


def _when(session: Session) -> dict[str, str]:
    start, end = _local(session.start, session), _local(session.end, session)
    return {"date": f"{start:%d/%m/%Y}", "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}


def _label(other: Session, viewer) -> str:
    if viewer is not None and permissions.can(viewer, "view", other):
        return str(other)
    return _("another session")


def _staffed(person, session: Session, start: dt.datetime, end: dt.datetime):
    """Sessions `person` staffs in [start, end), this one and cancelled ones excluded."""
    return (
        Session.objects.filter(
            pk__in=Assignment.objects.filter(person=person).values("session_id"),
            start__lt=end,
            end__gt=start,
        )
        .exclude(pk=session.pk)
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("series", "venue", "venue__commune")
    )


def _absent(person, session: Session) -> list[Problem]:
    first = _local(session.start, session).date()
    last = _local(session.end - dt.timedelta(microseconds=1), session).date()
    covered = Absence.objects.filter(person=person, start_date__lte=last, end_date__gte=first)
    if not covered.exists():
        return []
    # The absence's own reason is private: say only that the person is absent.
    return [
        Problem(
            Reason.ABSENT,
            _("Absent on %(date)s.") % {"date": f"{first:%d/%m/%Y}"},
        )
    ]


def _overlaps(person, session: Session, viewer) -> list[Problem]:
    problems = []
    for other in _staffed(person, session, session.start, session.end):
        problems.append(
            Problem(
                Reason.OVERLAP,
                _("Already staffing %(session)s, from %(start)s to %(end)s.")
                % {"session": _label(other, viewer), **_when(other)},
                other.pk,
            )
        )
    seen = {p.other_session_id for p in problems}
    for provider in busy_time_providers:
        attended: Iterable[Session] = provider(person, session.start, session.end)
        for other in attended:
            if other.pk == session.pk or other.pk in seen or other.is_cancelled:
                continue
            if not (other.start < session.end and other.end > session.start):
                continue
            seen.add(other.pk)
            problems.append(
                Problem(
                    Reason.OVERLAP,
                    _("Registered as a participant in %(session)s, from %(start)s to %(end)s.")
                    % {"session": _label(other, viewer), **_when(other)},
                    other.pk,
                )
            )
    return problems


def _windows_of_day(person, weekday: int) -> list[tuple[dt.time, dt.time]]:
    """The person's windows on a weekday, with touching windows joined (9-12 and 12-17)."""
    merged: list[tuple[dt.time, dt.time]] = []
    for window in Availability.objects.filter(person=person, weekday=weekday).order_by(
        "start_time"
    ):
        if merged and window.start_time <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], window.end_time))
        else:
            merged.append((window.start_time, window.end_time))
    return merged


def _unavailable(person, session: Session) -> list[Problem]:
    if not Availability.objects.filter(person=person).exists():
        return []  # nothing declared: no opinion, not "unavailable"
    start, end = _local(session.start, session), _local(session.end, session)
    last: dt.time | None = None
    if end.date() == start.date():
        last = end.time()
    elif end.date() == start.date() + dt.timedelta(days=1) and end.time() == dt.time(0, 0):
        last = dt.time.max  # ends at midnight
    if last is not None:
        for first, until in _windows_of_day(person, start.weekday()):
            # A time field cannot say 24:00: a window ending at 23:59 runs to midnight.
            limit = dt.time.max if until >= dt.time(23, 59) else until
            if first <= start.time() and last <= limit:
                return []
    return [
        Problem(
            Reason.UNAVAILABLE,
            _("Outside their declared availability on %(date)s, from %(start)s to %(end)s.")
            % _when(session),
        )
    ]


def _too_close(person, session: Session, viewer) -> list[Problem]:
    venue = session.venue
    if venue is None:
        return []
    buffer = travel_buffer()
    if buffer <= dt.timedelta(0):
        return []
    problems = []
    nearby = _staffed(person, session, session.start - buffer, session.end + buffer)
    for other in nearby:
        if other.start < session.end and other.end > session.start:
            continue  # an overlap, reported as such
        if other.venue is None or other.venue.commune_id == venue.commune_id:
            continue
        problems.append(
            Problem(
                Reason.TOO_CLOSE,
                _(
                    "Less than %(minutes)s minutes to travel between %(session)s in "
                    "%(commune)s and this session in %(here)s."
                )
                % {
                    "minutes": int(buffer.total_seconds() // 60),
                    "session": _label(other, viewer),
                    "commune": other.venue.commune,
                    "here": venue.commune,
                },
                other.pk,
            )
        )
    return problems


def check(person, session: Session, *, viewer=None) -> ConflictCheck:
    """Whether `person` can staff `session`; `viewer` decides which session titles show."""
    if not (Session.series.is_cached(session) and Session.venue.is_cached(session)):
        session = Session.objects.select_related("series", "venue__commune").get(pk=session.pk)
    problems = [
        *_absent(person, session),
        *_overlaps(person, session, viewer),
        *_unavailable(person, session),
        *_too_close(person, session, viewer),
    ]
    return ConflictCheck(tuple(problems))
