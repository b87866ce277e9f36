"""The roster engine: who may facilitate which meeting, and a proposal for the gaps.

Everything a board or a proposal needs is fetched in a fixed number of queries (`RosterData`),
whatever the number of meetings and facilitators; the checks then run in memory:

- hard (never assigned): not qualified on the meeting's day (certificates' qualification query),
  absent, already staffing or attending an overlapping session, over the monthly maximum;
- soft (assigned only with a reason): outside declared availability, too little travel time.

The proposal uses a CP-SAT solver in lexicographic order: the most seats filled, then the
fewest different facilitators per cycle (continuity of pairs), then the lightest heaviest load.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from certificates import qualifications
from lms.models import EnrolmentStatus
from network import roles
from sessions.models import Absence, Assignment, Availability, Session, SessionStatus, StaffRole

FACILITATING = (StaffRole.LEAD, StaffRole.CO)
BUSY_ENROLMENT = (
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.OFFERED,
    EnrolmentStatus.COMPLETED,
    EnrolmentStatus.NOT_COMPLETED,
)

HARD_QUALIFICATION = "qualification"
HARD_ABSENT = "absent"
HARD_OVERLAP = "overlap"
HARD_MONTHLY = "monthly_max"
SOFT_UNAVAILABLE = "unavailable"
SOFT_TOO_CLOSE = "too_close"
HARD = {HARD_QUALIFICATION, HARD_ABSENT, HARD_OVERLAP, HARD_MONTHLY}


@dataclass(frozen=True)
class Problem:
    code: str
    message: str

    @property
    def hard(self) -> bool:
        return self.code in HARD


@dataclass
class Meeting:
    """A session of a support-group cycle, as the roster sees it."""

    session_id: int
    cycle_id: int
    start: dt.datetime
    end: dt.datetime
    day: dt.date
    month: tuple[int, int]
    commune_id: int | None
    seats: int
    monthly_max: int
    required_modules: tuple[int, ...]
    assigned: list[tuple[int, str]] = field(default_factory=list)  # (person id, role)

    @property
    def open_seats(self) -> int:
        return max(0, self.seats - len(self.assigned))

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True)
class Busy:
    start: dt.datetime
    end: dt.datetime
    session_id: int
    commune_id: int | None
    facilitating: bool  # facilitating a support-group meeting (counts for the monthly maximum)


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def _date(day: dt.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def lacking_facilitators(
    start: dt.datetime, end: dt.datetime, commune_ids: Iterable[int] | None = None
):
    """Group meetings starting in [start, end[ with fewer facilitators than their programme
    asks, soonest first, each annotated with `staffed` (one query)."""
    from django.db.models import Count, F, Q

    sessions = (
        Session.objects.filter(series__support_cycle__isnull=False, start__gte=start, start__lt=end)
        .exclude(status=SessionStatus.CANCELLED)
        .annotate(staffed=Count("assignments", filter=Q(assignments__role__in=FACILITATING)))
        .filter(staffed__lt=F("series__support_cycle__programme__facilitators_per_meeting"))
        .select_related(
            "series__commune",  # agenda_title without a public title
            "series__support_cycle__commune",
            "series__support_cycle__programme",
            "series__support_cycle__coordinator",
        )
        .order_by("start", "pk")
    )
    if commune_ids is not None:
        sessions = sessions.filter(series__support_cycle__commune_id__in=list(commune_ids))
    return sessions


def facilitators() -> list:
    """Active people holding the facilitator role."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.FACILITATOR.name)
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


class RosterData:
    """Meetings and what is known of a set of facilitators; `load()` reads them from the
    database in a fixed number of queries, tests may build one directly."""

    def __init__(
        self,
        meetings: list[Meeting],
        people: dict[int, Any],
        *,
        busy=None,
        absences=None,
        availability=None,
        quals: qualifications.Qualifications | None = None,
    ) -> None:
        self.meetings = meetings
        self.by_session = {m.session_id: m for m in meetings}
        self.people = people
        self.busy: dict[int, list[Busy]] = defaultdict(list, busy or {})
        self.absences: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list, absences or {})
        self.availability: dict[int, dict[int, list[tuple[dt.time, dt.time]]]] = defaultdict(
            lambda: defaultdict(list), availability or {}
        )
        self.qualifications = quals or qualifications.Qualifications({})
        self._month_loads: dict[int, Counter[tuple[int, int]]] = {}

    @classmethod
    def load(cls, cycles: Iterable, people: list, *, sessions=None) -> RosterData:
        """The meetings of `cycles` (or only `sessions` of them) and what is known of
        `people`, in 9 queries."""

        cycle_ids = [getattr(c, "pk", c) for c in cycles]
        data = cls([], {p.pk: p for p in people})
        data._load_meetings(cycle_ids, sessions)
        data._load_people()
        return data

    def _load_meetings(self, cycle_ids: list[int], sessions) -> None:
        from .models import Cycle

        cycle_rows = list(
            Cycle.objects.filter(pk__in=cycle_ids)
            .select_related("programme")
            .prefetch_related("programme__required_modules")
        )
        self.cycles = {c.pk: c for c in cycle_rows}
        queryset = sessions if sessions is not None else Session.objects.all()
        rows = list(
            queryset.filter(series__support_cycle__in=cycle_ids)
            .exclude(status=SessionStatus.CANCELLED)
            .order_by("start")
            .values_list("pk", "series__support_cycle", "start", "end", "venue__commune_id")
        )
        assigned: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for session_id, person_id, role in Assignment.objects.filter(
            session_id__in=[r[0] for r in rows], role__in=FACILITATING
        ).values_list("session_id", "person_id", "role"):
            assigned[session_id].append((person_id, role))
        self.meetings = []
        for pk, cycle_id, start, end, commune_id in rows:
            cycle = self.cycles[cycle_id]
            local = _local(start)
            self.meetings.append(
                Meeting(
                    session_id=pk,
                    cycle_id=cycle_id,
                    start=start,
                    end=end,
                    day=local.date(),
                    month=(local.year, local.month),
                    commune_id=commune_id or cycle.commune_id,
                    seats=cycle.programme.facilitators_per_meeting,
                    monthly_max=cycle.monthly_max,
                    required_modules=tuple(
                        sorted(m.pk for m in cycle.programme.required_modules.all())
                    ),
                    assigned=assigned.get(pk, []),
                )
            )
        self.by_session = {m.session_id: m for m in self.meetings}

    def _load_people(self) -> None:
        ids = list(self.people)
        modules = sorted({m for meeting in self.meetings for m in meeting.required_modules})
        self.qualifications = qualifications.load(ids, modules)
        if not self.meetings or not ids:
            return
        buffer = dt.timedelta(minutes=getattr(settings, "MAILLAGE_TRAVEL_BUFFER_MINUTES", 30))
        # Whole local months: the monthly maximum counts every meeting of the month.
        first = min(m.start for m in self.meetings)
        last = max(m.end for m in self.meetings)
        low = _local(first).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        high = _local(last).replace(day=28) + dt.timedelta(days=4)
        high = high.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        low, high = low - buffer, high + buffer
        for person_id, session_id, start, end, commune_id, role, cycle_id in (
            Assignment.objects.filter(
                person_id__in=ids, session__start__lt=high, session__end__gt=low
            )
            .exclude(session__status=SessionStatus.CANCELLED)
            .values_list(
                "person_id",
                "session_id",
                "session__start",
                "session__end",
                "session__venue__commune_id",
                "role",
                "session__series__support_cycle",
            )
        ):
            # Only support-group meetings count towards the monthly maximum (an intervision
            # or a training they give does not).
            self.busy[person_id].append(
                Busy(
                    start,
                    end,
                    session_id,
                    commune_id,
                    role in FACILITATING and cycle_id is not None,
                )
            )
        for person_id, session_id, start, end, commune_id in (
            Session.objects.filter(
                series__course_run__enrolments__person_id__in=ids,
                series__course_run__enrolments__status__in=BUSY_ENROLMENT,
                start__lt=high,
                end__gt=low,
            )
            .exclude(status=SessionStatus.CANCELLED)
            .values_list(
                "series__course_run__enrolments__person_id",
                "pk",
                "start",
                "end",
                "venue__commune_id",
            )
        ):
            self.busy[person_id].append(Busy(start, end, session_id, commune_id, False))
        for person_id, start_date, end_date in Absence.objects.filter(
            person_id__in=ids, end_date__gte=low.date(), start_date__lte=high.date()
        ).values_list("person_id", "start_date", "end_date"):
            self.absences[person_id].append((start_date, end_date))
        for person_id, weekday, start_time, end_time in Availability.objects.filter(
            person_id__in=ids
        ).values_list("person_id", "weekday", "start_time", "end_time"):
            self.availability[person_id][weekday].append((start_time, end_time))

    # --- checks, in memory ----------------------------------------------------------------

    def monthly_load(self, person_id: int, month: tuple[int, int]) -> int:
        loads = self._month_loads.get(person_id)
        if loads is None:
            # Counted once per person: the board asks for every gap of every month.
            loads = Counter(
                (_local(b.start).year, _local(b.start).month)
                for b in self.busy.get(person_id, [])
                if b.facilitating
            )
            self._month_loads[person_id] = loads
        return loads[month]

    def problems(self, person_id: int, meeting: Meeting, *, extra_load: int = 0) -> list[Problem]:
        """Why `person_id` may not (hard) or should not (soft) facilitate `meeting`."""
        found: list[Problem] = []
        quals = self.qualifications
        for module_id in meeting.required_modules:
            if quals.holds(person_id, module_id, meeting.day):
                continue
            starts = quals.next_start(person_id, module_id, meeting.day)
            ended = [
                w.end
                for w in quals.windows(person_id, module_id)
                if w.end is not None and w.end < meeting.day
            ]
            if starts:
                message = _("Not qualified until %(date)s.") % {"date": _date(starts)}
            elif ended:
                message = _("Certificate expired on %(date)s.") % {
                    "date": _date(max(ended) + dt.timedelta(days=1))
                }
            else:
                message = _("Not qualified: a required certificate is missing.")
            found.append(Problem(HARD_QUALIFICATION, message))
            break
        for first, last in self.absences.get(person_id, []):
            if first <= meeting.day <= last:
                found.append(
                    Problem(HARD_ABSENT, _("Absent on %(date)s.") % {"date": _date(meeting.day)})
                )
                break
        mine = [b for b in self.busy.get(person_id, []) if b.session_id != meeting.session_id]
        if any(meeting.overlaps(b.start, b.end) for b in mine):
            found.append(Problem(HARD_OVERLAP, _("Already busy at that time.")))
        already_here = any(p == person_id for p, _role in meeting.assigned)
        load = self.monthly_load(person_id, meeting.month) + extra_load
        if not already_here and load >= meeting.monthly_max:
            found.append(
                Problem(
                    HARD_MONTHLY,
                    _("Already %(count)s meetings that month (at most %(max)s).")
                    % {"count": load, "max": meeting.monthly_max},
                )
            )
        windows = self.availability.get(person_id)
        if windows:
            local_start, local_end = _local(meeting.start), _local(meeting.end)
            fits = local_end.date() == local_start.date() and any(
                first <= local_start.time() and local_end.time() <= until
                for first, until in windows.get(local_start.weekday(), [])
            )
            if not fits:
                found.append(Problem(SOFT_UNAVAILABLE, _("Outside their declared availability.")))
        buffer = dt.timedelta(minutes=getattr(settings, "MAILLAGE_TRAVEL_BUFFER_MINUTES", 30))
        if meeting.commune_id and any(
            b.commune_id
            and b.commune_id != meeting.commune_id
            and not meeting.overlaps(b.start, b.end)
            and meeting.overlaps(b.start - buffer, b.end + buffer)
            for b in mine
        ):
            found.append(
                Problem(SOFT_TOO_CLOSE, _("Too little time to travel from another session."))
            )
        return found

    def eligible(self, person_id: int, meeting: Meeting) -> bool:
        return not any(p.hard for p in self.problems(person_id, meeting))

    def cycle_members(self, cycle_id: int) -> dict[int, int]:
        """How many meetings of the cycle each facilitator holds already."""
        counts: dict[int, int] = defaultdict(int)
        for meeting in self.meetings:
            if meeting.cycle_id == cycle_id:
                for person_id, _role in meeting.assigned:
                    counts[person_id] += 1
        return counts

    def ranked(self, meeting: Meeting) -> list[tuple[object, list[Problem]]]:
        """Every facilitator for a gap: eligible first (continuity, then lighter month, then
        no soft problem), each ineligible one with its reasons."""
        members = self.cycle_members(meeting.cycle_id)
        rows = []
        for person_id, person in self.people.items():
            if any(p == person_id for p, _role in meeting.assigned):
                continue
            found = self.problems(person_id, meeting)
            hard = any(p.hard for p in found)
            key = (
                hard,
                -members.get(person_id, 0),
                any(not p.hard for p in found),
                self.monthly_load(person_id, meeting.month),
                person.get_full_name() or person.get_username(),
            )
            rows.append((key, person, found))
        rows.sort(key=lambda row: row[0])
        return [(person, found) for _key, person, found in rows]


# --- the proposal --------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """Assignments proposed for the gaps: (session id, person id) pairs, and their figures."""

    assignments: tuple[tuple[int, int], ...]
    gaps_before: int
    filled: int
    distinct_per_cycle: float
    max_load: int
    optimal: bool

    @property
    def gaps_after(self) -> int:
        return self.gaps_before - self.filled

    @property
    def coverage(self) -> float:
        return 1.0 if not self.gaps_before else self.filled / self.gaps_before


def _overlapping_pairs(meetings: list[Meeting]) -> list[tuple[int, int]]:
    pairs = []
    ordered = sorted(range(len(meetings)), key=lambda i: meetings[i].start)
    for position, i in enumerate(ordered):
        for j in ordered[position + 1 :]:
            if meetings[j].start >= meetings[i].end:
                break
            pairs.append((i, j))
    return pairs


def propose(data: RosterData, *, time_limit: float = 20.0) -> Proposal:
    """Fill the gaps: never a hard problem; the most seats, then continuity, then even load."""
    from ortools.sat.python import cp_model

    meetings = [m for m in data.meetings if m.open_seats]
    gaps = sum(m.open_seats for m in meetings)
    if not meetings or not data.people:
        return Proposal((), gaps, 0, 0.0, 0, True)
    candidates: dict[tuple[int, int], bool] = {}
    for index, meeting in enumerate(meetings):
        for person_id in data.people:
            if any(p == person_id for p, _role in meeting.assigned):
                continue
            found = data.problems(person_id, meeting)
            if not any(p.hard for p in found):
                candidates[(index, person_id)] = any(not p.hard for p in found)

    existing_load = Counter(p for m in data.meetings for p, _role in m.assigned)

    def build(stage: int, coverage: int | None, distinct: int | None):
        model = cp_model.CpModel()
        x = {key: model.new_bool_var(f"x{key[0]}_{key[1]}") for key in candidates}
        for index, meeting in enumerate(meetings):
            chosen = [x[(index, p)] for p in data.people if (index, p) in x]
            if chosen:
                model.add(sum(chosen) <= meeting.open_seats)
        for i, j in _overlapping_pairs(meetings):
            for person_id in data.people:
                if (i, person_id) in x and (j, person_id) in x:
                    model.add(x[(i, person_id)] + x[(j, person_id)] <= 1)
        by_person_month: dict[tuple[int, tuple[int, int]], list] = defaultdict(list)
        for (index, person_id), var in x.items():
            meeting = meetings[index]
            by_person_month[(person_id, meeting.month)].append((var, meeting.monthly_max))
        for (person_id, month), entries in by_person_month.items():
            # Each chosen meeting's own maximum binds (cycles may differ): the month's total
            # stays within the maximum of every meeting chosen in it, not of every candidate.
            base = data.monthly_load(person_id, month)
            total = sum(var for var, _cap in entries)
            highest = max(cap for _var, cap in entries)
            model.add(total <= max(0, highest - base))
            for var, cap in entries:
                if cap < highest:
                    model.add(total <= cap - base).only_enforce_if(var)
        filled = sum(x.values())
        # Continuity: y[p, c] is 1 when p facilitates (or already facilitates) cycle c.
        y = {}
        for (index, person_id), var in x.items():
            cycle_id = meetings[index].cycle_id
            if (person_id, cycle_id) not in y:
                y[(person_id, cycle_id)] = model.new_bool_var(f"y{person_id}_{cycle_id}")
            model.add_implication(var, y[(person_id, cycle_id)])
        existing = {
            (person_id, m.cycle_id) for m in data.meetings for person_id, _role in m.assigned
        }
        new_people = sum(var for key, var in y.items() if key not in existing)
        # Among as few newcomers, the seats the cycle's own facilitators take (the same pair).
        kept = sum(
            var for (index, p), var in x.items() if (p, meetings[index].cycle_id) in existing
        )
        loads = []
        for person_id in data.people:
            mine = [var for (index, p), var in x.items() if p == person_id]
            loads.append((existing_load[person_id], mine))
        max_load = model.new_int_var(0, len(data.meetings) + 1, "max_load")
        for base, mine in loads:
            model.add(base + sum(mine) <= max_load)
        soft = sum(var for key, var in x.items() if candidates[key])
        if stage == 0:
            model.maximize(filled)
        elif stage == 1:
            model.add(filled == coverage)
            model.minimize(new_people * (len(x) + 1) - kept)
        else:
            model.add(filled == coverage)
            model.add(new_people == distinct)
            model.add(kept == kept_best)
            model.minimize(max_load * (len(x) + 1) + soft)
        return model, x, filled, new_people, max_load, kept

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = 1  # same answer for the same instance
    optimal = True
    kept_best = 0

    def value(expression) -> int:
        # An empty sum is a plain 0, which the solver does not know.
        return expression if isinstance(expression, int) else int(solver.value(expression))

    model, x, filled, new_people, max_load, kept = build(0, None, None)
    status = solver.solve(model)
    optimal &= status == cp_model.OPTIMAL
    coverage = value(filled)
    model, x, filled, new_people, max_load, kept = build(1, coverage, None)
    status = solver.solve(model)
    optimal &= status == cp_model.OPTIMAL
    distinct = value(new_people)
    kept_best = value(kept)
    model, x, filled, new_people, max_load, kept = build(2, coverage, distinct)
    status = solver.solve(model)
    optimal &= status == cp_model.OPTIMAL
    chosen = tuple(
        sorted(
            (meetings[index].session_id, person_id)
            for (index, person_id), var in x.items()
            if solver.value(var)
        )
    )
    per_cycle: dict[int, set[int]] = defaultdict(set)
    for m in data.meetings:
        for person_id, _role in m.assigned:
            per_cycle[m.cycle_id].add(person_id)
    for session_id, person_id in chosen:
        per_cycle[data.by_session[session_id].cycle_id].add(person_id)
    distinct_avg = (
        sum(len(people) for people in per_cycle.values()) / len(per_cycle) if per_cycle else 0.0
    )
    return Proposal(
        assignments=chosen,
        gaps_before=gaps,
        filled=len(chosen),
        distinct_per_cycle=distinct_avg,
        max_load=int(solver.value(max_load)),
        optimal=optimal,
    )
