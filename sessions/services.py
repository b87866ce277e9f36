"""Materialising series into sessions, and the closures they skip. Typed, atomic, no request."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from itertools import groupby

import holidays
import recurrence
from dateutil import rrule as dateutil_rrule
from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from .models import Closure, ClosureKind, Series, Session, SessionStatus
from .recurrence import ClosedDays, expand_rule, occurrences
from .registries import session_keepers


def closed_days(series: Series) -> ClosedDays:
    """The closures this series skips: the kinds it asked for, everywhere or in its commune."""
    kinds = []
    if series.skip_public_holidays:
        kinds.append(ClosureKind.PUBLIC_HOLIDAY)
    if series.skip_school_holidays:
        kinds.append(ClosureKind.SCHOOL_HOLIDAY)
    if series.skip_local_closures:
        kinds.append(ClosureKind.LOCAL)
    rows = Closure.objects.filter(kind__in=kinds).filter(
        Q(commune__isnull=True) | Q(commune_id=series.commune_id)
    )
    return ClosedDays(tuple((c.start_date, c.end_date, c.reason, c.commune_id) for c in rows))


def horizon(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return today + dt.timedelta(days=settings.MAILLAGE_SESSION_HORIZON_DAYS)


@dataclass
class Regeneration:
    created: list[Session] = field(default_factory=list)
    updated: list[Session] = field(default_factory=list)
    deleted: int = 0
    kept_off_rule: list[Session] = field(default_factory=list)


def _kept_ids(sessions) -> set[int]:
    """Sessions that must survive: staff, a manual change, or what a higher app holds."""
    ids = {s.pk for s in sessions if s.manually_changed}
    queryset = Session.objects.filter(pk__in=[s.pk for s in sessions])
    ids |= set(queryset.filter(assignments__isnull=False).values_list("pk", flat=True))
    for keeper in session_keepers:
        ids |= set(keeper(queryset))
    return ids


@transaction.atomic
def regenerate(series: Series, *, until: dt.date | None = None) -> Regeneration:
    """Make the sessions match the series up to the horizon; idempotent.

    Keyed by the occurrence's original start. A session that no longer fits the rule is deleted,
    unless it has staff, a manual change or dependants: then it is kept and flagged.
    """
    series = Series.objects.select_for_update().get(pk=series.pk)
    limit = until or horizon()
    wanted = occurrences(series, closed=closed_days(series), until=limit)
    duration = dt.timedelta(minutes=series.duration_minutes)
    now = timezone.now()
    existing = {s.original_start: s for s in series.sessions.all()}
    result = Regeneration()
    wanted_keys = {start.astimezone(dt.UTC) for start in wanted}
    # A new start time moves the day's session instead of replacing it: same UID, same staff.
    zone = series.zone
    leftovers: dict[dt.date, list[Session]] = {}
    # A day whose session was cancelled or moved by hand keeps that session, and gets no other.
    manual_days: dict[dt.date, Session] = {}
    for key, leftover in existing.items():
        if key in wanted_keys:
            continue
        day = key.astimezone(zone).date()
        if leftover.manually_changed:
            manual_days[day] = leftover
        else:
            leftovers.setdefault(day, []).append(leftover)
    covered_by_hand: set[int] = set()
    for start in wanted:
        key = start.astimezone(dt.UTC)
        session: Session | None = existing.get(key)
        same_day = leftovers.get(start.date(), [])
        if session is None and len(same_day) == 1:
            session = same_day.pop()
            del existing[session.original_start]
            session.original_start = session.start = key
            session.end = key + duration
            session.sequence += 1
            session.off_rule = True  # saved below with the other changes
            existing[key] = session
        if session is None and start.date() in manual_days:
            covered_by_hand.add(manual_days[start.date()].pk)
            continue
        if session is None:
            result.created.append(
                Session(
                    series=series,
                    original_start=key,
                    start=key,
                    end=key + duration,
                    venue=series.venue,
                    uid=Session.make_uid(series, key),
                    updated_at=now,
                )
            )
            continue
        changed = session.off_rule
        session.off_rule = False
        drifted = session.end != session.start + duration or session.venue_id != series.venue_id
        if not session.manually_changed and drifted:
            session.end = session.start + duration
            session.venue_id = series.venue_id
            session.sequence += 1
            changed = True
        if changed:
            session.updated_at = now
            session.save()
            result.updated.append(session)
    result.created = Session.objects.bulk_create(result.created)
    stale = [
        s for key, s in existing.items() if key not in wanted_keys and s.pk not in covered_by_hand
    ]
    # Sessions beyond the horizon are not "stale": the horizon moves, they stay.
    stale = [s for s in stale if s.original_start.date() <= limit]
    kept = _kept_ids(stale)
    for session in stale:
        if session.pk in kept:
            if not session.off_rule:
                session.off_rule = True
                session.updated_at = now
                session.save(update_fields=["off_rule", "updated_at"])
            result.kept_off_rule.append(session)
            continue
        try:
            with transaction.atomic():
                session.delete()
            result.deleted += 1
        except ProtectedError:  # a dependant no keeper declared: keep it, never lose it
            session.off_rule = True
            session.updated_at = now
            session.save(update_fields=["off_rule", "updated_at"])
            result.kept_off_rule.append(session)
    return result


@transaction.atomic
def cancel_session(session: Session, reason: str) -> Session:
    """Cancel one session; it stays in feeds as STATUS:CANCELLED with a new SEQUENCE."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != SessionStatus.CANCELLED:
        session.status = SessionStatus.CANCELLED
        session.reason = reason
        session.sequence += 1
        session.manually_changed = True
        session.updated_at = timezone.now()
        session.save()
    return session


@transaction.atomic
def move_session(
    session: Session, *, start: dt.datetime, end: dt.datetime | None = None, venue=None, reason: str
) -> Session:
    """Move one session; its UID stays, its SEQUENCE grows."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    duration = session.end - session.start
    session.start = start
    session.end = end or start + duration
    if venue is not None:
        session.venue = venue
    session.status = SessionStatus.MOVED
    session.reason = reason
    session.sequence += 1
    session.manually_changed = True
    session.updated_at = timezone.now()
    session.save()
    return session


def _ranges(days: dict[dt.date, str]) -> list[tuple[dt.date, dt.date, str]]:
    """Consecutive days with the same name become one range."""
    ranges: list[tuple[dt.date, dt.date, str]] = []
    ordered = sorted(days.items())
    for name, group in groupby(
        enumerate(ordered), key=lambda item: (item[1][1], item[1][0] - dt.timedelta(days=item[0]))
    ):
        members = [day for _index, (day, _name) in group]
        ranges.append((members[0], members[-1], name[0]))
    return ranges


@transaction.atomic
def sync_holiday_closures(years: list[int]) -> int:
    """Belgian public holidays and French-community school holidays as closures (idempotent)."""
    created = 0
    for kind, category in (
        (ClosureKind.PUBLIC_HOLIDAY, "public"),
        (ClosureKind.SCHOOL_HOLIDAY, "school"),
    ):
        calendar = holidays.country_holidays(
            "BE", subdiv="French", categories=(category,), language="fr", years=years
        )
        for first, last, name in _ranges(dict(calendar.items())):
            _closure, was_created = Closure.objects.update_or_create(
                kind=kind,
                start_date=first,
                reason=name,
                commune=None,
                defaults={"end_date": last, "source": "holidays"},
            )
            created += was_created
    return created


@transaction.atomic
def split_series(series: Series, from_date: dt.date, **changes) -> Series:
    """ "This and following": a new series from `from_date` with `changes`; the old one ends the
    day before. Sessions from that date move to the new series with their UIDs, so agendas
    update them instead of duplicating them."""
    import copy

    series = Series.objects.select_for_update().get(pk=series.pk)
    if series.mode != Series.Mode.RULE:
        raise ValueError("only a recurring series can be split")
    if from_date <= series.start_date:
        for name, value in changes.items():
            setattr(series, name, value)
        series.save()
        regenerate(series)
        return series
    first_start = dt.datetime.combine(series.start_date, series.start_time)
    for existing_rule in series.rule.rrules:
        # Pin the weekday and day of month to the first date: dateutil would otherwise take
        # them from the new series' first date.
        if existing_rule.freq == dateutil_rrule.WEEKLY and not existing_rule.byday:
            existing_rule.byday = [recurrence.Weekday(first_start.weekday())]
        if (
            existing_rule.freq == dateutil_rrule.MONTHLY
            and not existing_rule.byday
            and not existing_rule.bymonthday
        ):
            existing_rule.bymonthday = [first_start.day]
    rule = copy.deepcopy(series.rule)
    cutoff = dt.datetime.combine(from_date, dt.time(0, 0)).replace(tzinfo=series.zone)
    moving = series.sessions.filter(original_start__gte=cutoff)
    if rule is not None and rule.rrules:
        for old_rule in series.rule.rrules:
            if old_rule.count:
                # The new series counts what the rule (not the closures) still had to give.
                before = sum(
                    1
                    for occurrence in expand_rule(series.rule, first_start)
                    if occurrence.date() < from_date
                )
                old_rule.count = None
                old_rule.until = dt.datetime.combine(from_date - dt.timedelta(days=1), dt.time())
                for new_rule in rule.rrules:
                    new_rule.count = max(new_rule.count - before, 1)
            else:
                old_rule.until = dt.datetime.combine(from_date - dt.timedelta(days=1), dt.time())
    new = Series.objects.get(pk=series.pk)
    new.pk = None
    new.uid = uuid.uuid4()
    new.start_date = from_date
    new.rule = rule
    for name, value in changes.items():
        setattr(new, name, value)
    new.save()
    series.save()
    moving.update(series=new)
    regenerate(series)
    regenerate(new)
    return new
