"""Small builders for agenda tests: communes, venues, a training-like and a group-like series."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import recurrence

from network.models import Commune
from sessions.models import Series, SeriesDate, Session, Venue

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def commune(name: str) -> Commune:
    found = Commune.objects.filter(name=name).first()
    return found or Commune.objects.create(name=name)


def venue(name: str, commune_name: str, **fields) -> Venue:
    return Venue.objects.create(name=name, commune=commune(commune_name), **fields)


def series(kind: str, commune_name: str = "Esneux", the_venue: Venue | None = None, **fields):
    """A training-like series (a list of dates) or a group-like one (a weekly rule)."""
    defaults = {
        "title": "Formation : repérer les violences" if kind == "training" else "Groupe enfants",
        "commune": commune(commune_name),
        "venue": the_venue,
        "start_date": dt.date(2027, 1, 13),
        "start_time": dt.time(14, 0),
        "duration_minutes": 90,
        "skip_public_holidays": False,
    }
    if kind == "training":
        defaults["mode"] = Series.Mode.DATES
    else:
        defaults["rule"] = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=4")
    defaults.update(fields)
    made = Series.objects.create(**defaults)
    if kind == "training":
        SeriesDate.objects.create(series=made, date=made.start_date)
    return made


def session(of: Series, start: dt.datetime, minutes: int = 90, the_venue: Venue | None = None):
    """One session at a local wall-clock `start` (naive: Brussels)."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=BRUSSELS)
    key = start.astimezone(dt.UTC)
    return Session.objects.create(
        series=of,
        original_start=key,
        start=key,
        end=key + dt.timedelta(minutes=minutes),
        venue=the_venue if the_venue is not None else of.venue,
        uid=Session.make_uid(of, key),
    )
