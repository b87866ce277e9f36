"""Seats under concurrent sign-ups and cancellations, with real threads (SQLite and PostgreSQL)."""

from functools import partial

import pytest
from django.core import mail

from lms import services
from lms.models import CourseRun, Enrolment, EnrolmentStatus

from .factories import pros, run
from .helpers import assert_seats_consistent, race

# serialized_rollback and `migrated_data`: start from the migrations' data (home page, content
# types) even after a test that flushed the database.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_thirty_sign_ups_for_five_seats_give_five_seats_and_an_ordered_waitlist(
    migrated_data, demo_data
):
    the_run = run(capacity=5)
    people = pros(30)
    mail.outbox.clear()

    errors = race([partial(services.enrol, person, the_run) for person in people])

    assert errors == []
    enrolments = list(Enrolment.objects.filter(run=the_run).select_related("person"))
    confirmed = [e for e in enrolments if e.status == EnrolmentStatus.CONFIRMED]
    waiting = sorted(
        (e for e in enrolments if e.status == EnrolmentStatus.WAITLISTED),
        key=lambda e: e.waitlist_position,
    )
    assert len(enrolments) == 30
    assert len(confirmed) == 5
    assert len(waiting) == 25
    assert [e.waitlist_position for e in waiting] == list(range(1, 26))
    # Positions follow the order in which the sign-ups got the lock: so do their times.
    times = [e.requested_at for e in waiting]
    assert times == sorted(times) and len(set(times)) == 25
    assert max(e.requested_at for e in confirmed) < times[0]
    the_run.refresh_from_db()
    assert the_run.seats_taken == 5
    assert_seats_consistent(the_run)
    # Everyone was told, each waiting person with their own position.
    assert len(mail.outbox) == 30
    for enrolment in waiting:
        (message,) = [m for m in mail.outbox if m.to == [enrolment.person.email]]
        assert f" {enrolment.waitlist_position} " in message.subject


def test_concurrent_cancellations_and_sign_ups_keep_seats_and_waitlist_consistent(
    migrated_data, demo_data
):
    the_run = run(capacity=5)
    people = pros(14)
    for person in people[:8]:
        services.enrol(person, the_run)  # 5 confirmed, 3 waiting
    assert_seats_consistent(the_run)
    confirmed = list(Enrolment.objects.filter(run=the_run, status=EnrolmentStatus.CONFIRMED))
    first_waiting = Enrolment.objects.get(run=the_run, waitlist_position=1)

    actions = [partial(services.cancel, e, actor=e.person) for e in confirmed[:3]]
    actions.append(partial(services.cancel, first_waiting, actor=first_waiting.person))
    actions += [partial(services.enrol, person, the_run) for person in people[8:]]
    errors = race(actions)

    assert errors == []
    assert_seats_consistent(the_run)
    the_run.refresh_from_db()
    # 3 seats freed, each offered to someone waiting (whatever the order, enough people wait):
    # 8 - 4 cancelled + 6 newcomers = 10 people for 5 seats.
    assert the_run.seats_taken == 5
    assert Enrolment.objects.filter(run=the_run, status=EnrolmentStatus.OFFERED).count() == 3
    assert Enrolment.objects.filter(run=the_run, status=EnrolmentStatus.CANCELLED).count() == 4
    assert Enrolment.objects.filter(run=the_run, status=EnrolmentStatus.WAITLISTED).count() == 5


@pytest.mark.parametrize("rounds", [6])
def test_a_cancellation_racing_a_sign_up_never_leaves_a_seat_free_or_counted_twice(
    migrated_data, demo_data, rounds
):
    people = pros(2 * rounds + 2)
    holders, newcomers = people[:rounds], people[rounds : 2 * rounds]
    for holder, newcomer in zip(holders, newcomers, strict=True):
        # A full run: whoever wins, the newcomer must end up holding the freed seat.
        the_run = run(capacity=1)
        services.enrol(holder, the_run)
        held = Enrolment.objects.get(run=the_run, person=holder)

        errors = race(
            [
                partial(services.cancel, held, actor=holder),
                partial(services.enrol, newcomer, the_run),
            ]
        )

        assert errors == []
        assert_seats_consistent(the_run)
        mine = Enrolment.objects.get(run=the_run, person=newcomer)
        assert mine.status in (EnrolmentStatus.CONFIRMED, EnrolmentStatus.OFFERED)
        assert CourseRun.objects.get(pk=the_run.pk).seats_taken == 1
