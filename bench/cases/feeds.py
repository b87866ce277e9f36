"""A personal agenda feed of 500 events, served cold and conditionally (304), against building and
serialising the same 500 events with icalendar in memory."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import recurrence
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from icalendar import Calendar, Event

from bench.harness import Case
from network.models import Commune
from sessions import services, tokens
from sessions.models import Assignment, Series, Session, StaffRole

SERIES = 5
PER_SERIES = 100
USERNAME = "bench-agenda"
# Fixed dates well ahead: the feed keeps 500 events whatever the day the bench runs.
FIRST_DATE = dt.date(2030, 1, 7)
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]


def _seed() -> tuple[object, list[Series]]:
    """Idempotent: the same series, sessions and assignments after every run."""
    user, _created = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"email": "agenda@bench.example", "first_name": "Agenda"}
    )
    communes = list(Commune.objects.order_by("pk"))
    made = []
    for index in range(SERIES):
        series, _ = Series.objects.update_or_create(
            title=f"Bench agenda {index}",
            defaults={
                "public_title": f"Groupe {index} — {communes[index % len(communes)].name}",
                "commune": communes[index % len(communes)],
                "start_date": FIRST_DATE + dt.timedelta(days=index),
                "start_time": dt.time(9 + index, 30),
                "duration_minutes": 90,
                "rule": recurrence.deserialize(
                    f"RRULE:FREQ=WEEKLY;BYDAY={WEEKDAYS[index]};COUNT={PER_SERIES}"
                ),
                "skip_public_holidays": False,
                "skip_school_holidays": False,
                "skip_local_closures": False,
            },
        )
        services.regenerate(series, until=FIRST_DATE + dt.timedelta(days=7 * PER_SERIES + 7))
        made.append(series)
    Assignment.objects.bulk_create(
        (
            Assignment(session=session, person=user, role=StaffRole.LEAD)
            for session in Session.objects.filter(series__in=made)
        ),
        ignore_conflicts=True,
    )
    return user, made


def cases(dataset: dict) -> list[Case]:
    user, made = _seed()
    subscription = tokens.subscription_for(user)
    url = reverse("sessions:personal_feed", args=[tokens.token_for(subscription)])
    client = Client(HTTP_HOST="localhost")
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    events = first.content.count(b"BEGIN:VEVENT")
    assert events == SERIES * PER_SERIES, events
    etag = first["ETag"]

    def cold() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    def conditional() -> None:
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304, response.status_code

    # The same 500 events as plain values, read once: the baseline does only icalendar's work.
    rows = [
        (
            s.uid,
            s.sequence,
            s.updated_at,
            s.start.astimezone(zoneinfo.ZoneInfo(s.series.time_zone)),
            s.end.astimezone(zoneinfo.ZoneInfo(s.series.time_zone)),
            s.series.agenda_title,
            s.venue.public_location if s.venue else "",
        )
        for s in Session.objects.filter(series__in=made)
        .select_related("series", "venue__commune")
        .order_by("start", "uid")
    ]

    def in_memory() -> None:
        calendar = Calendar()
        calendar.add("prodid", "-//Bench//FR")
        calendar.add("version", "2.0")
        for uid, sequence, stamp, start, end, summary, location in rows:
            event = Event()
            event.add("uid", uid)
            event.add("sequence", sequence)
            event.add("dtstamp", stamp)
            event.add("last-modified", stamp)
            event.add("dtstart", start)
            event.add("dtend", end)
            event.add("summary", summary)
            if location:
                event.add("location", location)
            event.add("status", "CONFIRMED")
            calendar.add_component(event)
        calendar.to_ical()

    extra = {**dataset, "events": events, "feed_bytes": len(first.content)}
    return [
        Case(
            name="feed_personal_cold",
            description="GET of a personal agenda feed of 500 events (token URL), full stack",
            run=cold,
            baseline_name="icalendar_500_events_in_memory",
            baseline=in_memory,
            runs=15,
            extra=extra,
        ),
        Case(
            name="feed_personal_304",
            description="The same GET with If-None-Match: 304 without building the calendar",
            run=conditional,
            baseline_name="icalendar_500_events_in_memory",
            baseline=in_memory,
            runs=30,
            extra=extra,
        ),
    ]
