"""Local closures from an .ics file (a commune's or a school's calendar): all or nothing."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from icalendar import Calendar

from network import audit, permissions

from .exceptions import ClosureImportError, NotAllowed
from .models import Closure, ClosureKind

MAX_BYTES = 512 * 1024
MAX_EVENTS = 500
MAX_DAYS = 366
REASON_LENGTH = Closure._meta.get_field("reason").max_length


@dataclass(frozen=True)
class ParsedClosure:
    start_date: dt.date
    end_date: dt.date
    reason: str


class ClosureFileErrors(ClosureImportError):
    """Every problem found in the file, each readable on its own; nothing was written."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(" ".join(errors))


def _local_date(value, zone: zoneinfo.ZoneInfo) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone)
        return value.date()
    return value


def parse(data: bytes) -> list[ParsedClosure]:
    """Read the VEVENTs of an iCalendar file as closures; raise with every error found."""
    if not data:
        raise ClosureFileErrors([_("The file is empty.")])
    if len(data) > MAX_BYTES:
        raise ClosureFileErrors(
            [_("The file is too large (at most %(size)s KB).") % {"size": MAX_BYTES // 1024}]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ClosureFileErrors(
            [_("The file is not an iCalendar file encoded in UTF-8.")]
        ) from None
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise ClosureFileErrors([_("The file is not an iCalendar (.ics) file.")])
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, KeyError, IndexError):
        raise ClosureFileErrors([_("The file is not a valid iCalendar file.")]) from None
    events = calendar.walk("VEVENT")
    if not events:
        raise ClosureFileErrors([_("The file contains no event.")])
    if len(events) > MAX_EVENTS:
        raise ClosureFileErrors(
            [_("The file contains too many events (at most %(count)s).") % {"count": MAX_EVENTS}]
        )
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    errors: list[str] = []
    parsed: list[ParsedClosure] = []
    for number, event in enumerate(events, start=1):
        reason = " ".join(str(event.get("SUMMARY", "")).split())
        where = _("Event %(number)s") % {"number": number}
        if not reason:
            errors.append(_("%(where)s: it has no title (SUMMARY).") % {"where": where})
            continue
        where = _("Event %(number)s (“%(title)s”)") % {"number": number, "title": reason[:60]}
        if len(reason) > REASON_LENGTH:
            errors.append(
                _("%(where)s: the title is longer than %(length)s characters.")
                % {"where": where, "length": REASON_LENGTH}
            )
            continue
        if "RRULE" in event or "RDATE" in event:
            errors.append(
                _("%(where)s: repeating events are not supported; give each closure as one event.")
                % {"where": where}
            )
            continue
        try:
            start, end = event.start, event.end
        except ValueError:
            errors.append(_("%(where)s: it has no valid start or end.") % {"where": where})
            continue
        first = _local_date(start, zone)
        if isinstance(end, dt.datetime):
            # A timed event closes every day it touches.
            last = _local_date(end - dt.timedelta(microseconds=1), zone)
        else:
            last = end - dt.timedelta(days=1)  # DTEND of a whole-day event is exclusive
        last = max(last, first)
        if (last - first).days >= MAX_DAYS:
            errors.append(
                _("%(where)s: it lasts more than a year.") % {"where": where},
            )
            continue
        parsed.append(ParsedClosure(first, last, reason))
    if errors:
        raise ClosureFileErrors(errors)
    return parsed


@transaction.atomic
def import_closures(actor, data: bytes, *, commune=None) -> tuple[int, int]:
    """Import the file's events as local closures of `commune` (None: everywhere).

    Returns (created, already there). Re-importing the same file changes nothing.
    """
    closures = parse(data)
    allowed = permissions.coordinated_commune_ids(actor)
    if (
        not actor.is_superuser
        and allowed is not None
        and (commune is None or commune.pk not in allowed)
    ):
        raise NotAllowed
    created = 0
    for item in closures:
        # Keyed like the uniqueness constraint: a changed last day updates the closure.
        _closure, was_created = Closure.objects.update_or_create(
            kind=ClosureKind.LOCAL,
            start_date=item.start_date,
            reason=item.reason,
            commune=commune,
            defaults={"end_date": item.end_date, "source": "ics"},
        )
        created += was_created
    audit.record(
        "closure.import", None, actor=actor, origin="admin", object_type="maillage_sessions.closure"
    )
    return created, len(closures) - created
