"""Declaring an absence: the person's upcoming group meetings in those (local) days become gaps,
and the coordinator of each cycle gets one e-mail with the best replacements."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from groups import exceptions, services
from groups.models import CycleStatus
from network import audit, roles
from network.models import AuditEntry
from sessions.models import Absence, Assignment, StaffRole

from . import factories as f

pytestmark = pytest.mark.django_db

PLANNING = "/admin/groupes/planning/?cycle="


def day_of(session) -> dt.date:
    return session.start.astimezone(f.BRUSSELS).date()


def seats(person) -> set[int]:
    return set(Assignment.objects.filter(person=person).values_list("session_id", flat=True))


@pytest.fixture
def scene(demo_data):
    """A running cycle of four Wednesdays in Esneux, with its coordinator in charge:

    - `absent` facilitates the first three meetings, anim-04 the first two with them;
    - anim-05 holds the last two (the cycle's other pair: first choice for a gap);
    - anim-06 is away on the first two Wednesdays, `novice` holds no certificate.
    """
    coordinator = f.member("h5-coord", roles.COMMUNE_COORDINATOR, ("Esneux",))
    absent = f.member("h5-absent", roles.FACILITATOR, ("Esneux",))
    novice = f.member("h5-novice", roles.FACILITATOR, ("Esneux",))
    cycle = f.cycle(
        f.wednesdays(f.quiet_month(), 4), coordinator=coordinator, status=CycleStatus.RUNNING
    )
    m = f.meetings(cycle)
    partner, pair, away = f.user("anim-04"), f.user("anim-05"), f.user("anim-06")
    for session in m[:3]:
        f.assign(session, absent, StaffRole.LEAD)
    for session in m[:2]:
        f.assign(session, partner)
    for session in m[2:]:
        f.assign(session, pair)
    Absence.objects.create(person=away, start_date=day_of(m[0]), end_date=day_of(m[1]))
    return {
        "coordinator": coordinator,
        "absent": absent,
        "novice": novice,
        "cycle": cycle,
        "meetings": m,
        "partner": partner,
        "pair": pair,
        "away": away,
    }


def test_the_meetings_in_the_days_become_gaps_and_nothing_else(scene):
    absent, m = scene["absent"], scene["meetings"]
    # A training they give and an intervision they lead, the same days: not group meetings.
    other = f.dated_series([day_of(m[0])], at=dt.time(9, 0), title="Intervision")
    training = f.dated_series([day_of(m[1])], at=dt.time(9, 0), title="Formation")
    f.assign(other.sessions.get(), absent, StaffRole.LEAD)
    f.assign(training.sessions.get(), absent, StaffRole.TRAINER)

    declared = services.declare_absence(
        absent, absent, day_of(m[0]), day_of(m[1]), reason="Opération"
    )

    assert declared.vacated == m[:2]
    assert seats(absent) == {m[2].pk, other.sessions.get().pk, training.sessions.get().pk}
    # The colleague keeps the seat next to the gap.
    assert seats(scene["partner"]) == {m[0].pk, m[1].pk}
    absence = Absence.objects.get(person=absent)
    assert (absence.start_date, absence.end_date) == (day_of(m[0]), day_of(m[1]))
    assert absence.private_reason == "Opération"


def test_a_meeting_already_held_stays_on_the_record(scene):
    absent, m = scene["absent"], scene["meetings"]
    # At noon on the second Wednesday, a week after the first meeting and before the second.
    noon = dt.datetime.combine(day_of(m[1]), dt.time(12, 0), tzinfo=f.BRUSSELS)
    with time_machine.travel(noon, tick=False):
        declared = services.declare_absence(absent, absent, day_of(m[0]), day_of(m[2]))
    assert declared.vacated == m[1:3]
    assert seats(absent) == {m[0].pk}


def _dst_sunday(after: dt.date) -> dt.date:
    """The first day on or after `after` when Brussels changes its clocks."""
    day = after
    while True:
        noon_before = dt.datetime.combine(day, dt.time(0, 0), tzinfo=f.BRUSSELS)
        noon_after = dt.datetime.combine(
            day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=f.BRUSSELS
        )
        if noon_before.utcoffset() != noon_after.utcoffset():
            return day
        day += dt.timedelta(days=1)


def test_the_days_are_brussels_days_at_night_and_across_a_clock_change(demo_data):
    person = f.member("h5-night", roles.FACILITATOR, ("Esneux",))
    sunday = _dst_sunday(f.quiet_month())
    saturday, monday = sunday - dt.timedelta(days=1), sunday + dt.timedelta(days=1)
    # 00:30 on Sunday is still Saturday in UTC; 00:30 on Monday is still Sunday in UTC.
    early = f.meetings(f.cycle([sunday, monday], at=dt.time(0, 30)))
    # 23:30 on Saturday and on Sunday: the same UTC day as the local one, one hour apart.
    late = f.meetings(f.cycle([saturday, sunday], at=dt.time(23, 30)))
    for session in early + late:
        f.assign(session, person)
    assert early[0].start.astimezone(dt.UTC).date() == saturday
    assert early[1].start.astimezone(dt.UTC).date() == sunday

    declared = services.declare_absence(person, person, sunday, sunday)

    assert sorted(s.pk for s in declared.vacated) == sorted([early[0].pk, late[1].pk])
    assert seats(person) == {early[1].pk, late[0].pk}


def test_the_coordinator_gets_one_e_mail_per_cycle_with_the_best_replacements(
    scene, mailoutbox, django_capture_on_commit_callbacks
):
    absent, m, coordinator = scene["absent"], scene["meetings"], scene["coordinator"]
    # A second cycle the same month, in Sprimont, without a coordinator in charge.
    other = f.cycle([day_of(m[0])], commune_name="Sprimont", at=dt.time(10, 0))
    f.assign(f.meetings(other)[0], absent)

    with django_capture_on_commit_callbacks(execute=True):
        declared = services.declare_absence(absent, absent, day_of(m[0]), day_of(m[1]))

    assert len(declared.vacated) == 3
    to_coordinator = [e for e in mailoutbox if e.to == [coordinator.email]]
    assert len(to_coordinator) == 1
    message = to_coordinator[0]
    assert "Groupe enfants — Esneux" in message.subject
    assert "Groupe enfants — Sprimont" not in message.subject + message.body
    assert f"{PLANNING}{scene['cycle'].pk}\n" in message.body
    gaps = [line for line in message.body.splitlines() if line.startswith("- ")]
    assert len(gaps) == 2
    for gap, session in zip(gaps, m[:2], strict=True):
        assert gap.startswith(f"- {day_of(session):%d/%m/%Y}, 16:00–17:30: ")
        # The cycle's other facilitator comes first (continuity for the children); someone
        # away those days, someone unqualified and the one who is absent are not proposed.
        names = gap.split(": ", 1)[1].split(":", 1)[1].strip().split(", ")
        assert names[0] == scene["pair"].get_full_name()
        assert 1 <= len(names) <= 3
        for left_out in ("away", "novice", "absent", "partner"):
            assert scene[left_out].get_full_name() not in names

    # The Sprimont cycle has nobody in charge: Sprimont's coordinators are told, only them.
    to_sprimont = [e for e in mailoutbox if e is not message and e.to != [absent.email]]
    assert [e.to for e in to_sprimont] == [[f.user("coord-sprimont").email]]
    assert f"{PLANNING}{other.pk}\n" in to_sprimont[0].body
    assert "Groupe enfants — Sprimont" in to_sprimont[0].subject


def test_the_absent_facilitator_gets_one_e_mail_cancelling_each_freed_meeting(
    scene, mailoutbox, django_capture_on_commit_callbacks
):
    absent, m = scene["absent"], scene["meetings"]
    with django_capture_on_commit_callbacks(execute=True):
        services.declare_absence(absent, absent, day_of(m[0]), day_of(m[1]))
    mine = [e for e in mailoutbox if e.to == [absent.email]]
    assert len(mine) == 1
    assert f"{day_of(m[0]):%d/%m/%Y}" in mine[0].body
    cancellations = [a for a in mine[0].attachments if "METHOD:CANCEL" in str(a[1])]
    assert len(cancellations) == 2


def test_no_gap_no_e_mail(scene, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        declared = services.declare_absence(
            scene["pair"], scene["pair"], day_of(scene["meetings"][0]), day_of(scene["meetings"][1])
        )
    assert declared.vacated == []
    assert mailoutbox == []


def test_the_last_day_before_the_first_is_refused_and_nothing_is_written(
    scene, mailoutbox, django_capture_on_commit_callbacks
):
    absent, m = scene["absent"], scene["meetings"]
    before = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(exceptions.AbsenceDates):
        services.declare_absence(absent, absent, day_of(m[1]), day_of(m[0]))
    assert not Absence.objects.filter(person=absent).exists()
    assert seats(absent) == {s.pk for s in m[:3]}
    assert AuditEntry.objects.count() == before
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        ("h5-coord", True),  # a coordinator of the commune they work in
        ("coordination", True),
        ("coord-sprimont", False),  # a coordinator of another commune
        ("professionnelle", False),
        ("anim-04", False),  # a colleague
    ],
)
def test_declaring_for_someone_else_needs_the_right_to_change_them(scene, actor, allowed):
    absent, m = scene["absent"], scene["meetings"]
    if allowed:
        declared = services.declare_absence(f.user(actor), absent, day_of(m[0]), day_of(m[0]))
        assert declared.vacated == [m[0]]
        assert Absence.objects.filter(person=absent).exists()
    else:
        with pytest.raises(exceptions.NotAllowed):
            services.declare_absence(f.user(actor), absent, day_of(m[0]), day_of(m[0]))
        assert not Absence.objects.filter(person=absent).exists()
        assert seats(absent) == {s.pk for s in m[:3]}


def test_the_absence_and_each_gap_are_audited_pseudonymously(scene):
    absent, m, coordinator = scene["absent"], scene["meetings"], scene["coordinator"]
    services.declare_absence(coordinator, absent, day_of(m[0]), day_of(m[1]), origin="admin")
    entries = AuditEntry.objects.filter(action__in=("absence.create", "assignment.vacated"))
    assert sorted(e.action for e in entries) == [
        "absence.create",
        "assignment.vacated",
        "assignment.vacated",
    ]
    for entry in entries:
        # Whose absence and whose seats: a pseudonymous key, by the coordinator, from the admin.
        assert entry.object_key == audit.user_key(absent)
        assert entry.actor_key == audit.user_key(coordinator)
        assert entry.origin == "admin"
