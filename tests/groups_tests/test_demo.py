"""The demo's support groups: what a coordinator, a facilitator and a browser journey find."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from groups import roster, services, statistics
from groups.models import (
    Consent,
    Cycle,
    CycleStatus,
    MeetingAttendance,
    MeetingAttendanceStatus,
    Membership,
    MembershipStatus,
    Participant,
    Programme,
    SafetyInstruction,
    SafetyKind,
)
from hub.demo.groups import ESNEUX
from sessions.models import Absence, Assignment, ClosureKind, Series, Session

from . import factories as f

pytestmark = pytest.mark.django_db


def _esneux() -> Cycle:
    return Cycle.objects.select_related("series", "commune").get(commune__name="Esneux")


def _local(session: Session) -> dt.datetime:
    return timezone.localtime(session.start, f.BRUSSELS)


def test_two_programmes_require_the_facilitators_qualification(demo_data):
    programmes = Programme.objects.order_by("name")
    assert [p.audience for p in programmes] == ["adolescents", "children"]
    for programme in programmes:
        codes = set(programme.required_modules.values_list("code", flat=True))
        assert codes == {"PR-VEP", "RES-GRP"}
        assert programme.contact and programme.public_description


def test_three_cycles_in_three_communes(demo_data):
    cycles = {c.commune.name: c for c in Cycle.objects.select_related("commune", "series")}
    assert {name: c.status for name, c in cycles.items()} == {
        "Esneux": CycleStatus.RUNNING,
        "Sprimont": CycleStatus.OPEN,
        "Aywaille": CycleStatus.PLANNING,
    }
    for name, cycle in cycles.items():
        assert cycle.series.public_title.endswith(f"— {name}")
        assert cycle.venue.commune_id == cycle.commune_id and cycle.venue.confidential_address
        meetings = f.meetings(cycle)
        assert 10 <= len(meetings) <= 12
        assert {(_local(m).weekday(), _local(m).time()) for m in meetings} == {(2, dt.time(14, 0))}


def test_meetings_are_outside_school_holidays_but_the_latest_past_one(demo_data):
    from sessions.models import Closure

    holidays = list(
        Closure.objects.filter(
            kind__in=(ClosureKind.SCHOOL_HOLIDAY, ClosureKind.PUBLIC_HOLIDAY)
        ).values_list("start_date", "end_date")
    )
    today = timezone.localdate()
    for cycle in Cycle.objects.all():
        for meeting in f.meetings(cycle):
            day = _local(meeting).date()
            if cycle.status == CycleStatus.RUNNING and today - dt.timedelta(days=7) <= day < today:
                continue  # a running group meets on the last Wednesday, whatever the calendar
            assert not any(first <= day <= last for first, last in holidays), (cycle, day)


def test_animateur_has_a_recent_meeting_of_the_esneux_group_to_take_attendance_of(demo_data):
    cycle = _esneux()
    animateur = f.user("animateur")
    now = timezone.now()
    past = [m for m in f.meetings(cycle) if m.end <= now]
    assert past  # one or more (after the summer holidays, only the last Wednesday's)
    recent = past[-1]
    assert now - recent.start <= dt.timedelta(days=7)
    assert Assignment.objects.filter(session=recent, person=animateur).exists()
    # Not taken yet: the facilitator takes it (a browser journey does).
    assert not MeetingAttendance.objects.filter(session=recent).exists()
    assert services.may_take_attendance(animateur, recent)
    sheet = list(services.attendance_sheet_memberships(recent))
    assert 6 <= len(sheet) <= 8
    written = services.mark_attendance(
        animateur, recent, {m.pk: MeetingAttendanceStatus.PRESENT for m in sheet}
    )
    assert written == len(sheet)
    # The earlier meetings have their attendance.
    for meeting in past[:-1]:
        assert MeetingAttendance.objects.filter(session=meeting).exists()


def test_the_esneux_group_is_run_in_pairs_with_a_gap_left_by_an_absence(demo_data):
    cycle = _esneux()
    animateur, colleague = f.user("animateur"), f.user("anim-03")
    now = timezone.now()
    meetings = f.meetings(cycle)
    both = {"animateur", "anim-03"}
    pairs = [
        m for m in meetings if set(m.assignments.values_list("person__username", flat=True)) == both
    ]
    assert len(pairs) > len(meetings) / 2

    data = roster.RosterData.load([cycle], roster.facilitators())
    upcoming = [m for m in meetings if m.start > now]
    gap = upcoming[0]
    assert gap.start - now <= dt.timedelta(days=14) or not any(
        m.start - now <= dt.timedelta(days=14) for m in upcoming
    )
    meeting = data.by_session[gap.pk]
    assert meeting.assigned == [(animateur.pk, "lead")]
    assert meeting.open_seats == 1
    day = _local(gap).date()
    assert Absence.objects.filter(person=colleague, start_date__lte=day, end_date__gte=day)
    assert any(p.code == roster.HARD_ABSENT for p in data.problems(colleague.pk, meeting))
    assert any(data.eligible(person_id, meeting) for person_id in data.people)
    assert upcoming[-1].assignments.count() == 0  # the last meetings are still to plan


def test_no_demo_assignment_breaks_a_roster_rule(demo_data):
    cycles = list(Cycle.objects.all())
    data = roster.RosterData.load(cycles, roster.facilitators())
    assigned = [(m, person) for m in data.meetings for person, _role in m.assigned]
    assert assigned
    for meeting, person in assigned:
        problems = [p.message for p in data.problems(person, meeting) if p.hard]
        assert problems == [], (meeting.day, person, problems)


def test_animateur_is_qualified_and_some_colleagues_will_not_be(demo_data):
    data = roster.RosterData.load(Cycle.objects.all(), roster.facilitators())
    animateur = f.user("animateur")
    for meeting in data.meetings:
        assert not [p for p in data.problems(animateur.pk, meeting) if p.code == "qualification"]
    expiring = f.user("anim-01")
    last = data.meetings[-1]
    assert any(p.code == roster.HARD_QUALIFICATION for p in data.problems(expiring.pk, last))


def test_children_with_aliases_consents_and_safety_instructions(demo_data):
    esneux = Membership.objects.filter(cycle=_esneux())
    assert 6 <= esneux.count() <= 8
    assert esneux.filter(status=MembershipStatus.LEFT).exists()
    for membership in esneux.select_related("participant"):
        child = membership.participant
        assert child.alias and child.code.startswith("P-")
        assert Consent.objects.filter(participant=child).exists()
        assert SafetyInstruction.objects.filter(
            participant=child, kind=SafetyKind.AUTHORISED_PICKUP
        ).exists()
    assert SafetyInstruction.objects.filter(kind=SafetyKind.NEVER_HAND_OVER).exclude(who="")
    elsewhere = Membership.objects.exclude(cycle=_esneux())
    assert 0 < elsewhere.count() < esneux.count()
    assert Participant.objects.count() == len({p.code for p in Participant.objects.all()})


def test_the_statistics_show_the_demo(demo_data):
    rows = statistics.figures(f.user("coord-esneux"), statistics.SchoolYear.current())
    (row,) = rows
    assert row.commune.name == "Esneux"
    held = Session.objects.filter(series=_esneux().series, end__lte=timezone.now()).count()
    if statistics.SchoolYear.of(_local(f.meetings(_esneux())[0]).date()) == (
        statistics.SchoolYear.current()
    ):
        assert row.meetings_held == held
        assert row.shown_admitted == 7


def _snapshot() -> dict:
    models = (
        Programme,
        Cycle,
        Participant,
        Consent,
        SafetyInstruction,
        Membership,
        MeetingAttendance,
        Series,
        Session,
        Assignment,
        Absence,
    )
    snapshot = {}
    for model in models:
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if field.attname not in ("updated_at", "rule")  # a rule's repr has its address
        ]
        snapshot[model.__name__] = sorted(map(repr, model.objects.values_list(*fields)))
    return snapshot


def test_loading_the_demo_again_changes_no_group(demo_data, mailoutbox):
    before = _snapshot()

    call_command("load_demo_data", "--quiet-accounts", verbosity=0)

    assert _snapshot() == before
    assert mailoutbox == []
    assert Cycle.objects.filter(name=ESNEUX.name).count() == 1


def test_the_demo_programmes_tell_the_public_no_day_or_time(demo_data):
    for programme in Programme.objects.all():
        programme.clean()
