"""The figures of the coordinators' dashboards and of the "Rapports" page.

Every figure is an aggregate read in a fixed number of queries, whatever the size of the
network, for a scope (the communes a coordinator sees) and a period. Children are never
counted here except through groups.statistics, which masks small counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate
from groups import roster, statistics
from groups.models import Cycle
from lms.models import (
    Approval,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    ModulePage,
    RunStatus,
)
from network.models import Commune, MemberProfile, MemberStatus, OrganisationKind
from network.permissions import coordinated_commune_ids
from sessions.models import Session

GAP_DAYS = 30
EXPIRY_DAYS = 60
TREND_MONTHS = 12
LISTED = 10  # rows listed under a figure (the figure itself counts them all)
# Averages of fewer evaluations are not shown: a handful of answers could be told apart.
MIN_EVALUATIONS = 5
NO_ORGANISATION = "-"


# --- scope and period -------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """From `first_day` to `last_day`, both included, in local days."""

    first_day: dt.date
    last_day: dt.date

    @classmethod
    def last_months(cls, months: int, today: dt.date | None = None) -> Period:
        """The `months` calendar months up to and including this one."""
        today = today or timezone.localdate()
        year, month = today.year, today.month - (months - 1)
        while month < 1:
            year, month = year - 1, month + 12
        return cls(dt.date(year, month, 1), today)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Local midnight of the first day, and of the day after the last (excluded)."""
        zone = timezone.get_default_timezone()
        return (
            dt.datetime.combine(self.first_day, dt.time.min, tzinfo=zone),
            dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
        )

    @property
    def label(self) -> str:
        return _("%(first)s to %(last)s") % {
            "first": formats.date_format(self.first_day, "SHORT_DATE_FORMAT"),
            "last": formats.date_format(self.last_day, "SHORT_DATE_FORMAT"),
        }

    def whole_months(self) -> Period:
        """From the first day of the first month to the last day of the last month."""
        following = (self.last_day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        return Period(self.first_day.replace(day=1), following - dt.timedelta(days=1))

    def months(self) -> list[dt.date]:
        """The first day of every month the period touches."""
        months, day = [], self.first_day.replace(day=1)
        while day <= self.last_day:
            months.append(day)
            day = (day + dt.timedelta(days=32)).replace(day=1)
        return months


@dataclass(frozen=True)
class Scope:
    """The communes a figure covers; `everywhere` when no commune narrows it (the network
    coordination without a filter): people and runs without a commune then count too."""

    communes: tuple[Commune, ...]
    everywhere: bool

    @property
    def ids(self) -> list[int]:
        return [c.pk for c in self.communes]


def allowed_communes(user) -> QuerySet[Commune]:
    """The communes whose figures `user` may see: every one for the network coordination,
    theirs for a commune coordinator, none for anyone else."""
    ids = coordinated_commune_ids(user)
    communes = Commune.objects.order_by("name")
    return communes if ids is None else communes.filter(pk__in=ids)


def may_see(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        coordinated_commune_ids(user) is None or bool(coordinated_commune_ids(user))
    )


def scope_for(user, commune_ids: list[int] | None = None) -> Scope:
    """The user's scope, narrowed to `commune_ids` when given (others are ignored)."""
    everywhere = coordinated_commune_ids(user) is None
    communes = list(allowed_communes(user))
    if commune_ids:
        wanted = set(commune_ids)
        narrowed = [c for c in communes if c.pk in wanted]
        if narrowed:
            return Scope(tuple(narrowed), everywhere=False)
    return Scope(tuple(communes), everywhere=everywhere)


# --- professionals trained -------------------------------------------------------------------


@dataclass
class Trained:
    """Distinct professionals who completed a module in the period."""

    total: int
    by_commune: list[tuple[str, int]]  # a person active in two communes counts in both
    by_kind: list[tuple[str, int]]
    modules: list[ModuleRow]
    communes: list[str]  # the matrix's columns


@dataclass
class ModuleRow:
    module_id: int
    title: str
    total: int
    by_commune: list[int]  # in `Trained.communes` order


def completions(
    scope: Scope, period: Period, module_id: int | None = None, *, by_commune: bool = False
) -> QuerySet[Enrolment]:
    """Completed enrolments of the period by professionals of the scope's communes.

    `by_commune` keeps only people with a commune of the scope, whatever the scope, so that
    `person__member_profile__communes` can be grouped on (the join of this one filter is
    reused; a second filter on that relation would add another join).
    """
    low, high = period.bounds()
    rows = Enrolment.objects.filter(
        status=EnrolmentStatus.COMPLETED, completed_at__gte=low, completed_at__lt=high
    )
    if module_id is not None:
        rows = rows.filter(run__module_id=module_id)
    if by_commune or not scope.everywhere:
        rows = rows.filter(person__member_profile__communes__in=scope.ids)
    return rows.order_by()


def trained(scope: Scope, period: Period, module_id: int | None = None) -> Trained:
    """In 5 queries."""
    done = completions(scope, period, module_id)
    per_commune = completions(scope, period, module_id, by_commune=True)
    names = {c.pk: c.name for c in scope.communes}
    total = done.aggregate(n=Count("person_id", distinct=True))["n"]

    by_commune = dict(
        per_commune.values_list("person__member_profile__communes").annotate(
            n=Count("person_id", distinct=True)
        )
    )
    kinds = dict(OrganisationKind.choices)
    by_kind_rows = (
        done.values_list("person__member_profile__organisation__kind")
        .annotate(n=Count("person_id", distinct=True))
        .order_by("-n")
    )
    by_kind = [
        (str(kinds.get(kind, _("No organisation"))), n)
        for kind, n in sorted(by_kind_rows, key=lambda row: (-row[1], str(row[0])))
    ]

    matrix: dict[int, dict[int, int]] = defaultdict(dict)
    for module, commune, n in per_commune.values_list(
        "run__module_id", "person__member_profile__communes"
    ).annotate(n=Count("person_id", distinct=True)):
        matrix[module][commune] = n
    totals = dict(done.values_list("run__module_id").annotate(n=Count("person_id", distinct=True)))
    titles = dict(ModulePage.objects.filter(pk__in=list(totals)).values_list("pk", "title"))
    modules = sorted(
        (
            ModuleRow(
                module_id=module,
                title=titles.get(module, "?"),
                total=count,
                by_commune=[matrix[module].get(c.pk, 0) for c in scope.communes],
            )
            for module, count in totals.items()
        ),
        key=lambda row: (-row.total, row.title),
    )
    return Trained(
        total=total,
        by_commune=[(names[pk], by_commune.get(pk, 0)) for pk in scope.ids],
        by_kind=by_kind,
        modules=modules,
        communes=[c.name for c in scope.communes],
    )


def monthly_completions(scope: Scope, period: Period) -> list[tuple[dt.date, int]]:
    """Modules completed per month of the period (every month, zeros included), in 1 query."""
    counted = {
        month.date() if isinstance(month, dt.datetime) else month: n
        for month, n in completions(scope, period)
        .annotate(month=TruncMonth("completed_at"))
        .values_list("month")
        .annotate(n=Count("pk", distinct=True))
    }
    return [(month, counted.get(month, 0)) for month in period.months()]


# --- runs ------------------------------------------------------------------------------------


@dataclass
class RunRow:
    """A run's figures, read as plain values (thousands of runs in a report)."""

    pk: int
    code: str
    module: str
    commune: str
    starts_at: dt.datetime | None
    capacity: int
    seats_taken: int
    waitlisted: int
    requested: int
    completed: int

    @property
    def fill_rate(self) -> int:
        return round(100 * self.seats_taken / self.capacity) if self.capacity else 0


RUN_FIELDS = ("pk", "code", "module__title", "commune__name", "starts_at", "capacity")


def _runs(scope: Scope) -> QuerySet[CourseRun]:
    runs = CourseRun.objects.exclude(status=RunStatus.CANCELLED)
    if not scope.everywhere:
        runs = runs.filter(commune_id__in=scope.ids)
    return runs.annotate(
        waitlisted=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)),
        requested=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.REQUESTED)),
        completed=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.COMPLETED)),
    )


def _run_rows(runs: QuerySet[CourseRun]) -> list[RunRow]:
    return [
        RunRow(pk, code, module, commune or "", starts, capacity, taken, waiting, asked, done)
        for pk, code, module, commune, starts, capacity, taken, waiting, asked, done in (
            runs.values_list(*RUN_FIELDS, "seats_taken", "waitlisted", "requested", "completed")
        )
    ]


def upcoming_runs(scope: Scope, now: dt.datetime | None = None) -> list[RunRow]:
    """The next runs, soonest first, in 1 query."""
    now = now or timezone.now()
    return _run_rows(_runs(scope).filter(starts_at__gte=now).order_by("starts_at", "pk")[:LISTED])


def runs_in(scope: Scope, period: Period) -> list[RunRow]:
    """The runs whose first session is in the period, in 1 query."""
    low, high = period.bounds()
    return _run_rows(
        _runs(scope).filter(starts_at__gte=low, starts_at__lt=high).order_by("starts_at", "pk")
    )


# --- support groups: gaps --------------------------------------------------------------------


@dataclass
class Gap:
    session: Session
    cycle: Cycle
    open_seats: int


@dataclass
class Gaps:
    """The meetings of the coming days lacking facilitators: the first ones, and counts."""

    listed: list[Gap]
    meetings: int
    seats_by_commune: dict[int, int]

    @property
    def seats(self) -> int:
        return sum(self.seats_by_commune.values())

    @property
    def more(self) -> int:
        return max(0, self.meetings - len(self.listed))

    def by_commune(self, scope: Scope) -> list[tuple[str, int]]:
        return [(c.name, self.seats_by_commune.get(c.pk, 0)) for c in scope.communes]


def gaps(scope: Scope, now: dt.datetime | None = None, days: int = GAP_DAYS) -> Gaps:
    """Group meetings of the next `days` days lacking facilitators, in 2 queries: counts per
    commune, and the soonest LISTED meetings.

    Only the public title and the commune are shown: a cycle's internal name may name someone.
    """
    now = now or timezone.now()
    sessions = roster.lacking_facilitators(
        now, now + dt.timedelta(days=days), None if scope.everywhere else scope.ids
    )
    seats: dict[int, int] = defaultdict(int)
    meetings = 0
    for commune_id, wanted, staffed in sessions.values_list(
        "series__support_cycle__commune_id",
        "series__support_cycle__programme__facilitators_per_meeting",
        "staffed",
    ):
        seats[commune_id] += wanted - staffed
        meetings += 1
    listed = []
    for session in sessions[:LISTED]:
        cycle = session.series.support_cycle
        listed.append(
            Gap(session, cycle, cycle.programme.facilitators_per_meeting - session.staffed)
        )
    return Gaps(listed, meetings, dict(seats))


# --- certificates ----------------------------------------------------------------------------


def expiring(scope: Scope, today: dt.date | None = None, days: int = EXPIRY_DAYS):
    """Current certificates whose validity ends within `days` days, soonest first."""
    today = today or timezone.localdate()
    rows = Certificate.objects.current().filter(
        valid_until__gte=today, valid_until__lte=today + dt.timedelta(days=days)
    )
    if not scope.everywhere:
        rows = rows.filter(commune_id__in=scope.ids)
    # Recorded (external) certificates keep no holder name of their own: the holder's is shown.
    return rows.select_related("holder").order_by("valid_until", "pk")


def issued_in(scope: Scope, period: Period) -> int:
    low, high = period.bounds()
    rows = Certificate.objects.filter(issued_at__gte=low, issued_at__lt=high)
    if not scope.everywhere:
        rows = rows.filter(commune_id__in=scope.ids)
    return rows.count()


# --- what waits for a coordinator ------------------------------------------------------------


@dataclass
class Pending:
    enrolments: int  # requests a coordinator decides
    registrations: int  # self-registrations awaiting approval
    waitlisted: int  # people on a waiting list of an upcoming run


def pending(scope: Scope, now: dt.datetime | None = None) -> Pending:
    """In 3 queries."""
    now = now or timezone.now()
    requests = Enrolment.objects.filter(
        status=EnrolmentStatus.REQUESTED, run__approval=Approval.COORDINATOR
    )
    registrations = MemberProfile.objects.filter(status=MemberStatus.PENDING)
    waiting = Enrolment.objects.filter(
        status=EnrolmentStatus.WAITLISTED, run__starts_at__gte=now
    ).exclude(run__status=RunStatus.CANCELLED)
    if not scope.everywhere:
        requests = requests.filter(run__commune_id__in=scope.ids)
        registrations = registrations.filter(
            Q(communes__in=scope.ids) | Q(organisation__communes__in=scope.ids)
        )
        waiting = waiting.filter(run__commune_id__in=scope.ids)
    return Pending(
        enrolments=requests.count(),
        registrations=registrations.values("pk").distinct().count(),
        waitlisted=waiting.count(),
    )


# --- training evaluations --------------------------------------------------------------------

QUESTIONS = ("relevance", "clarity", "trainers", "organisation")


@dataclass
class EvaluationRow:
    title: str
    answers: int
    averages: list[Decimal | None] = field(default_factory=list)  # None: too few answers


def evaluations(scope: Scope, period: Period) -> list[EvaluationRow]:
    """Average ratings per module of the evaluations submitted in the whole months the period
    touches, in 2 queries; comments are never reported (they may name someone). Whole months:
    two periods a day apart would otherwise tell one person's ratings by difference."""
    low, high = period.whole_months().bounds()
    rows = Evaluation.objects.filter(submitted_at__gte=low, submitted_at__lt=high)
    if not scope.everywhere:
        rows = rows.filter(enrolment__run__commune_id__in=scope.ids)
    aggregated = list(
        rows.order_by()
        .values_list("enrolment__run__module_id")
        .annotate(n=Count("pk"), **{q: Avg(q) for q in QUESTIONS})
    )
    titles = dict(
        ModulePage.objects.filter(pk__in=[r[0] for r in aggregated]).values_list("pk", "title")
    )
    result = []
    for module_id, n, *averages in aggregated:
        shown = [
            Decimal(str(a)).quantize(Decimal("0.1")) if n >= MIN_EVALUATIONS and a else None
            for a in averages
        ]
        result.append(EvaluationRow(titles.get(module_id, "?"), n, shown))
    return sorted(result, key=lambda r: r.title)


def question_labels() -> list[str]:
    return [str(getattr(Evaluation._meta.get_field(q), "verbose_name", q)) for q in QUESTIONS]


# --- support groups: statistics --------------------------------------------------------------


def school_years(period: Period) -> list[statistics.SchoolYear]:
    """The whole school years a period touches, oldest first. Support-group figures are only
    given per whole school year: two reports on periods a day apart would otherwise reveal,
    by difference, a count of children that the masking hides."""
    first = statistics.SchoolYear.of(period.first_day).start_year
    last = statistics.SchoolYear.of(period.last_day).start_year
    return [statistics.SchoolYear(year) for year in range(first, last + 1)]


def group_figures(user, scope: Scope, year: statistics.SchoolYear | None = None):
    """groups.statistics' figures (small counts masked) for the scope's communes and a school
    year (the current one by default)."""
    year = year or statistics.SchoolYear.current()
    wanted = set(scope.ids)
    return [row for row in statistics.figures(user, year) if row.commune.pk in wanted]
