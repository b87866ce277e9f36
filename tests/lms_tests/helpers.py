"""Assertions and tools shared by the training tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.core import mail
from django.db import connection
from icalendar import Calendar

from lms.models import SEAT_HOLDING, CourseRun, Enrolment, EnrolmentStatus


def assert_seats_consistent(run: CourseRun) -> None:
    """The run's seat count matches its enrolments; no free seat while people wait."""
    run.refresh_from_db()
    holding = Enrolment.objects.filter(run=run, status__in=SEAT_HOLDING).count()
    positions = list(
        Enrolment.objects.filter(run=run, status=EnrolmentStatus.WAITLISTED)
        .order_by("waitlist_position")
        .values_list("waitlist_position", flat=True)
    )
    assert run.seats_taken == holding
    assert run.seats_taken <= run.capacity
    if run.seats_taken < run.capacity:
        assert positions == [], "a seat is free while people are waiting"
    assert positions == list(range(1, len(positions) + 1))


def race(actions: list[Callable[[], object]], timeout: float = 120) -> list[str]:
    """Run the actions at once, one thread (and database connection) each; returns errors."""
    barrier = threading.Barrier(len(actions))
    errors: list[str] = []

    def run(action):
        try:
            barrier.wait(timeout=30)
            action()
        except Exception as error:  # noqa: BLE001 - reported to the test
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors


def mails_to(address: str, subject_contains: str = "") -> list:
    return [m for m in mail.outbox if address in m.to and subject_contains in m.subject]


def calendars(message) -> list[Calendar]:
    """The iCalendar attachments of an e-mail, parsed."""
    found = []
    for _name, content, mimetype in message.attachments:
        if mimetype.startswith("text/calendar"):
            found.append(Calendar.from_ical(content))
    return found


def events(message) -> list:
    return [event for cal in calendars(message) for event in cal.walk("VEVENT")]


def everything_sent() -> str:
    """Every subject, body and attachment sent so far, as one text (unfolded iCalendar)."""
    parts = []
    for message in mail.outbox:
        parts += [message.subject, message.body]
        for _name, content, _mimetype in message.attachments:
            text = content.decode() if isinstance(content, bytes) else content
            parts.append(text.replace("\r\n ", ""))
    return "\n".join(parts)
