"""Occurrences computed from local wall-clock times, never through django-recurrence's UTC path.

django-recurrence converts datetimes to UTC through the current time zone, adds `dtend` as an
extra occurrence and evaluates weekdays in UTC (its issues #174, #96, #164). We use its field and
widget for the rule only, expand the rule with dateutil from the naive local start, and localise
each occurrence in the series' zone following RFC 5545 §3.3.5: a time that does not exist (the
spring gap) takes the offset before the gap, an ambiguous one (the autumn fold) the first.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from dateutil import rrule as dateutil_rrule
from django.utils.translation import gettext as _

UTC = dt.UTC
MAX_OCCURRENCES = 1000
ALLOWED_FREQUENCIES = (
    dateutil_rrule.YEARLY,
    dateutil_rrule.MONTHLY,
    dateutil_rrule.WEEKLY,
    dateutil_rrule.DAILY,
)


def localise(naive: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """RFC 5545 §3.3.5 on a wall-clock time: fold=0 is exactly its rule for gaps and folds.

    The result is normalised, so a nonexistent 02:30 comes back as 03:30 summer time.
    """
    aware = naive.replace(tzinfo=zone, fold=0)
    return aware.astimezone(UTC).astimezone(zone)


def rule_problems(recurrence) -> list[str]:
    """Why a rule cannot be used: it needs exactly one rule, and that rule needs an end."""
    if recurrence is None or not recurrence.rrules:
        return [_("Give the recurrence rule, e.g. weekly on Wednesday until a date.")]
    problems = []
    if len(recurrence.rrules) > 1:
        problems.append(_("Only one rule per series: split it into two series."))
    for rule in recurrence.rrules:
        if not rule.until and not rule.count:
            problems.append(_("The rule needs an end: an end date or a number of occurrences."))
        if rule.freq not in ALLOWED_FREQUENCIES:
            problems.append(_("Sessions repeat at most daily."))
        if rule.count and rule.count > MAX_OCCURRENCES:
            problems.append(
                _("At most %(count)s sessions per series.") % {"count": MAX_OCCURRENCES}
            )
    return problems


def _until(rule) -> dt.datetime | None:
    """UNTIL as a naive local datetime; a bare date includes that whole day."""
    until = rule.until
    if until is None:
        return None
    if isinstance(until, dt.datetime):
        if until.tzinfo is not None:
            until = until.replace(tzinfo=None)
        if until.time() == dt.time(0, 0):
            return dt.datetime.combine(until.date(), dt.time.max)
        return until
    return dt.datetime.combine(until, dt.time.max)


def _naive(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return dt.datetime.combine(value, dt.time(0, 0))


def expand_rule(recurrence, start: dt.datetime) -> Iterator[dt.datetime]:
    """Naive local occurrences of a django-recurrence value from a naive local start."""
    ruleset = dateutil_rrule.rruleset()
    for rule in recurrence.rrules:
        params = {name: getattr(rule, name) or None for name in rule.byparams}
        params["byweekday"] = params.pop("byday")
        ruleset.rrule(
            dateutil_rrule.rrule(
                rule.freq,
                dtstart=start,
                interval=rule.interval or 1,
                wkst=rule.wkst,
                count=rule.count or None,
                until=None if rule.count else _until(rule),
                **params,
            )
        )
    for rule in recurrence.exrules:
        params = {name: getattr(rule, name) or None for name in rule.byparams}
        params["byweekday"] = params.pop("byday")
        ruleset.exrule(
            dateutil_rrule.rrule(
                rule.freq, dtstart=start, interval=rule.interval or 1, until=_until(rule), **params
            )
        )
    for extra in recurrence.rdates:
        ruleset.rdate(dt.datetime.combine(_naive(extra).date(), start.time()))
    excluded_days = {_naive(day).date() for day in recurrence.exdates}
    for occurrence in ruleset:
        # EXDATE matches by day here: the wall-clock time of a series never varies (#94).
        if occurrence.date() not in excluded_days:
            yield occurrence


@dataclass(frozen=True)
class ClosedDays:
    """Closed local dates, by commune (None: everywhere), with their reasons."""

    ranges: tuple[tuple[dt.date, dt.date, str, int | None], ...]

    def reason(self, day: dt.date, commune_id: int | None = None) -> str | None:
        for first, last, reason, commune in self.ranges:
            if first <= day <= last and (commune is None or commune == commune_id):
                return reason
        return None


def occurrences(
    series,
    *,
    closed: ClosedDays | None = None,
    until: dt.date | None = None,
) -> list[dt.datetime]:
    """Aware local starts of a series up to `until` (inclusive), closures skipped."""
    zone = series.zone
    start = dt.datetime.combine(series.start_date, series.start_time)
    if series.mode == "dates":
        naive: Iterable[dt.datetime] = sorted(
            dt.datetime.combine(item.date, item.start_time or series.start_time)
            for item in series.dates.all()
        )
    else:
        if rule_problems(series.rule):
            return []
        naive = expand_rule(series.rule, start)
    result = []
    commune_id = series.commune_id
    for occurrence in naive:
        if until is not None and occurrence.date() > until:
            break
        if closed is not None and closed.reason(occurrence.date(), commune_id):
            continue
        result.append(localise(occurrence, zone))
        if len(result) >= MAX_OCCURRENCES:
            break
    return result
