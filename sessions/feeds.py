"""iCalendar building: feeds that are byte-identical until something changes (DESIGN "iCalendar").

One VEVENT per session: UID and SEQUENCE from the session, DTSTAMP and LAST-MODIFIED from its
`updated_at` (never "now"), local times with the TZID of the series' zone and a VTIMEZONE for
each zone used, SUMMARY from the series' agenda title and LOCATION from the venue's public
location. Nothing about participants, and never a confidential address, leaves the building.

A feed is read from the database once, as plain rows (`EventData`); the ETag is a hash of those
rows, so a conditional request is answered without building the calendar.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Iterable, Sequence
from email.utils import parseaddr
from functools import cached_property, lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.sql.constants import MULTI
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date
from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration

from network.models import Commune

from .models import Assignment, Series, Session, SessionQuerySet, SessionStatus, Venue
from .registries import feed_providers

UTC = dt.UTC
PRODID = "-//Maillage//Agenda//FR"
# Bump when the output changes for the same data: it is part of every ETag.
FORMAT_VERSION = "1"
REFRESH = dt.timedelta(hours=1)
# Cancelled sessions stay in feeds this long after they were due, so that calendars see them go.
CANCELLED_KEPT = dt.timedelta(days=30)
# Past sessions stay this long: calendar applications delete what disappears from a feed.
PAST_KEPT = dt.timedelta(days=180)
CONTENT_TYPE = "text/calendar; charset=utf-8"
CACHE_CONTROL = "private, no-cache"

_FIELDS = (
    "uid",
    "sequence",
    "status",
    "start",
    "end",
    "updated_at",
    "series_id",
    "series__title",
    "series__public_title",
    "series__time_zone",
    "series__updated_at",
    "venue_id",
    "venue__name",
    "venue__address",
    "venue__confidential_address",
    "venue__commune__name",
    "series__commune__name",
)


class EventData(NamedTuple):
    """What one VEVENT is made of, plus when its series last changed (Last-Modified)."""

    uid: str
    sequence: int
    cancelled: bool
    start: dt.datetime  # aware, UTC
    end: dt.datetime
    zone: str
    summary: str
    location: str
    stamp: dt.datetime  # session.updated_at, UTC
    series_updated_at: dt.datetime  # not in the VEVENT: Last-Modified and ETag only


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def event_data(session: Session) -> EventData:
    """From one Session instance (series and venue loaded, or fetched here)."""
    series, venue = session.series, session.venue
    return EventData(
        uid=session.uid,
        sequence=session.sequence,
        cancelled=session.status == SessionStatus.CANCELLED,
        start=_utc(session.start),
        end=_utc(session.end),
        zone=series.time_zone,
        summary=series.agenda_title,
        location=venue.public_location if venue is not None else "",
        stamp=_utc(session.updated_at),
        series_updated_at=_utc(series.updated_at),
    )


def in_window(queryset: QuerySet, now: dt.datetime | None = None) -> QuerySet:
    """What a feed holds: past sessions for a while, cancelled ones 30 days after they were due."""
    now = now or timezone.now()
    return queryset.filter(
        Q(end__gte=now - PAST_KEPT) & ~Q(status=SessionStatus.CANCELLED)
        | Q(status=SessionStatus.CANCELLED, start__gte=now - CANCELLED_KEPT)
    )


def _events(rows: Iterable[Sequence]) -> list[EventData]:
    """EventData from rows of `_FIELDS` (converted by Django), ordered by start then UID."""
    titles: dict[int, str] = {}
    locations: dict[int | None, str] = {None: ""}
    result = []
    for row in rows:
        (
            uid,
            sequence,
            status,
            start,
            end,
            updated_at,
            series_id,
            title,
            public_title,
            zone,
            series_updated_at,
            venue_id,
            venue_name,
            venue_address,
            confidential,
            commune_name,
            series_commune_name,
        ) = row
        # The models' own properties decide what is public, built once per series and venue.
        summary = titles.get(series_id)
        if summary is None:
            summary = titles[series_id] = Series(
                title=title, public_title=public_title, commune=Commune(name=series_commune_name)
            ).agenda_title
        location = locations.get(venue_id)
        if location is None:
            venue = Venue(
                name=venue_name,
                address=venue_address,
                confidential_address=confidential,
                commune=Commune(name=commune_name),
            )
            location = locations[venue_id] = venue.public_location
        result.append(
            EventData(
                uid,
                sequence,
                status == SessionStatus.CANCELLED,
                _utc(start),
                _utc(end),
                zone,
                summary,
                location,
                _utc(updated_at),
                _utc(series_updated_at),
            )
        )
    result.sort(key=lambda event: (event.start, event.uid))
    return result


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE covering whole years; shared read-only between calendars."""
    return Timezone.from_tzid(
        tzid, first_date=dt.date(first_year, 1, 1), last_date=dt.date(last_year + 1, 1, 1)
    )


def _timezones(items: Sequence[EventData]) -> list[Timezone]:
    years: dict[str, tuple[int, int]] = {}
    for item in items:
        zone = zoneinfo.ZoneInfo(item.zone)
        first, last = item.start.astimezone(zone).year, item.end.astimezone(zone).year
        known = years.get(item.zone)
        years[item.zone] = (min(first, known[0]), max(last, known[1])) if known else (first, last)
    return [_vtimezone(tzid, *years[tzid]) for tzid in sorted(years)]


def _event(item: EventData) -> Event:
    zone = zoneinfo.ZoneInfo(item.zone)
    event = Event()
    event.add("uid", item.uid)
    event.add("sequence", item.sequence)
    event.add("dtstamp", item.stamp)
    event.add("last-modified", item.stamp)
    event.add("dtstart", item.start.astimezone(zone))
    event.add("dtend", item.end.astimezone(zone))
    event.add("summary", item.summary)
    if item.location:
        event.add("location", item.location)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    return event


def build_calendar(items: Iterable[EventData], name: str, *, method: str = "PUBLISH") -> Calendar:
    items = list(items)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.calendar_name = name  # NAME and X-WR-CALNAME
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for vtimezone in _timezones(items):
        calendar.add_component(vtimezone)
    for item in items:
        calendar.add_component(_event(item))
    return calendar


class Feed:
    """A feed read in one query. The ETag hashes the rows as the database returned them, so that
    a conditional request is answered without converting them or building the calendar."""

    def __init__(self, queryset: QuerySet, name: str) -> None:
        query = queryset.order_by("start", "uid").values_list(*_FIELDS).query
        # The compiler runs the query once: its raw rows are hashed, and converted (aware
        # datetimes...) only when the body is needed, by the same code the ORM uses.
        self._compiler = query.get_compiler(using=queryset.db)
        self.rows = [row for chunk in self._compiler.execute_sql(MULTI) for row in chunk]
        self.name = name

    @cached_property
    def etag(self) -> str:
        digest = hashlib.sha256(f"{FORMAT_VERSION}\n{self.name}\n".encode())
        digest.update(repr(self.rows).encode())
        return f'"{digest.hexdigest()[:40]}"'

    @cached_property
    def last_modified(self) -> dt.datetime | None:
        """The latest change of a session or series in the feed."""
        if not self.rows:
            return None
        latest = max(max(row[5], row[10]) for row in self.rows)
        if isinstance(latest, str):  # a backend without datetime conversion at the driver
            latest = parse_datetime(latest)
        return latest if timezone.is_aware(latest) else latest.replace(tzinfo=UTC)

    @cached_property
    def items(self) -> list[EventData]:
        return _events(self._compiler.results_iter(results=[self.rows]))

    @cached_property
    def body(self) -> bytes:
        return build_calendar(self.items, self.name).to_ical()


def feed_response(request: HttpRequest, feed: Feed, *, filename: str | None = None) -> HttpResponse:
    """200 with the calendar, or 304 when the client's copy is current (built only when needed)."""
    response = HttpResponse(content_type=CONTENT_TYPE)
    response["ETag"] = feed.etag
    last_modified = feed.last_modified
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = CACHE_CONTROL
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The ETag alone decides: Last-Modified cannot tell that a session left the feed
    # (unassigned, past the window), so If-Modified-Since is ignored (RFC 9110 allows it).
    conditional = get_conditional_response(request, etag=feed.etag, response=response)
    if (
        conditional is not None and conditional is not response
    ):  # 304 or 412; Django hands back `response` otherwise
        return conditional
    if request.method != "HEAD":
        response.content = feed.body
    return response


def agenda_sessions(user) -> SessionQuerySet:
    """The sessions of a person's agenda: those they staff, plus what feed providers add."""
    condition = Q(pk__in=Assignment.objects.filter(person=user).values("session_id"))
    for provider in feed_providers:
        condition |= Q(pk__in=provider(user).values("pk"))
    return Session.objects.filter(condition)


def _address(value: str) -> tuple[str, str]:
    name, address = parseaddr(value)
    return name, address


def invitation(session: Session, person, *, method: str = "REQUEST") -> bytes:
    """An iTIP message for an e-mail: METHOD:REQUEST or METHOD:CANCEL, with the feed's UID.

    ORGANIZER is the network's address (DEFAULT_FROM_EMAIL), ATTENDEE the person.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(method)
    item = event_data(session)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = _event(item)
    if method == "CANCEL":
        event["status"] = "CANCELLED"
    organiser_name, organiser_address = _address(settings.DEFAULT_FROM_EMAIL)
    organiser = vCalAddress(f"mailto:{organiser_address}")
    if organiser_name:
        organiser.params["CN"] = organiser_name
    event.add("organizer", organiser)
    attendee = vCalAddress(f"mailto:{person.email}")
    attendee.params["CUTYPE"] = "INDIVIDUAL"
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["PARTSTAT"] = "NEEDS-ACTION"
    attendee.params["RSVP"] = "FALSE"
    event.add("attendee", attendee)
    calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=dt.date(item.start.year - 1, 1, 1), last_date=dt.date(item.end.year + 2, 1, 1)
    )
    return calendar.to_ical()
