"""E-mails about enrolments: what they say, their calendar attachments, sent once, no secrets."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from lms import notifications, services
from lms.models import Approval, EnrolmentStatus
from sessions import services_staff
from sessions.models import Session

from .factories import BRUSSELS, future_day, module, pros, run, user, venue
from .helpers import calendars, events, everything_sent, mails_to

pytestmark = pytest.mark.django_db

SECRET_ADDRESS = "Rue des Tilleuls 12"


@pytest.fixture
def two_sessions(demo_data, english):
    """A run of two sessions in a venue whose address is confidential."""
    hidden = venue("Refuge", address=SECRET_ADDRESS, confidential_address=True)
    return run(
        module("Accueillir la parole des enfants (test)"),
        days=[future_day(20), future_day(27)],
        venue=hidden,
        capacity=1,
    )


def _uids(the_run) -> set[str]:
    return set(the_run.sessions().values_list("uid", flat=True))


def test_every_kind_has_its_templates():
    from django.template.loader import get_template

    for kind in (*notifications.KINDS, "interest_open", "session_moved", "session_cancelled"):
        get_template(f"lms/emails/{kind}.txt")
        get_template(f"lms/emails/{kind}_subject.txt")


def test_confirmation_invites_to_each_session_and_cancellation_removes_them(
    two_sessions, committed
):
    (person,) = pros(1)
    with committed():
        enrolment = services.enrol(person, two_sessions)
    (confirmed,) = mails_to(person.email)
    assert "confirmed" in confirmed.subject
    assert {str(cal["METHOD"]) for cal in calendars(confirmed)} == {"REQUEST"}
    assert {str(event["UID"]) for event in events(confirmed)} == _uids(two_sessions)
    for line in notifications.session_lines(two_sessions):
        assert f"{line['date']}, from {line['time']} to {line['end']}" in confirmed.body
    assert "/mon-parcours/" in confirmed.body

    with committed():
        services.cancel(enrolment, actor=person)
    (cancelled,) = mails_to(person.email, "cancelled")
    assert {str(cal["METHOD"]) for cal in calendars(cancelled)} == {"CANCEL"}
    assert {str(event["UID"]) for event in events(cancelled)} == _uids(two_sessions)
    assert SECRET_ADDRESS not in everything_sent()


def test_a_mail_no_longer_true_when_sent_is_not_sent(two_sessions, committed):
    """Waitlisted, then offered a seat before the worker sent the first mail: one mail."""
    holder, second = pros(2)
    with committed():
        services.enrol(holder, two_sessions)
    mail.outbox.clear()
    with committed():
        services.enrol(second, two_sessions)
        services.cancel(two_sessions.enrolments.get(person=holder), actor=holder)
    (offered,) = mails_to(second.email)
    assert "offered" in offered.subject
    assert "None" not in everything_sent()


def test_the_online_link_goes_only_to_people_holding_a_seat(demo_data, english, committed):
    the_run = run(capacity=1, online_link="https://visio.example/salle-42")
    seated, waiting = pros(2)
    with committed():
        services.enrol(seated, the_run)
        services.enrol(waiting, the_run)
    assert "https://visio.example/salle-42" in mails_to(seated.email)[0].body
    assert "visio.example" not in mails_to(waiting.email)[0].body


def test_the_waitlisted_mail_states_the_position(two_sessions, committed):
    people = pros(3)
    with committed():
        for person in people:
            services.enrol(person, two_sessions)
    (second,) = mails_to(people[1].email)
    (third,) = mails_to(people[2].email)
    assert "Your position on the waiting list: 1." in second.body
    assert "Your position on the waiting list: 2." in third.body
    assert "number 2 on the waiting list" in third.subject
    assert not second.attachments  # no seat, no invitation


def test_a_request_asks_the_referent_of_the_persons_organisation(demo_data, english, committed):
    from network.models import MemberProfile

    the_run = run(approval=Approval.REFERENT)
    person = (
        MemberProfile.objects.filter(
            user__username__startswith="pro-", organisation__name="CPAS de Sprimont"
        )
        .first()
        .user
    )
    referent = user("referente")
    with committed():
        enrolment = services.enrol(person, the_run)
    assert enrolment.status == EnrolmentStatus.REQUESTED
    (asked,) = [m for m in mail.outbox if m.to != [person.email]]
    assert asked.to == [referent.email]
    assert person.get_full_name() in asked.body
    assert "http://127.0.0.1:8000/" in asked.body
    (requested,) = mails_to(person.email)
    assert "awaits approval" in requested.subject
    assert not requested.attachments  # no seat is held yet

    mail.outbox.clear()
    with committed():
        services.approve(enrolment, actor=referent)
    (approved,) = mails_to(person.email)
    assert "approved" in approved.subject
    assert {str(cal["METHOD"]) for cal in calendars(approved)} == {"REQUEST"}


def test_the_reminder_is_sent_once_two_days_before(two_sessions, committed):
    (person,) = pros(1)
    with committed():
        services.enrol(person, two_sessions)
    mail.outbox.clear()
    start = two_sessions.starts_at
    # Other runs (the demo's) may be reminded too: only this person's mails are counted.
    for before in (dt.timedelta(days=3), dt.timedelta(days=2, minutes=-5), dt.timedelta(days=1)):
        with time_machine.travel(start - before, tick=False), committed():
            services.send_reminders()
        assert len(mails_to(person.email)) == (0 if before.days == 3 else 1)
    (reminder,) = mails_to(person.email)
    assert "reminder" in reminder.subject.lower()
    assert f"{start.astimezone(BRUSSELS):%d/%m/%Y}" in reminder.subject
    assert {str(event["UID"]) for event in events(reminder)} == _uids(two_sessions)
    assert SECRET_ADDRESS not in everything_sent()


def test_no_reminder_for_someone_who_turned_reminders_off(two_sessions, committed):
    (person,) = pros(1)
    person.member_profile.notify_reminders = False
    person.member_profile.save()
    with committed():
        services.enrol(person, two_sessions)
    mail.outbox.clear()
    with (
        time_machine.travel(two_sessions.starts_at - dt.timedelta(days=1), tick=False),
        committed(),
    ):
        services.send_reminders()
    assert mails_to(person.email) == []


def test_the_interest_list_is_told_once_when_a_run_opens(demo_data, english, committed):
    opens = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    the_run = run(enrolment_opens=opens)
    interested, other = pros(2)
    services.register_interest(interested, the_run.module)
    with committed():
        services.notify_interest()
    assert mails_to(interested.email) == []  # not open yet
    with time_machine.travel(opens + dt.timedelta(minutes=1), tick=False), committed():
        services.notify_interest()
        services.notify_interest()
    (told,) = mails_to(interested.email)
    assert "enrolment is open" in told.subject
    assert the_run.module.url in told.body
    assert other.email not in {address for m in mail.outbox for address in m.to}


def test_moving_a_session_tells_the_people_enrolled(two_sessions, committed):
    (person,) = pros(1)
    with committed():
        services.enrol(person, two_sessions)
    mail.outbox.clear()
    session = two_sessions.sessions().order_by("start").first()
    new_start = session.start + dt.timedelta(days=1, hours=1)
    with committed():
        services_staff.move(
            user("coord-esneux"),
            session,
            start=new_start,
            end=new_start + (session.end - session.start),
            reason="Salle indisponible",
        )
    (moved,) = mails_to(person.email)
    assert "moved" in moved.subject
    local = new_start.astimezone(BRUSSELS)
    assert f"{local:%d/%m/%Y}, from {local:%H:%M}" in moved.body
    assert "Salle indisponible" in moved.body
    (event,) = events(moved)
    assert str(event["UID"]) == session.uid
    assert event["SEQUENCE"] == Session.objects.get(pk=session.pk).sequence
    two_sessions.refresh_from_db()
    assert two_sessions.starts_at == new_start  # the run's first session follows

    mail.outbox.clear()
    with committed():
        services_staff.cancel(user("coord-esneux"), session, "Formatrice malade")
    (cancelled,) = mails_to(person.email)
    assert {str(cal["METHOD"]) for cal in calendars(cancelled)} == {"CANCEL"}
    assert "Formatrice malade" in cancelled.body
    assert SECRET_ADDRESS not in everything_sent()


def test_no_mail_carries_a_confidential_address(two_sessions, committed):
    """Every kind about one run in a confidential venue: confirmed, waitlisted, offered,
    cancelled, reminder, run cancelled."""
    holder, second, third = pros(3)
    the_title = two_sessions.module.title
    for person in (holder, second, third):
        with committed():
            services.enrol(person, two_sessions)
    with committed():
        services.cancel(two_sessions.enrolments.get(person=holder), actor=holder)
    with committed():
        services.accept_offer(two_sessions.enrolments.get(person=second), actor=second)
    with committed():
        services.send_reminders(now=two_sessions.starts_at - dt.timedelta(days=1))
    with committed():
        services.cancel_run(two_sessions, actor=user("coordination"), reason="Trop peu d'inscrits")
    # Only this run's mails (the demo's runs may be reminded too).
    mine = [m for m in mail.outbox if the_title in m.subject]
    kinds = ["confirmed", "waiting list", "waiting list", "offered", "cancelled", "confirmed"]
    kinds += ["reminder", "is cancelled", "is cancelled"]
    assert len(mine) == len(kinds)
    assert all(kind in m.subject for kind, m in zip(kinds, mine, strict=True))
    mail.outbox[:] = mine
    sent = everything_sent()
    assert "Refuge" not in sent and SECRET_ADDRESS not in sent
    assert "Esneux" in sent  # the public location: the commune only
