"""Seat offers: held for a while, passed on when they expire, even if nobody runs the jobs."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from lms import services
from lms.exceptions import OfferExpired, TooLateToCancel
from lms.models import Enrolment, EnrolmentStatus

from .factories import BRUSSELS, pros, run, user
from .helpers import assert_seats_consistent, events, mails_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_run(demo_data, english, committed):
    """One seat held by pro-01; pro-02 and pro-03 waiting; pro-01 cancels at T0."""
    the_run = run(capacity=1, offer_hold_hours=48)
    holder, second, third = pros(3)
    with committed():
        for person in (holder, second, third):
            services.enrol(person, the_run)
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with time_machine.travel(t0, tick=False), committed():
        services.cancel(Enrolment.objects.get(run=the_run, person=holder), actor=holder)
    mail.outbox.clear()
    return the_run, (holder, second, third), t0


def _status(the_run, person):
    return Enrolment.objects.get(run=the_run, person=person)


def test_a_freed_seat_is_offered_to_the_first_person_waiting(full_run):
    the_run, (_holder, second, third), t0 = full_run
    offer = _status(the_run, second)
    assert offer.status == EnrolmentStatus.OFFERED
    assert offer.offer_expires_at == t0 + dt.timedelta(hours=48)
    assert _status(the_run, third).waitlist_position == 1
    assert_seats_consistent(the_run)


def test_an_accepted_offer_in_time_confirms_the_seat(full_run, committed):
    the_run, (_holder, second, _third), t0 = full_run
    with time_machine.travel(t0 + dt.timedelta(hours=47), tick=False), committed():
        enrolment = services.accept_offer(_status(the_run, second), actor=second)
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    (message,) = mails_to(second.email)
    assert "confirmed" in message.subject
    assert_seats_consistent(the_run)


def test_an_expired_offer_passes_the_seat_to_the_next_person(full_run, committed):
    the_run, (_holder, second, third), t0 = full_run
    later = t0 + dt.timedelta(hours=49)
    with time_machine.travel(later, tick=False), committed():
        assert services.expire_offers() == 1
    assert _status(the_run, second).status == EnrolmentStatus.EXPIRED
    offer = _status(the_run, third)
    assert offer.status == EnrolmentStatus.OFFERED
    # Held from when it was made, not from the expired offer's end.
    assert offer.offer_expires_at == later + dt.timedelta(hours=48)
    assert_seats_consistent(the_run)
    (expired,) = mails_to(second.email)
    assert "expired" in expired.subject
    assert {str(e["STATUS"]) for e in events(expired)} == {"CANCELLED"}
    (offered,) = mails_to(third.email)
    until = offer.offer_expires_at.astimezone(BRUSSELS)
    assert "offered" in offered.subject
    assert f"until {until:%d/%m/%Y} at {until:%H:%M}" in offered.body
    assert "Mon parcours" in offered.body and "/mon-parcours/" in offered.body
    with time_machine.travel(later + dt.timedelta(minutes=5), tick=False), committed():
        assert services.expire_offers() == 0  # idempotent


def test_run_due_jobs_passes_expired_offers_on(full_run, committed):
    the_run, (_holder, second, third), t0 = full_run
    with time_machine.travel(t0 + dt.timedelta(hours=49), tick=False), committed():
        call_command("run_due_jobs", verbosity=0)
    assert _status(the_run, second).status == EnrolmentStatus.EXPIRED
    assert _status(the_run, third).status == EnrolmentStatus.OFFERED
    assert_seats_consistent(the_run)


def test_an_expired_offer_is_expired_when_read_even_without_the_jobs(full_run, committed):
    the_run, (_holder, second, third), t0 = full_run
    with (
        time_machine.travel(t0 + dt.timedelta(hours=49), tick=False),
        committed(),
        pytest.raises(OfferExpired),
    ):
        services.accept_offer(_status(the_run, second), actor=second)
    # The refusal did not undo the expiry: the next person has the offer.
    assert _status(the_run, second).status == EnrolmentStatus.EXPIRED
    assert _status(the_run, third).status == EnrolmentStatus.OFFERED
    assert len(mails_to(third.email, "offered")) == 1
    assert_seats_consistent(the_run)


def test_an_offer_never_outlives_the_start_of_the_run(demo_data, committed):
    the_run = run(capacity=1, offer_hold_hours=48)
    holder, second = pros(2)
    with committed():
        services.enrol(holder, the_run)
        services.enrol(second, the_run)
    three_hours_before = the_run.starts_at - dt.timedelta(hours=3)
    with time_machine.travel(three_hours_before, tick=False), committed():
        # Too late for the person to cancel themselves: a coordinator does it.
        with pytest.raises(TooLateToCancel):
            services.cancel(_status(the_run, holder), actor=holder)
        services.cancel(_status(the_run, holder), actor=user("coord-esneux"), reason="Malade")
    offer = _status(the_run, second)
    assert offer.status == EnrolmentStatus.OFFERED
    assert offer.offer_expires_at == the_run.starts_at
