"""The roster read from the database: meetings, and why each facilitator may or may not take one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from groups.roster import (
    HARD_ABSENT,
    HARD_MONTHLY,
    HARD_OVERLAP,
    HARD_QUALIFICATION,
    SOFT_TOO_CLOSE,
    SOFT_UNAVAILABLE,
    RosterData,
    facilitators,
    propose,
)
from lms.models import Enrolment, EnrolmentStatus, ModulePage
from network import roles
from sessions import services as session_services
from sessions.models import Absence, Availability, StaffRole, Venue
from tests.lms_tests import factories as lms_factories

from . import factories as f

pytestmark = pytest.mark.django_db


def codes(problems) -> set[str]:
    return {p.code for p in problems}


def hard(problems) -> set[str]:
    return {p.code for p in problems if p.hard}


@pytest.fixture
def month(demo_data):
    return f.quiet_month()


@pytest.fixture
def group(month):
    """A cycle in Esneux: four Wednesday meetings, 16:00–17:30, two facilitators each."""
    return f.cycle(f.wednesdays(month, 4), monthly_max=3)


@pytest.fixture
def people(demo_data):
    return [f.user(name) for name in f.FACILITATORS]


def test_load_gives_the_cycle_s_meetings(group, people):
    sessions = f.meetings(group)
    f.assign(sessions[0], people[0], StaffRole.LEAD)
    f.assign(sessions[0], people[1], StaffRole.CO)
    f.assign(sessions[1], f.user("formatrice"), StaffRole.TRAINER)  # not a facilitator
    session_services.cancel_session(sessions[3], "Congé")
    module = ModulePage.objects.get(code="RES-GRP")

    data = RosterData.load([group], people)

    assert [m.session_id for m in data.meetings] == [s.pk for s in sessions[:3]]
    first = data.meetings[0]
    assert first.cycle_id == group.pk
    assert first.seats == 2 and first.monthly_max == 3
    assert first.required_modules == (module.pk,)
    assert first.commune_id == group.commune_id
    assert first.day == sessions[0].start.astimezone(f.BRUSSELS).date()
    assert first.month == (first.day.year, first.day.month)
    assert sorted(first.assigned) == sorted(
        [(people[0].pk, StaffRole.LEAD), (people[1].pk, StaffRole.CO)]
    )
    assert first.open_seats == 0
    assert data.meetings[1].assigned == [] and data.meetings[1].open_seats == 2
    assert set(data.people) == {p.pk for p in people}


def test_the_demo_facilitators_are_the_candidates(demo_data):
    assert {p.get_username() for p in facilitators()} == set(f.FACILITATORS)


def test_problems_say_why_a_facilitator_may_not_take_a_meeting(group, people, month):
    sessions = f.meetings(group)
    first, second = sessions[0], sessions[1]
    by_name = {p.get_username(): p for p in people}
    # anim-01 is away on the first meeting's day.
    day = first.start.astimezone(f.BRUSSELS).date()
    Absence.objects.create(person=by_name["anim-01"], start_date=day, end_date=day)
    # A facilitator without any certificate.
    newcomer = f.member("anim-sans-attestation", roles.FACILITATOR, ("Esneux",))
    # anim-02 co-facilitates another group in Sprimont at the same time.
    elsewhere = f.cycle([day], commune_name="Sprimont", at=dt.time(15, 30))
    f.assign(f.meetings(elsewhere)[0], by_name["anim-02"])
    # anim-03 attends a training overlapping the second meeting.
    second_day = second.start.astimezone(f.BRUSSELS).date()
    run = lms_factories.run(
        ModulePage.objects.get(code="PR-VEP"), days=[second_day], at=dt.time(14, 0)
    )
    Enrolment.objects.create(run=run, person=by_name["anim-03"], status=EnrolmentStatus.CONFIRMED)
    # anim-04 already facilitates three meetings that month (the cycle allows three).
    busy_month = f.cycle([month + dt.timedelta(days=n) for n in (0, 1, 2)], at=dt.time(10, 0))
    for session in f.meetings(busy_month):
        f.assign(session, by_name["anim-04"])
    # animateur declared Mondays only; anim-05 ends a session in Trooz 15 minutes before.
    Availability.objects.create(
        person=by_name["animateur"], weekday=0, start_time=dt.time(9), end_time=dt.time(18)
    )
    trooz = f.cycle([day], commune_name="Trooz", at=dt.time(14, 15), minutes=90)
    trooz_session = f.meetings(trooz)[0]
    trooz_session.venue = Venue.objects.create(name="Salle de Trooz", commune=f.commune("Trooz"))
    trooz_session.save()
    f.assign(trooz_session, by_name["anim-05"])

    data = RosterData.load([group], [*people, newcomer])
    meeting = data.by_session[first.pk]

    assert hard(data.problems(by_name["anim-01"].pk, meeting)) == {HARD_ABSENT}
    assert hard(data.problems(newcomer.pk, meeting)) == {HARD_QUALIFICATION}
    assert hard(data.problems(by_name["anim-02"].pk, meeting)) == {HARD_OVERLAP}
    assert hard(data.problems(by_name["anim-03"].pk, data.by_session[second.pk])) == {HARD_OVERLAP}
    assert hard(data.problems(by_name["anim-03"].pk, meeting)) == set()
    assert hard(data.problems(by_name["anim-04"].pk, meeting)) == {HARD_MONTHLY}
    assert codes(data.problems(by_name["animateur"].pk, meeting)) == {SOFT_UNAVAILABLE}
    assert codes(data.problems(by_name["anim-05"].pk, meeting)) == {SOFT_TOO_CLOSE}
    assert data.problems(by_name["anim-06"].pk, meeting) == []
    for problem in data.problems(newcomer.pk, meeting):
        assert problem.message  # a sentence a coordinator can read

    ranked = data.ranked(meeting)
    eligible = [not any(p.hard for p in found) for _person, found in ranked]
    assert eligible == sorted(eligible, reverse=True)  # every eligible one before the others
    names = [person.get_username() for person, _found in ranked]
    # No problem at all first, then a soft one (the lighter month first).
    assert set(names[:3]) == {"anim-06", "anim-07", "anim-03"}
    assert names[3:5] == ["animateur", "anim-05"]
    assert set(names[5:]) == {"anim-01", "anim-02", "anim-04", "anim-sans-attestation"}

    proposal = propose(data)
    for session_id, person_id in proposal.assignments:
        assert data.eligible(person_id, data.by_session[session_id])
    assert proposal.filled == proposal.gaps_before == 8


def test_a_facilitator_already_in_the_cycle_comes_first(group, people):
    sessions = f.meetings(group)
    f.assign(sessions[0], people[7], StaffRole.LEAD)

    data = RosterData.load([group], people)

    ranked = data.ranked(data.by_session[sessions[1].pk])
    assert ranked[0][0] == people[7]


def test_an_expired_certificate_is_reported_as_such(demo_data, month):
    # anim-01's PR-VEP certificate (demo) expires within two months; the cycle is later.
    the_cycle = f.cycle(f.wednesdays(month, 1), of=f.programme(("RES-GRP", "PR-VEP")))
    person = f.user("anim-01")

    data = RosterData.load([the_cycle], [person])

    found = data.problems(person.pk, data.meetings[0])
    assert hard(found) == {HARD_QUALIFICATION}
    assert "2027" in found[0].message  # the day it expired


def _scene(cycles: int, meetings: int, people: int, first: dt.date):
    """Cycles with weekly meetings, and people with something of everything."""
    made = [
        f.cycle(
            [first + dt.timedelta(weeks=n, days=c) for n in range(meetings)],
            at=dt.time(14 + c, 0),
        )
        for c in range(cycles)
    ]
    user_model = get_user_model()
    names = [*f.FACILITATORS, *(f"pro-{n:02d}" for n in range(1, 40))][:people]
    found = list(user_model.objects.filter(username__in=names).order_by("username"))
    assert len(found) == people
    for index, person in enumerate(found):
        cycle = made[index % cycles]
        session = f.meetings(cycle)[index % meetings]
        if index % 3 == 0:
            f.assign(session, person)
        day = session.start.astimezone(f.BRUSSELS).date()
        Absence.objects.create(person=person, start_date=day, end_date=day)
        Availability.objects.create(
            person=person, weekday=2, start_time=dt.time(9), end_time=dt.time(20)
        )
    run = lms_factories.run(ModulePage.objects.get(code="PR-VEP"), days=[first])
    for person in found[:3]:
        Enrolment.objects.create(run=run, person=person, status=EnrolmentStatus.CONFIRMED)
    return made, found


@pytest.mark.parametrize("size", [(1, 4, 8), (3, 12, 25)])
def test_load_reads_the_database_in_a_fixed_number_of_queries(
    demo_data, django_assert_num_queries, size
):
    cycles, people = _scene(*size, first=f.quiet_month())

    with django_assert_num_queries(9):
        data = RosterData.load(cycles, people)

    assert len(data.meetings) == size[0] * size[1]
    assert sum(len(v) for v in data.absences.values()) == size[2]
    assert any(b for b in data.busy.values())
