"""A series stated in plain words before it is saved, with the dates it gives.

"every Wednesday from 14:00 to 15:30, from 13/01/2027 to 23/06/2027, except school holidays:
20 sessions" (French in the catalogue). Built from the same engine as the sessions themselves
(`recurrence.occurrences` and `services.closed_days`), so what is stated is what is made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import recurrence as django_recurrence
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy

from .models import Closure, ClosureKind, Series
from .recurrence import ClosedDays, occurrences, rule_problems
from .services import closed_days

# After "every": French wants the plural ("tous les mercredis").
EVERY_WEEKDAY = (
    pgettext_lazy("after 'every'", "Monday"),
    pgettext_lazy("after 'every'", "Tuesday"),
    pgettext_lazy("after 'every'", "Wednesday"),
    pgettext_lazy("after 'every'", "Thursday"),
    pgettext_lazy("after 'every'", "Friday"),
    pgettext_lazy("after 'every'", "Saturday"),
    pgettext_lazy("after 'every'", "Sunday"),
)
WEEKDAY = (
    pgettext_lazy("weekday in a month", "Monday"),
    pgettext_lazy("weekday in a month", "Tuesday"),
    pgettext_lazy("weekday in a month", "Wednesday"),
    pgettext_lazy("weekday in a month", "Thursday"),
    pgettext_lazy("weekday in a month", "Friday"),
    pgettext_lazy("weekday in a month", "Saturday"),
    pgettext_lazy("weekday in a month", "Sunday"),
)
POSITIONS = {
    1: pgettext_lazy("position in a month", "first"),
    2: pgettext_lazy("position in a month", "second"),
    3: pgettext_lazy("position in a month", "third"),
    4: pgettext_lazy("position in a month", "fourth"),
    -1: pgettext_lazy("position in a month", "last"),
}
SKIPPED_KINDS = {
    ClosureKind.PUBLIC_HOLIDAY: pgettext_lazy("after 'except'", "public holidays"),
    ClosureKind.SCHOOL_HOLIDAY: pgettext_lazy("after 'except'", "school holidays"),
    ClosureKind.LOCAL: pgettext_lazy("after 'except'", "local closures"),
}


@dataclass
class Summary:
    text: str
    dates: list[dt.datetime] = field(default_factory=list)  # aware, local, closures skipped
    skipped: list[tuple[dt.date, str]] = field(default_factory=list)  # day, closure's reason

    @property
    def count(self) -> int:
        return len(self.dates)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return pgettext("list", "%(first)s and %(last)s") % {
        "first": ", ".join(items[:-1]),
        "last": items[-1],
    }


def _day_number(day) -> int:
    return int(getattr(day, "number", day))


def _recurrence_text(series: Series) -> str:
    if series.mode == Series.Mode.DATES:
        return _("on chosen dates")
    rule = series.rule.rrules[0]
    interval = rule.interval or 1
    byday = list(rule.byday or [])
    if rule.freq == django_recurrence.WEEKLY:
        numbers = sorted({_day_number(d) for d in byday} or {series.start_date.weekday()})
        days = _join([str(EVERY_WEEKDAY[n]) for n in numbers])
        if interval == 1:
            return _("every %(days)s") % {"days": days}
        return _("every %(interval)s weeks, on %(days)s") % {"interval": interval, "days": days}
    if rule.freq == django_recurrence.MONTHLY:
        setpos = list(rule.bysetpos or [])
        if len(byday) == 1:
            day = byday[0]
            index = getattr(day, "index", None) or (setpos[0] if len(setpos) == 1 else None)
            if index in POSITIONS:
                return _("every %(position)s %(day)s of the month") % {
                    "position": POSITIONS[index],
                    "day": WEEKDAY[_day_number(day)],
                }
        monthdays = list(rule.bymonthday or []) or ([] if byday else [series.start_date.day])
        if len(monthdays) == 1 and monthdays[0] > 0:
            return _("every month on day %(day)s") % {"day": monthdays[0]}
    if rule.freq == django_recurrence.DAILY:
        if interval == 1:
            return _("every day")
        return _("every %(interval)s days") % {"interval": interval}
    return _("according to the recurrence rule")


def _skipped_kinds(series: Series, closed: ClosedDays, skipped_days: list[dt.date]) -> list[str]:
    """The kinds of closure that actually removed a date, in a stable order."""
    reasons = {r for _first, _last, r, _commune in closed.ranges}
    kind_of = {
        (c.start_date, c.end_date, c.reason, c.commune_id): c.kind
        for c in Closure.objects.filter(reason__in=reasons)
    }
    found = set()
    for day in skipped_days:
        for first, last, reason, commune in closed.ranges:
            if first <= day <= last and commune in (None, series.commune_id):
                kind = kind_of.get((first, last, reason, commune))
                if kind is not None:
                    found.add(kind)
    return [str(label) for kind, label in SKIPPED_KINDS.items() if kind in found]


def summarise(series: Series, *, closed: ClosedDays | None = None) -> Summary:
    """The plain statement of a (possibly unsaved) series and the dates it gives."""
    if series.mode == Series.Mode.RULE and rule_problems(series.rule):
        return Summary(" ".join(rule_problems(series.rule)))
    if series.mode == Series.Mode.DATES and not series.pk:
        return Summary(_("Save the series to see its dates."))
    if closed is None:
        closed = closed_days(series)
    every = occurrences(series)
    kept = occurrences(series, closed=closed)
    if not every:
        return Summary(_("This series gives no session."))
    kept_days = {start.date() for start in kept}
    skipped = [
        (start.date(), closed.reason(start.date(), series.commune_id) or "")
        for start in every
        if start.date() not in kept_days
    ]
    start = dt.datetime.combine(series.start_date, series.start_time)
    end = start + dt.timedelta(minutes=series.duration_minutes)
    when = pgettext("times of a series", "%(recurrence)s from %(start)s to %(end)s") % {
        "recurrence": _recurrence_text(series),
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
    }
    first, last = every[0].date(), every[-1].date()
    if first == last:
        period = pgettext("dates of a series", "on %(first)s") % {"first": f"{first:%d/%m/%Y}"}
    else:
        period = pgettext("dates of a series", "from %(first)s to %(last)s") % {
            "first": f"{first:%d/%m/%Y}",
            "last": f"{last:%d/%m/%Y}",
        }
    sessions = ngettext("%(count)s session", "%(count)s sessions", len(kept)) % {"count": len(kept)}
    kinds = _skipped_kinds(series, closed, [day for day, _reason in skipped])
    if kinds:
        text = _("%(when)s, %(period)s, except %(closures)s: %(sessions)s") % {
            "when": when,
            "period": period,
            "closures": _join(kinds),
            "sessions": sessions,
        }
    else:
        text = _("%(when)s, %(period)s: %(sessions)s") % {
            "when": when,
            "period": period,
            "sessions": sessions,
        }
    return Summary(text, kept, skipped)
