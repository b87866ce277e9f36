"""The roster engine on in-memory instances: the proposal never breaks a hard rule, never
overfills a meeting, and fills as many seats as an exhaustive search finds."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from certificates.qualifications import Qualifications, Window
from groups.roster import HARD, Busy, Meeting, RosterData, propose

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
FIRST_DAY = dt.date(2027, 3, 1)  # two months, across the change to summer time (28 March)
MODULES = (10, 11)


@dataclass(frozen=True)
class Person:
    pk: int

    def get_full_name(self) -> str:
        return f"Personne {self.pk}"

    def get_username(self) -> str:
        return f"p{self.pk}"


def _at(day: dt.date, hour: int, minutes: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minutes), tzinfo=BRUSSELS).astimezone(dt.UTC)


def meeting(
    session_id: int,
    cycle_id: int,
    start: dt.datetime,
    minutes: int = 90,
    *,
    seats: int = 2,
    monthly_max: int = 4,
    modules: tuple[int, ...] = (),
    commune_id: int | None = 1,
    assigned: list[tuple[int, str]] | None = None,
) -> Meeting:
    local = start.astimezone(BRUSSELS)
    return Meeting(
        session_id=session_id,
        cycle_id=cycle_id,
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        day=local.date(),
        month=(local.year, local.month),
        commune_id=commune_id,
        seats=seats,
        monthly_max=monthly_max,
        required_modules=modules,
        assigned=list(assigned or []),
    )


def roster(meetings, people_ids, *, busy=None, absences=None, availability=None, windows=None):
    """A RosterData as `load()` would make it: existing assignments are also busy time."""
    busy = {p: list(items) for p, items in (busy or {}).items()}
    for m in meetings:
        for person_id, _role in m.assigned:
            busy.setdefault(person_id, []).append(
                Busy(m.start, m.end, m.session_id, m.commune_id, True)
            )
    return RosterData(
        meetings,
        {p: Person(p) for p in people_ids},
        busy=busy,
        absences=absences or {},
        availability=availability or {},
        quals=Qualifications(windows or {}),
    )


# --- an independent statement of the hard rules ---------------------------------------------


def _month(moment: dt.datetime) -> tuple[int, int]:
    local = moment.astimezone(BRUSSELS)
    return (local.year, local.month)


def hard_ok(data: RosterData, person_id: int, m: Meeting, extra: list[Busy] = ()) -> bool:
    """May `person_id` facilitate `m`, given their busy time plus `extra`? (No RosterData
    method used: the test's own reading of the rules.)"""
    for module_id in m.required_modules:
        windows = data.qualifications.windows(person_id, module_id)
        if not any(w.start <= m.day and (w.end is None or m.day <= w.end) for w in windows):
            return False
    if any(first <= m.day <= last for first, last in data.absences.get(person_id, [])):
        return False
    busy = [*data.busy.get(person_id, []), *extra]
    if any(b.session_id != m.session_id and b.start < m.end and m.start < b.end for b in busy):
        return False
    if any(p == person_id for p, _role in m.assigned):
        return True
    load = sum(1 for b in busy if b.facilitating and _month(b.start) == m.month)
    return load < m.monthly_max


def best_coverage(data: RosterData) -> int:
    """The most seats that can be filled, by exhaustive search over candidate pairs."""
    gaps = [m for m in data.meetings if m.open_seats]
    pairs = [
        (m, p)
        for m in gaps
        for p in data.people
        if all(q != p for q, _role in m.assigned) and hard_ok(data, p, m)
    ]
    best = 0
    chosen: list[tuple[Meeting, int]] = []

    def valid_with(m: Meeting, p: int) -> bool:
        if sum(1 for other, _q in chosen if other is m) >= m.open_seats:
            return False
        trial = [*chosen, (m, p)]
        mine = [other for other, q in trial if q == p]
        for one in mine:
            extra = [Busy(o.start, o.end, o.session_id, o.commune_id, True) for o in mine]
            extra = [b for b in extra if b.session_id != one.session_id]
            if not hard_ok(data, p, one, extra):
                return False
        return True

    def search(index: int) -> None:
        nonlocal best
        best = max(best, len(chosen))
        if index == len(pairs):
            return
        # Bound: every remaining pair taken, capped by the seats left.
        left: dict[int, int] = defaultdict(int)
        for m, _p in pairs[index:]:
            left[m.session_id] += 1
        room = sum(
            min(n, data.by_session[s].open_seats - sum(1 for o, _q in chosen if o.session_id == s))
            for s, n in left.items()
        )
        if len(chosen) + room <= best:
            return
        m, p = pairs[index]
        if valid_with(m, p):
            chosen.append((m, p))
            search(index + 1)
            chosen.pop()
        search(index + 1)

    search(0)
    return best


# --- random instances ---------------------------------------------------------------------------


@st.composite
def instances(
    draw, people_count=st.integers(1, 6), meeting_count=st.integers(1, 8), hurdles: bool = True
):
    """Random rosters; without `hurdles`, few absences, busy slots or missing certificates, so
    that the seats and monthly maximums are what limits the proposal."""
    people = list(range(1, draw(people_count) + 1))
    cycles = {
        cycle_id: {
            "seats": draw(st.integers(1, 3)),
            "monthly_max": draw(st.integers(1, 3)),
            "modules": tuple(draw(st.sets(st.sampled_from(MODULES), max_size=2))),
            "commune_id": draw(st.sampled_from([1, 2])),
        }
        for cycle_id in (1, 2)
    }
    meetings = []
    for index in range(draw(meeting_count)):
        cycle_id = draw(st.sampled_from([1, 2]))
        spec = cycles[cycle_id]
        day = FIRST_DAY + dt.timedelta(days=draw(st.integers(0, 60)))
        start = _at(day, draw(st.sampled_from([14, 15, 16])), draw(st.sampled_from([0, 30])))
        assigned = draw(
            st.lists(st.sampled_from(people), unique=True, max_size=spec["seats"] if hurdles else 1)
        )
        meetings.append(
            meeting(
                index + 1,
                cycle_id,
                start,
                draw(st.sampled_from([60, 90, 120])),
                seats=spec["seats"],
                monthly_max=spec["monthly_max"],
                modules=spec["modules"],
                commune_id=spec["commune_id"],
                assigned=[(p, "lead" if n == 0 else "co") for n, p in enumerate(assigned)],
            )
        )
    busy: dict[int, list[Busy]] = defaultdict(list)
    absences: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    windows: dict[tuple[int, int], list[Window]] = defaultdict(list)
    availability: dict[int, dict[int, list[tuple[dt.time, dt.time]]]] = {}
    certificate = 0
    for p in people:
        for n in range(draw(st.integers(0, 2 if hurdles else 1))):
            day = FIRST_DAY + dt.timedelta(days=draw(st.integers(0, 60)))
            start = _at(day, draw(st.sampled_from([9, 13, 14, 15, 16, 17])))
            busy[p].append(
                Busy(
                    start,
                    start + dt.timedelta(minutes=draw(st.sampled_from([60, 120, 180]))),
                    1000 + 10 * p + n,
                    draw(st.sampled_from([None, 1, 2, 3])),
                    draw(st.booleans()),
                )
            )
        for _n in range(draw(st.integers(0, 2 if hurdles else 1))):
            first = FIRST_DAY + dt.timedelta(days=draw(st.integers(-5, 60)))
            absences[p].append((first, first + dt.timedelta(days=draw(st.integers(0, 10)))))
        for module_id in MODULES:
            for _n in range(draw(st.integers(0 if hurdles else 1, 2))):
                certificate += 1
                start = FIRST_DAY + dt.timedelta(days=draw(st.integers(-400, 60 if hurdles else 0)))
                length = draw(st.one_of(st.none(), st.integers(0, 120)))
                end = None if length is None else start + dt.timedelta(days=length)
                windows[(p, module_id)].append(Window(start, end, certificate))
        if draw(st.booleans()):
            availability[p] = {
                draw(st.integers(0, 6)): [(dt.time(13, 0), dt.time(18, 0))],
            }
    return roster(
        meetings,
        people,
        busy=dict(busy),
        absences=dict(absences),
        availability=availability,
        windows=dict(windows),
    )


def _proposed_busy(data: RosterData, assignments, person_id: int, but: int) -> list[Busy]:
    """The person's other proposed meetings, as busy time."""
    return [
        Busy(m.start, m.end, m.session_id, m.commune_id, True)
        for session_id, p in assignments
        if p == person_id and session_id != but
        for m in [data.by_session[session_id]]
    ]


PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY
@given(instances())
def test_problems_agree_with_the_rules(data):
    for m in data.meetings:
        for p in data.people:
            found = data.problems(p, m)
            assert all(problem.code in HARD for problem in found if problem.hard)
            assert data.eligible(p, m) == hard_ok(data, p, m), (p, m, found)


def describe(data: RosterData) -> str:
    """The instance, readable in a failure report (RosterData has no repr)."""
    return "\n".join(
        [
            *(repr(m) for m in data.meetings),
            f"busy={dict(data.busy)!r}",
            f"absences={dict(data.absences)!r}",
            f"windows={data.qualifications._windows!r}",
        ]
    )


def check_proposal(data: RosterData) -> None:
    note(describe(data))
    proposal = propose(data, time_limit=10)
    note(repr(proposal))

    assert proposal.optimal
    assert len(set(proposal.assignments)) == len(proposal.assignments)
    per_meeting: dict[int, int] = defaultdict(int)
    for session_id, person_id in proposal.assignments:
        m = data.by_session[session_id]
        per_meeting[session_id] += 1
        assert all(p != person_id for p, _role in m.assigned), "already there"
        extra = _proposed_busy(data, proposal.assignments, person_id, but=session_id)
        assert hard_ok(data, person_id, m, extra), (session_id, person_id)
        # The engine's own check agrees, once told about the other proposed meetings.
        check = RosterData(
            data.meetings,
            data.people,
            busy={**data.busy, person_id: [*data.busy.get(person_id, []), *extra]},
            absences=data.absences,
            availability=data.availability,
            quals=data.qualifications,
        )
        assert not [p for p in check.problems(person_id, m) if p.hard], (session_id, person_id)
    for session_id, count in per_meeting.items():
        assert count <= data.by_session[session_id].open_seats
    assert proposal.gaps_before == sum(m.open_seats for m in data.meetings)
    assert proposal.filled == len(proposal.assignments)
    assert proposal.filled == best_coverage(data)


@PROPERTY
@given(instances())
def test_the_proposal_breaks_no_hard_rule_and_fills_the_most_seats(data):
    check_proposal(data)


@PROPERTY
@given(instances(st.integers(1, 3), st.integers(3, 8), hurdles=False))
def test_with_few_facilitators_the_monthly_maximums_decide(data):
    check_proposal(data)


# --- continuity and fairness --------------------------------------------------------------------


def _weekly(cycle_id: int, first_session: int, count: int, first_day: dt.date, **fields):
    return [
        meeting(
            first_session + n,
            cycle_id,
            _at(first_day + dt.timedelta(weeks=n), 14 + cycle_id % 3),
            **fields,
        )
        for n in range(count)
    ]


def test_the_pair_already_in_the_cycle_keeps_it():
    meetings = _weekly(1, 1, 8, dt.date(2027, 3, 3), seats=2, monthly_max=5, modules=(10,))
    for m in meetings[:2]:
        m.assigned = [(1, "lead"), (2, "co")]
    windows = {(p, 10): [Window(dt.date(2026, 1, 1), None, p)] for p in (1, 2, 3, 4)}
    data = roster(meetings, [3, 4, 1, 2], windows=windows)  # newcomers listed first

    proposal = propose(data)

    assert proposal.filled == proposal.gaps_before == 12
    assert {p for _s, p in proposal.assignments} == {1, 2}
    assert proposal.distinct_per_cycle == 2


def test_a_newcomer_joins_only_where_the_pair_cannot():
    meetings = _weekly(1, 1, 4, dt.date(2027, 3, 3), seats=2, monthly_max=5)
    meetings[0].assigned = [(1, "lead"), (2, "co")]
    absences = {2: [(meetings[3].day, meetings[3].day)]}
    data = roster(meetings, [1, 2, 3, 4], absences=absences)

    proposal = propose(data)

    assert proposal.filled == 6
    newcomers = {p for _s, p in proposal.assignments if p not in (1, 2)}
    assert len(newcomers) == 1  # one newcomer, not two
    last = {p for s, p in proposal.assignments if s == meetings[3].session_id}
    assert 2 not in last and len(last) == 2
    assert proposal.distinct_per_cycle == 3


def test_the_load_is_spread_evenly():
    # Four cycles of three meetings, two seats each, on different days: 24 seats, 4 people.
    meetings = []
    for cycle_id in range(1, 5):
        meetings += _weekly(
            cycle_id,
            10 * cycle_id,
            3,
            dt.date(2027, 3, 1) + dt.timedelta(days=cycle_id),
            seats=2,
            monthly_max=12,
        )
    data = roster(meetings, [1, 2, 3, 4])

    proposal = propose(data)

    loads: dict[int, int] = defaultdict(int)
    for _session, person_id in proposal.assignments:
        loads[person_id] += 1
    assert proposal.filled == 24
    assert proposal.distinct_per_cycle == 2  # a pair per cycle
    assert proposal.max_load == max(loads.values()) == 6
    assert sorted(loads.values()) == [6, 6, 6, 6]


def test_existing_load_counts_in_the_spread():
    meetings = _weekly(1, 1, 4, dt.date(2027, 3, 3), seats=1, monthly_max=9)
    other = _weekly(2, 10, 4, dt.date(2027, 3, 4), seats=1, monthly_max=9)
    for m in other:
        m.assigned = [(1, "lead")]
    data = roster([*meetings, *other], [1, 2])

    proposal = propose(data)

    assert proposal.filled == 4
    assert {p for _s, p in proposal.assignments} == {2}
    assert proposal.max_load == 4


def test_ranked_puts_the_eligible_first_and_the_pair_before_newcomers():
    meetings = _weekly(1, 1, 3, dt.date(2027, 3, 3), seats=2, monthly_max=5, modules=(10,))
    meetings[0].assigned = [(1, "lead"), (2, "co")]
    windows = {(p, 10): [Window(dt.date(2026, 1, 1), None, p)] for p in (1, 2, 3)}
    data = roster(meetings, [4, 3, 2, 1], windows=windows)

    ranked = data.ranked(meetings[1])

    assert [person.pk for person, _found in ranked] == [1, 2, 3, 4]
    assert [bool(found) for _person, found in ranked] == [False, False, False, True]
    assert [p.code for p in ranked[-1][1]] == ["qualification"]


def test_each_meeting_s_own_monthly_maximum_binds():
    # Cycle 1 allows one meeting a month, cycle 2 three: taking both of cycle 2's meetings
    # respects every maximum, though cycle 1's candidate then has to go.
    strict = meeting(1, 1, _at(dt.date(2027, 3, 3), 14), monthly_max=1, seats=1)
    lenient = [
        meeting(2, 2, _at(dt.date(2027, 3, 4), 14), monthly_max=3, seats=1),
        meeting(3, 2, _at(dt.date(2027, 3, 11), 14), monthly_max=3, seats=1),
    ]
    data = roster([strict, *lenient], [1])

    proposal = propose(data)

    assert best_coverage(data) == 2
    assert proposal.filled == 2
    assert proposal.assignments == ((2, 1), (3, 1))
