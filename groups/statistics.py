"""Support-group statistics per commune and school year, with small counts of children masked.

The period is the Belgian school year, 1 September to 31 August. A cycle belongs to the year of
its first meeting (of its creation while it has none); its children (admitted, referral
sources) go with it. Meetings held and attendance belong to the year of the meeting.

Counts of children from 1 to 4 are shown as "< 5" (`mask`, the only place that decides), and a
rate is hidden when its numerator or denominator is such a count. Counts of cycles and meetings
are about the service, not about children: shown as they are. No total of children across
communes is shown: with one commune masked, the total minus the others would reveal it.

Everything is counted in the database, in the same number of queries whatever the data
(`figures`). Nothing here names a child: no code, no alias, only counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, DateTimeField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from network.models import Commune
from network.permissions import coordinated_commune_ids, is_network_coordination
from sessions.models import Session, SessionStatus

from .models import (
    Cycle,
    CycleStatus,
    MeetingAttendance,
    MeetingAttendanceStatus,
    Membership,
    MembershipStatus,
    ReferralSource,
)

SMALL = 5  # counts of children below this are not shown
MASKED = "< 5"
SCHOOL_YEAR_START_MONTH = 9


def mask(count: int) -> int | str:
    """A count of children as it may be shown: 1 to 4 become "< 5" (none is no one to
    recognise, and is shown)."""
    return MASKED if 0 < count < SMALL else count


def rate(numerator: int, denominator: int) -> int | None:
    """A percentage, or None when it would reveal a masked count (either side below five)."""
    if mask(numerator) == MASKED or denominator < SMALL:
        return None
    return round(100 * numerator / denominator)


# --- the period -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolYear:
    """1 September `start_year` to 31 August of the next year."""

    start_year: int

    @classmethod
    def of(cls, day: dt.date) -> SchoolYear:
        return cls(day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1)

    @classmethod
    def current(cls) -> SchoolYear:
        return cls.of(timezone.localdate())

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.start_year, SCHOOL_YEAR_START_MONTH, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.start_year + 1, SCHOOL_YEAR_START_MONTH, 1) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.start_year}–{self.start_year + 1}"

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Local midnight on 1 September, and on the next 1 September (excluded)."""
        zone = timezone.get_default_timezone()
        return (
            dt.datetime.combine(self.first_day, dt.time.min, tzinfo=zone),
            dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
        )

    def previous(self, count: int) -> list[SchoolYear]:
        """This year and the `count - 1` before it, most recent first."""
        return [SchoolYear(self.start_year - n) for n in range(count)]


# --- who sees what --------------------------------------------------------------------------


def may_see(user) -> bool:
    """Commune coordinators (their communes) and the network coordination (every commune);
    facilitators and professionals do not."""
    if is_network_coordination(user):
        return True
    return bool(getattr(user, "is_authenticated", False) and coordinated_commune_ids(user))


def communes_for(user) -> QuerySet[Commune]:
    """The communes whose figures the user sees (none unless `may_see`)."""
    if not may_see(user):
        return Commune.objects.none()
    ids = coordinated_commune_ids(user)
    return Commune.objects.all() if ids is None else Commune.objects.filter(pk__in=ids)


# --- the figures ----------------------------------------------------------------------------

STATUS_ORDER = (CycleStatus.PLANNING, CycleStatus.OPEN, CycleStatus.RUNNING, CycleStatus.CLOSED)


@dataclass
class CommuneFigures:
    """Raw counts of one commune for one school year; show them through `mask` and `rate`
    (the `shown_*` properties do)."""

    commune: Commune
    cycles: dict[str, int] = field(default_factory=dict)  # status -> cycles
    meetings_held: int = 0
    marked: int = 0  # attendance marks of held meetings
    present: int = 0
    admitted: int = 0  # children admitted to the year's cycles
    referrals: dict[str, int] = field(default_factory=dict)  # source -> children referred

    @property
    def cycles_total(self) -> int:
        return sum(self.cycles.values())

    def cycles_by_status(self) -> list[int]:
        return [self.cycles.get(status, 0) for status in STATUS_ORDER]

    @property
    def attendance_rate(self) -> int | None:
        return rate(self.present, self.marked)

    @property
    def shown_admitted(self) -> int | str:
        return mask(self.admitted)

    def shown_referrals(self) -> list[int | str]:
        return [mask(self.referrals.get(source, 0)) for source in ReferralSource.values]


def cycles_of(year: SchoolYear) -> QuerySet[Cycle]:
    """The cycles whose first meeting (or creation, without meetings) is in the year."""
    first_meeting = Subquery(
        Session.objects.filter(series_id=OuterRef("series_id"))
        .order_by("start")
        .values("start")[:1]
    )
    low, high = year.bounds()
    return (
        Cycle.objects.annotate(
            begins=Coalesce(first_meeting, "created_at", output_field=DateTimeField())
        )
        .filter(begins__gte=low, begins__lt=high)
        .order_by()
    )


ADMITTED = Q(status=MembershipStatus.ADMITTED) | Q(admitted_on__isnull=False)


def figures(user, year: SchoolYear, *, now: dt.datetime | None = None) -> list[CommuneFigures]:
    """The figures of every commune the user sees, in 6 queries (once the user's standing
    is known), whatever the number of cycles, meetings and children."""
    now = now or timezone.now()
    communes = list(communes_for(user).order_by("name"))
    if not communes:
        return []
    rows = {c.pk: CommuneFigures(c) for c in communes}
    ids = list(rows)
    low, high = year.bounds()
    cycles = cycles_of(year).filter(commune_id__in=ids)

    for commune_id, status, count in cycles.values_list("commune_id", "status").annotate(
        n=Count("pk")
    ):
        rows[commune_id].cycles[status] = count

    held = (
        Session.objects.filter(
            series__support_cycle__commune_id__in=ids,
            start__gte=low,
            start__lt=high,
            end__lte=now,
        )
        .exclude(status=SessionStatus.CANCELLED)
        .order_by()
        .values_list("series__support_cycle__commune_id")
        .annotate(n=Count("pk"))
    )
    for commune_id, count in held:
        rows[commune_id].meetings_held = count

    marks = (
        MeetingAttendance.objects.filter(
            membership__cycle__commune_id__in=ids,
            session__start__gte=low,
            session__start__lt=high,
            session__end__lte=now,
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .order_by()
        .values_list("membership__cycle__commune_id")
        .annotate(
            marked=Count("pk"),
            present=Count("pk", filter=Q(status=MeetingAttendanceStatus.PRESENT)),
        )
    )
    for commune_id, marked, present in marks:
        rows[commune_id].marked, rows[commune_id].present = marked, present

    members = Membership.objects.filter(cycle__in=cycles.values("pk")).order_by()
    for commune_id, count in (
        members.filter(ADMITTED)
        .values_list("cycle__commune_id")
        .annotate(n=Count("participant_id", distinct=True))
    ):
        rows[commune_id].admitted = count

    for commune_id, source, count in members.values_list(
        "cycle__commune_id", "participant__referral_source"
    ).annotate(n=Count("participant_id", distinct=True)):
        rows[commune_id].referrals[source] = count

    return [rows[c.pk] for c in communes]


@dataclass(frozen=True)
class Totals:
    """What may be added up across communes: the service, not the children."""

    cycles: list[int]
    cycles_total: int
    meetings_held: int
    attendance_rate: int | None


def totals(rows: list[CommuneFigures]) -> Totals:
    by_status: dict[str, int] = defaultdict(int)
    for row in rows:
        for status, count in row.cycles.items():
            by_status[status] += count
    return Totals(
        cycles=[by_status.get(status, 0) for status in STATUS_ORDER],
        cycles_total=sum(by_status.values()),
        meetings_held=sum(r.meetings_held for r in rows),
        attendance_rate=rate(sum(r.present for r in rows), sum(r.marked for r in rows)),
    )


# --- the export -----------------------------------------------------------------------------


def status_labels() -> list[str]:
    return [str(CycleStatus(status).label) for status in STATUS_ORDER]


def export_header() -> list[str]:
    return [
        _("School year"),
        _("Commune"),
        *[_("Cycles: %(status)s") % {"status": label} for label in status_labels()],
        _("Cycles"),
        _("Meetings held"),
        _("Attendance rate (%)"),
        _("Children admitted"),
        *[_("Referred by: %(source)s") % {"source": label} for label in ReferralSource.labels],
    ]


def export_rows(rows: list[CommuneFigures], year: SchoolYear) -> list[list]:
    """The same figures as the screen, masked the same way; never a child's code or alias."""
    return [
        [
            year.label,
            row.commune.name,
            *row.cycles_by_status(),
            row.cycles_total,
            row.meetings_held,
            "" if row.attendance_rate is None else row.attendance_rate,
            row.shown_admitted,
            *row.shown_referrals(),
        ]
        for row in rows
    ]
