"""Defects found in review: each test fails on the code before its fix."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from lms import exceptions, services
from lms.models import Approval, Enrolment, EnrolmentStatus
from network import privacy
from sessions.models import Assignment, SessionStatus, StaffRole

from .factories import future_day, module, pros, run, user
from .helpers import assert_seats_consistent, calendars, mails_to

pytestmark = pytest.mark.django_db


def test_a_referent_cannot_approve_their_own_request(client, demo_data):
    referent = user("referente")
    the_run = run(approval=Approval.REFERENT)
    enrolment = services.enrol(referent, the_run)
    assert enrolment.status == EnrolmentStatus.REQUESTED
    assert not services.may_decide(referent, enrolment)
    assert referent not in services.approvers_of(enrolment)
    assert enrolment not in services.requests_for_referent(referent)
    client.force_login(referent)
    response = client.post(f"/mon-parcours/demandes/{enrolment.pk}/", {"decision": "approve"})
    assert response.status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.REQUESTED


def test_erasing_a_person_gives_their_seat_to_the_waitlist_even_past_the_deadline(demo_data):
    # The run starts tomorrow: the person could no longer cancel it themself.
    the_run = run(capacity=1, days=[timezone.localdate() + dt.timedelta(days=1)])
    first, second = pros(2)
    services.enrol(first, the_run)
    services.enrol(second, the_run)
    privacy.registry.entry_for(Enrolment).erase(first)
    the_run.refresh_from_db()
    assert not Enrolment.objects.filter(person=first).exists()
    assert Enrolment.objects.get(person=second, run=the_run).status == EnrolmentStatus.OFFERED
    assert_seats_consistent(the_run)


def _past_session_run(trainer):
    the_run = run()
    session = the_run.sessions().get()
    Assignment.objects.create(session=session, person=trainer, role=StaffRole.TRAINER)
    return the_run, session


def test_nonsense_hours_on_the_sheet_get_a_message_not_a_crash(client, demo_data):
    trainer = user("formatrice")
    the_run, session = _past_session_run(trainer)
    (person,) = pros(1)
    enrolment = services.enrol(person, the_run)
    session.start = timezone.now() - dt.timedelta(hours=4)
    session.end = timezone.now() - dt.timedelta(hours=1)
    session.save()
    client.force_login(trainer)
    for value in ("NaN", "sNaN", "Infinity", "1e999", "0.001", "abc"):
        response = client.post(
            f"/formations/presences/{session.pk}/",
            {f"status-{enrolment.pk}": "partial", f"hours-{enrolment.pk}": value},
        )
        assert response.status_code == 200, value
        assert not enrolment.attendance.exists()
    with pytest.raises(exceptions.InvalidAttendance):
        services.mark_attendance(
            session, {enrolment.pk: services.Mark("partial", Decimal("NaN"))}, actor=trainer
        )


def test_attendance_waits_for_the_session_to_start(demo_data):
    trainer = user("formatrice")
    the_run, session = _past_session_run(trainer)
    (person,) = pros(1)
    enrolment = services.enrol(person, the_run)
    with pytest.raises(exceptions.SessionNotStarted):
        services.mark_attendance(session, {enrolment.pk: services.Mark("present")}, actor=trainer)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.CONFIRMED


def test_changing_a_runs_dates_tells_people_and_keeps_feeds_right(demo_data, committed, english):
    day, other_day = future_day(30), future_day(37)
    the_run = run(days=[day])
    (person,) = pros(1)
    with committed():
        services.enrol(person, the_run)
    session = the_run.sessions().get()
    mail.outbox.clear()
    # A new time on the same day moves the session: same UID, the person gets an update.
    with committed():
        services.schedule_run(the_run, [(day, dt.time(13, 30))], duration_minutes=180)
    moved = the_run.sessions().get()
    assert moved.pk == session.pk and moved.uid == session.uid
    assert moved.start.astimezone(session.series.zone).time() == dt.time(13, 30)
    (message,) = mails_to(person.email)
    assert [str(cal["METHOD"]) for cal in calendars(message)] == ["REQUEST"]
    # Another day: the old session is cancelled (it stays in feeds), a new one announced.
    mail.outbox.clear()
    with committed():
        services.schedule_run(the_run, [(other_day, dt.time(9, 0))], duration_minutes=180)
    moved.refresh_from_db()
    assert moved.status == SessionStatus.CANCELLED
    new = the_run.sessions().exclude(pk=moved.pk).get()
    assert new.status == SessionStatus.PLANNED
    methods = sorted(str(c["METHOD"]) for m in mails_to(person.email) for c in calendars(m))
    assert methods == ["CANCEL", "REQUEST"]
    the_run.refresh_from_db()
    assert the_run.starts_at == new.start


def test_coordinators_are_sent_to_the_admin_to_decide(demo_data, committed):
    the_run = run(approval=Approval.COORDINATOR)
    (person,) = pros(1)
    mail.outbox.clear()
    with committed():
        services.enrol(person, the_run)
    coordinator = user("coord-esneux")
    (message,) = mails_to(coordinator.email)
    assert f"/admin/formations/sessions/inspect/{the_run.pk}/" in message.body


def test_cancelling_a_run_keeps_the_seats_of_finished_enrolments(demo_data):
    the_run = run(capacity=3)
    first, second = pros(2)
    services.enrol(first, the_run)
    services.enrol(second, the_run)
    Enrolment.objects.filter(person=first, run=the_run).update(status=EnrolmentStatus.COMPLETED)
    services.cancel_run(the_run, actor=user("coordination"), reason="Formatrice indisponible")
    the_run.refresh_from_db()
    assert the_run.seats_taken == 1
    assert_seats_consistent(the_run)


def test_a_draft_modules_run_cannot_be_joined(demo_data):
    draft = module("Brouillon")
    the_run = run(draft)
    draft.unpublish()
    (person,) = pros(1)
    with pytest.raises(exceptions.ModuleNotPublished):
        services.enrol(person, the_run)


def test_an_expired_offer_is_passed_on_when_mon_parcours_is_read(client, demo_data):
    import time_machine

    the_run = run(capacity=1, offer_hold_hours=24)
    first, second, third = pros(3)
    holder = services.enrol(first, the_run)
    services.enrol(second, the_run)
    services.enrol(third, the_run)
    services.cancel(holder, actor=first)
    offer = Enrolment.objects.get(person=second, run=the_run)
    assert offer.status == EnrolmentStatus.OFFERED
    with time_machine.travel(offer.offer_expires_at + dt.timedelta(minutes=1), tick=False):
        client.force_login(second)
        html = client.get("/mon-parcours/").content.decode()
    offer.refresh_from_db()
    assert offer.status == EnrolmentStatus.EXPIRED
    assert "Accepter la place" not in html
    assert Enrolment.objects.get(person=third, run=the_run).status == EnrolmentStatus.OFFERED
