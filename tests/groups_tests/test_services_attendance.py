"""Taking attendance at a group meeting: who is on the sheet, who may mark it (the facilitators
of that very meeting and the commune's coordinators), and marks written all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from groups import exceptions, services
from groups.models import (
    Cycle,
    CycleStatus,
    MeetingAttendance,
    Membership,
    MembershipStatus,
    Participant,
    ReferralSource,
)
from network.models import AuditEntry
from sessions.models import StaffRole

from . import factories as f

pytestmark = pytest.mark.django_db


def day_of(session) -> dt.date:
    return session.start.astimezone(f.BRUSSELS).date()


def enrol(cycle, alias: str, status=MembershipStatus.ADMITTED, **fields) -> Membership:
    child = Participant.objects.create(
        alias=alias,
        birth_year=2016,
        referral_source=ReferralSource.SCHOOL,
        commune=f.commune("Esneux"),
    )
    return Membership.objects.create(cycle=cycle, participant=child, status=status, **fields)


def aliases(memberships) -> list[str]:
    return [m.participant.alias for m in memberships]


@pytest.fixture
def scene(demo_data):
    """Three Wednesdays in Esneux: anim-04 and anim-03 run the first, anim-05 the second;
    children in every situation a membership can be in."""
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 3), status=CycleStatus.RUNNING)
    m = f.meetings(cycle)
    f.assign(m[0], f.user("anim-04"), StaffRole.LEAD)
    f.assign(m[0], f.user("anim-03"))
    f.assign(m[1], f.user("anim-05"), StaffRole.LEAD)
    first, second = day_of(m[0]), day_of(m[1])
    other = f.cycle(f.wednesdays(f.quiet_month(), 1), status=CycleStatus.RUNNING)
    children = {
        "admitted": enrol(cycle, "Amélie", admitted_on=first - dt.timedelta(days=10)),
        "admitted_undated": enrol(cycle, "Bérénice"),
        "left_later": enrol(
            cycle, "Côme", MembershipStatus.LEFT, left_on=first + dt.timedelta(days=3)
        ),
        "left_that_day": enrol(cycle, "Dalia", MembershipStatus.LEFT, left_on=first),
        "referred": enrol(cycle, "Éloi", MembershipStatus.REFERRED),
        "intake": enrol(cycle, "Fanny", MembershipStatus.INTAKE_DONE),
        "admitted_later": enrol(cycle, "Gaspard", admitted_on=second),
        "other_cycle": enrol(other, "Hortense"),
    }
    return {"cycle": cycle, "meetings": m, "children": children}


def during(session):
    """An hour after the meeting started."""
    return time_machine.travel(session.start + dt.timedelta(hours=1), tick=False)


def test_the_sheet_lists_the_children_expected_that_day(scene):
    m = scene["meetings"]
    assert aliases(services.attendance_sheet_memberships(m[0])) == ["Amélie", "Bérénice", "Côme"]
    # A week later Côme has left and Gaspard has joined.
    assert aliases(services.attendance_sheet_memberships(m[1])) == [
        "Amélie",
        "Bérénice",
        "Gaspard",
    ]


@pytest.mark.parametrize(
    ("who", "meeting", "allowed"),
    [
        ("anim-04", 0, True),  # assigned to that meeting
        ("anim-03", 0, True),
        ("anim-04", 1, False),  # a meeting of the same cycle they do not run
        ("anim-05", 0, False),  # runs another meeting of the cycle
        ("anim-05", 1, True),
        ("animateur", 0, False),  # a facilitator with no seat in the cycle
        ("coord-esneux", 0, True),  # the commune's coordinator
        ("coord-esneux", 2, True),  # even a meeting nobody staffs yet
        ("coord-sprimont", 0, False),
        ("coordination", 0, False),  # the network coordination holds no role in this cycle
        ("professionnelle", 0, False),
    ],
)
def test_who_may_take_attendance(scene, who, meeting, allowed):
    assert services.may_take_attendance(f.user(who), scene["meetings"][meeting]) is allowed


def test_the_network_coordination_takes_it_where_it_is_in_charge(scene):
    coordination = f.user("coordination")
    Cycle.objects.filter(pk=scene["cycle"].pk).update(coordinator=coordination)
    assert services.may_take_attendance(coordination, scene["meetings"][0])


def test_a_facilitator_no_longer_takes_it_a_month_after_the_cycle_closed(scene):
    cycle, first = scene["cycle"], scene["meetings"][0]
    cycle.status = CycleStatus.CLOSED
    cycle.save()
    assert services.may_take_attendance(f.user("anim-04"), first)  # closed today: still
    Cycle.objects.filter(pk=cycle.pk).update(closed_at=timezone.now() - dt.timedelta(days=31))
    assert not services.may_take_attendance(f.user("anim-04"), first)
    assert services.may_take_attendance(f.user("coord-esneux"), first)


def test_marks_are_written_and_marking_again_overwrites(scene):
    first, c = scene["meetings"][0], scene["children"]
    anim, coordinator = f.user("anim-04"), f.user("coord-esneux")
    with during(first):
        written = services.mark_attendance(
            anim,
            first,
            {c["admitted"].pk: "present", c["admitted_undated"].pk: "absent"},
        )
        assert written == 2
        services.mark_attendance(
            coordinator, first, {c["admitted"].pk: "excused", c["left_later"].pk: "present"}
        )
    rows = {
        a.membership_id: (a.status, a.marked_by.username)
        for a in MeetingAttendance.objects.filter(session=first)
    }
    assert rows == {
        c["admitted"].pk: ("excused", "coord-esneux"),
        c["admitted_undated"].pk: ("absent", "anim-04"),
        c["left_later"].pk: ("present", "coord-esneux"),
    }
    assert (
        AuditEntry.objects.filter(action="groups.attendance.mark", object_key=str(first.pk)).count()
        == 2
    )


@pytest.mark.parametrize(
    "wrong", ["referred", "intake", "left_that_day", "admitted_later", "other_cycle"]
)
def test_a_child_not_on_the_sheet_writes_nothing(scene, wrong):
    first, c = scene["meetings"][0], scene["children"]
    with during(first), pytest.raises(exceptions.NotOnTheSheet):
        services.mark_attendance(
            f.user("anim-04"), first, {c["admitted"].pk: "present", c[wrong].pk: "present"}
        )
    assert not MeetingAttendance.objects.filter(session=first).exists()
    assert not AuditEntry.objects.filter(
        action="groups.attendance.mark", object_key=str(first.pk)
    ).exists()


def test_an_unknown_status_writes_nothing(scene):
    first, c = scene["meetings"][0], scene["children"]
    with during(first):
        services.mark_attendance(f.user("anim-04"), first, {c["admitted"].pk: "present"})
        with pytest.raises(exceptions.UnknownAttendanceStatus) as refused:
            services.mark_attendance(
                f.user("anim-04"),
                first,
                {c["admitted"].pk: "absent", c["left_later"].pk: "late"},
            )
    assert "excused" in str(refused.value.message) or "excusé" in str(refused.value.message)
    # The earlier mark stands; the one before the wrong status was not written either.
    assert list(
        MeetingAttendance.objects.filter(session=first).values_list("membership_id", "status")
    ) == [(c["admitted"].pk, "present")]


def test_not_before_two_hours_ahead(scene):
    first, c = scene["meetings"][0], scene["children"]
    anim = f.user("anim-04")
    marks = {c["admitted"].pk: "present"}
    too_early = time_machine.travel(first.start - dt.timedelta(hours=2, minutes=1), tick=False)
    with too_early, pytest.raises(exceptions.MeetingNotYet):
        services.mark_attendance(anim, first, marks)
    assert not MeetingAttendance.objects.filter(session=first).exists()
    with time_machine.travel(first.start - dt.timedelta(hours=1, minutes=59), tick=False):
        assert services.mark_attendance(anim, first, marks) == 1


@pytest.mark.parametrize("who", ["anim-05", "coordination", "professionnelle"])
def test_someone_who_may_not_take_it_writes_nothing(scene, who):
    first, c = scene["meetings"][0], scene["children"]
    with during(first), pytest.raises(exceptions.NotAllowed):
        services.mark_attendance(f.user(who), first, {c["admitted"].pk: "present"})
    assert not MeetingAttendance.objects.filter(session=first).exists()


def test_the_sheet_is_read_in_a_fixed_number_of_queries(scene, django_assert_num_queries):
    """The safety instructions come with the children, however many there are."""
    first = scene["meetings"][0]
    with django_assert_num_queries(3):
        sheet = list(services.attendance_sheet_memberships(first))
        instructions = [list(m.participant.safety_instructions.all()) for m in sheet]
    for n in range(4):
        enrol(scene["cycle"], f"Enfant {n}")
    first = scene["meetings"][0]
    with django_assert_num_queries(3):
        sheet = list(services.attendance_sheet_memberships(first))
        instructions = [list(m.participant.safety_instructions.all()) for m in sheet]
    assert len(sheet) == len(instructions) == 7
