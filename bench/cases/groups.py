"""Support-group rosters at the size of a commune's school year: 6 cycles of 36 weekly meetings,
2 seats each, 25 facilitators (20 qualified), a third of the meetings already staffed.

- `roster_board_commune_year`: what the roster board needs (RosterData.load and every
  meeting's eligible count), with its query count next to the same for one cycle: constant;
- `roster_proposal_commune_year`: the CP-SAT proposal for every gap, with coverage,
  continuity (facilitators per cycle) and the heaviest load next to its time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import recurrence
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.harness import Case
from certificates import services as certificate_services
from groups import roster
from groups.models import Cycle, CycleStatus, Programme
from lms.models import ModulePage
from network import roles
from network.models import Commune
from sessions import services as session_services
from sessions.models import Assignment, Series, Session, StaffRole, Venue

PREFIX = "bench-roster-"
CYCLES = 6
MEETINGS = 36
PEOPLE = 25
QUALIFIED = 20


def _setup() -> tuple[list[Cycle], list]:
    commune = Commune.objects.get(name="Esneux")
    venue, _ = Venue.objects.get_or_create(
        name=f"{PREFIX}salle", defaults={"commune": commune, "confidential_address": True}
    )
    module = ModulePage.objects.live().order_by("pk").first()
    programme, _ = Programme.objects.get_or_create(
        name=f"{PREFIX}programme", defaults={"audience": "children", "age_min": 6, "age_max": 11}
    )
    programme.required_modules.set([module])
    group = Group.objects.get(name=roles.FACILITATOR.name)
    user_model = get_user_model()
    people = []
    for number in range(PEOPLE):
        person, created = user_model.objects.get_or_create(
            username=f"{PREFIX}{number:02d}",
            defaults={"first_name": "Anim", "last_name": f"Bench {number:02d}"},
        )
        person.groups.add(group)
        people.append(person)
        if created and number < QUALIFIED:
            certificate_services.record_external(
                holder=person,
                module=module,
                title=module.title,
                issuer_name="Pôle Ressources",
                issued_on=timezone.localdate() - dt.timedelta(days=30),
                hours=Decimal(6),
                origin="bench",
            )
    cycles = []
    start = timezone.localdate() + dt.timedelta(days=7)
    for number in range(CYCLES):
        name = f"{PREFIX}cycle-{number}"
        cycle = Cycle.objects.filter(name=name).first()
        if cycle is None:
            first = start + dt.timedelta(days=number % 5)
            series = Series.objects.create(
                title=name,
                public_title="Groupe enfants — Esneux",
                commune=commune,
                venue=venue,
                start_date=first,
                start_time=dt.time(14, 0) if number < 5 else dt.time(16, 30),
                duration_minutes=90,
                rule=recurrence.deserialize(f"RRULE:FREQ=WEEKLY;COUNT={MEETINGS}"),
                skip_public_holidays=False,
                skip_school_holidays=False,
            )
            session_services.regenerate(series)
            cycle = Cycle.objects.create(
                programme=programme,
                name=name,
                commune=commune,
                venue=venue,
                series=series,
                status=CycleStatus.RUNNING,
                monthly_max=6,
            )
            # A third of the meetings staffed by the cycle's own pair.
            pair = people[(2 * number) % QUALIFIED], people[(2 * number + 1) % QUALIFIED]
            for session in series.sessions.order_by("start")[: MEETINGS // 3]:
                for person, role in zip(pair, (StaffRole.LEAD, StaffRole.CO), strict=True):
                    Assignment.objects.get_or_create(
                        session=session, person=person, defaults={"role": role}
                    )
        cycles.append(cycle)
    return cycles, people


def _board(cycles, people) -> int:
    data = roster.RosterData.load(cycles, people)
    eligible = 0
    for meeting in data.meetings:
        if meeting.open_seats:
            eligible += sum(1 for person_id in data.people if data.eligible(person_id, meeting))
    return eligible


def _bare_meetings(cycles) -> int:
    """The bare cost: the meetings of the cycles and their seats, two plain queries."""
    ids = list(Session.objects.filter(series__support_cycle__in=cycles).values_list("pk", "start"))
    seats = list(
        Assignment.objects.filter(session_id__in=[pk for pk, _start in ids]).values_list(
            "session_id", "person_id"
        )
    )
    return len(ids) + len(seats)


def _greedy(data: roster.RosterData) -> int:
    """What a planner without a solver does: each gap, in date order, gets the best-ranked
    eligible facilitator, then the next gap. Returns the seats filled."""
    extra: dict[tuple[int, tuple[int, int]], int] = {}
    taken: dict[int, list] = {}
    filled = 0
    for meeting in data.meetings:
        for _seat in range(meeting.open_seats):
            for person, found in data.ranked(meeting):
                if any(p.hard for p in found):
                    continue
                mine = taken.setdefault(person.pk, [])
                if any(m is meeting or m.overlaps(meeting.start, meeting.end) for m in mine):
                    continue
                more = extra.get((person.pk, meeting.month), 0)
                if more and any(p.hard for p in data.problems(person.pk, meeting, extra_load=more)):
                    continue
                mine.append(meeting)
                extra[(person.pk, meeting.month)] = more + 1
                filled += 1
                break
    return filled


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


def cases(dataset: dict):
    cycles, people = _setup()
    one_cycle_queries = _queries(lambda: _board(cycles[:1], people[:5]))
    data = roster.RosterData.load(cycles, people)
    gaps = sum(m.open_seats for m in data.meetings)
    yield Case(
        name="roster_board_commune_year",
        description=(
            f"RosterData.load + eligibility of every gap: {CYCLES} cycles x {MEETINGS} meetings "
            f"x 2 seats, {PEOPLE} facilitators ({QUALIFIED} qualified)"
        ),
        run=lambda: _board(cycles, people),
        baseline_name="bare_meetings_and_seats_query",
        baseline=lambda: _bare_meetings(cycles),
        runs=9,
        warmup=1,
        extra={
            "meetings": len(data.meetings),
            "gaps": gaps,
            "facilitators": PEOPLE,
            "queries_one_cycle_5_people": one_cycle_queries,
        },
    )
    proposal = roster.propose(roster.RosterData.load(cycles, people))
    greedy_filled = _greedy(roster.RosterData.load(cycles, people))
    yield Case(
        name="roster_proposal_commune_year",
        description="groups.roster.propose (CP-SAT: coverage, then continuity, then load)",
        run=lambda: roster.propose(roster.RosterData.load(cycles, people)),
        baseline_name="greedy_first_ranked",
        baseline=lambda: _greedy(roster.RosterData.load(cycles, people)),
        runs=3,
        warmup=0,
        extra={
            "gaps": proposal.gaps_before,
            "filled": proposal.filled,
            "coverage": round(proposal.coverage, 4),
            "facilitators_per_cycle": round(proposal.distinct_per_cycle, 2),
            "max_load": proposal.max_load,
            "optimal": proposal.optimal,
            "greedy_filled": greedy_filled,
            "greedy_coverage": round(greedy_filled / proposal.gaps_before, 4)
            if proposal.gaps_before
            else 1.0,
        },
    )
