"""Enrolment imports and the waitlist: a seat the file frees is offered as after a manual
cancellation, the file's own confirmations come first, nothing is ever overbooked, and a
change made while the file is being imported cancels it."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from lms import services
from lms.models import Enrolment, EnrolmentStatus
from lms.resources_enrolments import EnrolmentResource
from network import imports
from network.tabular import read_table

from .factories import pros, run, user
from .helpers import assert_seats_consistent, mails_to

pytestmark = pytest.mark.django_db


def _import(lines, *, dry_run=False, actor=None):
    text = "Code formation;E-mail;Statut;Motif\n" + "".join(f"{line}\n" for line in lines)
    table = read_table(text.encode("utf-8"), "inscriptions.csv")
    return imports.run_import("enrolments", table, actor, dry_run=dry_run)


def _enrolment(the_run, person):
    return Enrolment.objects.get(run=the_run, person=person)


@pytest.fixture
def waiting_run(demo_data, english, committed):
    """One seat, held by pro-01; pro-02 then pro-03 waiting; nobody told anything yet."""
    the_run = run(capacity=1, offer_hold_hours=48)
    people = pros(4)
    with committed():
        for person in people[:3]:
            services.enrol(person, the_run)
    mail.outbox.clear()
    return the_run, people


def test_a_seat_the_file_frees_is_offered_to_the_first_person_waiting(waiting_run, committed):
    the_run, (holder, second, third, _outsider) = waiting_run
    with committed():
        report = _import(
            [f"{the_run.code};{holder.email};annulé;Changement d'affectation"],
            actor=user("coordination"),
        )
    assert report.written, [r.errors for r in report.error_rows]
    assert _enrolment(the_run, holder).status == EnrolmentStatus.CANCELLED
    offer = _enrolment(the_run, second)
    assert offer.status == EnrolmentStatus.OFFERED and offer.offer_expires_at is not None
    assert _enrolment(the_run, third).waitlist_position == 1
    assert_seats_consistent(the_run)
    # As after a manual cancellation: the first person waiting is told of the offer; the
    # person the file names is not written to (the decision was taken elsewhere).
    assert len(mails_to(second.email, "offered")) == 1
    assert mails_to(holder.email) == [] and mails_to(third.email) == []


def test_a_dry_run_offers_nothing(waiting_run, committed):
    the_run, (holder, second, _third, _outsider) = waiting_run
    with committed():
        report = _import([f"{the_run.code};{holder.email};annulé;"], dry_run=True)
    assert report.ok and report.changed == 1 and not report.written
    assert _enrolment(the_run, holder).status == EnrolmentStatus.CONFIRMED
    assert _enrolment(the_run, second).status == EnrolmentStatus.WAITLISTED
    assert mail.outbox == []


def test_the_files_own_confirmation_takes_the_seat_it_frees(waiting_run, committed):
    the_run, (holder, second, third, outsider) = waiting_run
    with committed():
        report = _import(
            [
                f"{the_run.code};{outsider.email};confirmé;",
                f"{the_run.code};{holder.email};annulé;Remplacé",
            ]
        )
    assert report.written and report.new == 1 and report.changed == 1
    assert _enrolment(the_run, outsider).status == EnrolmentStatus.CONFIRMED
    assert _enrolment(the_run, second).status == EnrolmentStatus.WAITLISTED
    assert _enrolment(the_run, third).waitlist_position == 2
    assert_seats_consistent(the_run)
    assert mail.outbox == []


def test_confirming_someone_waiting_needs_a_free_seat(waiting_run, committed):
    the_run, (holder, second, third, _outsider) = waiting_run
    full = _import([f"{the_run.code};{second.email};confirmé;"])
    assert not full.written and full.errors == 1
    assert full.error_rows[0].errors[0].column == "Statut"
    assert _enrolment(the_run, second).status == EnrolmentStatus.WAITLISTED

    with committed():
        swap = _import(
            [f"{the_run.code};{second.email};confirmé;", f"{the_run.code};{holder.email};annulé;"]
        )
    assert swap.written and swap.changed == 2
    assert _enrolment(the_run, second).status == EnrolmentStatus.CONFIRMED
    assert _enrolment(the_run, third).waitlist_position == 1  # the list closes up
    assert_seats_consistent(the_run)
    assert mail.outbox == []


def test_an_offer_past_its_time_is_passed_on_before_seats_are_counted(demo_data, committed):
    the_run = run(capacity=1, offer_hold_hours=48)
    holder, second, outsider = pros(3)
    t0 = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with time_machine.travel(t0, tick=False), committed():
        services.enrol(holder, the_run)
        services.enrol(second, the_run)
        services.cancel(_enrolment(the_run, holder), actor=holder)
    assert _enrolment(the_run, second).status == EnrolmentStatus.OFFERED  # holds the seat
    with time_machine.travel(t0 + dt.timedelta(hours=49), tick=False), committed():
        report = _import([f"{the_run.code};{outsider.email};confirmé;"])
    assert report.written, [r.errors for r in report.error_rows]
    assert _enrolment(the_run, second).status == EnrolmentStatus.EXPIRED
    assert _enrolment(the_run, outsider).status == EnrolmentStatus.CONFIRMED
    assert_seats_consistent(the_run)


def test_an_enrolment_changed_during_the_import_cancels_it(waiting_run, committed, monkeypatch):
    the_run, (holder, second, _third, _outsider) = waiting_run
    prepare = EnrolmentResource.prepare

    def then_the_holder_cancels(self, rows):
        prepare(self, rows)
        services.cancel(_enrolment(the_run, holder), actor=holder)

    monkeypatch.setattr(EnrolmentResource, "prepare", then_the_holder_cancels)
    with committed():
        report = _import([f"{the_run.code};{holder.email};annulé;"])
    assert not report.written and report.general_errors
    assert the_run.code in report.general_errors[0]
    # Only the holder's own cancellation happened: their seat went to the next person once.
    assert _enrolment(the_run, second).status == EnrolmentStatus.OFFERED
    assert_seats_consistent(the_run)
