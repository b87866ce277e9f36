"""Roster changes through groups' services: the roster engine's hard rules are enforced when a
coordinator assigns, and a proposal is checked again when it is accepted."""

import pytest

from groups import exceptions, roster, services
from groups.models import CycleStatus
from sessions.models import Absence, Assignment, StaffRole

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting_cycle(demo_data):
    return f.cycle(f.wednesdays(f.quiet_month(), 4), status=CycleStatus.RUNNING, monthly_max=4)


def test_a_coordinator_assigns_a_qualified_facilitator(meeting_cycle):
    first = f.meetings(meeting_cycle)[0]
    made = services.assign(f.user("coord-esneux"), first, f.user("animateur"))
    assert made.session == first and made.person.username == "animateur"


def test_an_unqualified_person_is_refused_with_the_reason(meeting_cycle):
    first = f.meetings(meeting_cycle)[0]
    with pytest.raises(exceptions.NotEligible) as refused:
        services.assign(f.user("coord-esneux"), first, f.user("pro-01"))
    assert "qualifié" in str(refused.value.message)
    assert not Assignment.objects.filter(session=first).exists()


def test_a_full_meeting_and_a_stranger_are_refused(meeting_cycle):
    first = f.meetings(meeting_cycle)[0]
    coordinator = f.user("coord-esneux")
    services.assign(coordinator, first, f.user("animateur"))
    services.assign(coordinator, first, f.user("anim-04"))
    with pytest.raises(exceptions.NoSeatLeft):
        services.assign(coordinator, first, f.user("anim-05"))
    with pytest.raises(exceptions.NotAllowed):
        services.assign(f.user("professionnelle"), f.meetings(meeting_cycle)[1], f.user("anim-05"))


def test_the_monthly_maximum_is_enforced_when_assigning(demo_data):
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 3), monthly_max=2)
    coordinator, person = f.user("coord-esneux"), f.user("anim-04")
    first, second, third = f.meetings(cycle)
    services.assign(coordinator, first, person)
    services.assign(coordinator, second, person)
    with pytest.raises(exceptions.NotEligible):
        services.assign(coordinator, third, person)


def test_an_accepted_proposal_skips_what_no_longer_holds(meeting_cycle):
    people = [f.user(name) for name in ("animateur", "anim-04", "anim-05")]
    proposal = roster.propose(roster.RosterData.load([meeting_cycle], people))
    assert proposal.filled == 8
    # Someone proposed for the first meeting falls ill before the coordinator accepts.
    first = f.meetings(meeting_cycle)[0]
    ill = next(p for s, p in proposal.assignments if s == first.pk)
    day = first.start.astimezone(f.BRUSSELS).date()
    Absence.objects.create(person_id=ill, start_date=day, end_date=day)

    applied = services.apply_proposal(f.user("coord-esneux"), proposal)

    assert len(applied.assigned) == 7
    assert [(s, p) for s, p, _why in applied.skipped] == [(first.pk, ill)]
    assert "Absent" in applied.skipped[0][2]
    assert not Assignment.objects.filter(session=first, person_id=ill).exists()


def test_an_accepted_proposal_gives_each_meeting_its_lead_when_the_programme_wants_one(
    demo_data,
):
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 2), of=f.programme(lead_required=True))
    people = [f.user(name) for name in ("animateur", "anim-04")]
    proposal = roster.propose(roster.RosterData.load([cycle], people))

    services.apply_proposal(f.user("coord-esneux"), proposal)

    for meeting in f.meetings(cycle):
        roles = sorted(meeting.assignments.values_list("role", flat=True))
        assert roles == sorted([StaffRole.LEAD, StaffRole.CO])
