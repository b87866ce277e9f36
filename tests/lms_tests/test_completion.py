"""Completion from attendance: the module's rule, a signal sent once, paths recorded once."""

from decimal import Decimal

import pytest
import time_machine

from lms import services
from lms.models import AttendanceStatus, EnrolmentStatus, PathCompletion
from lms.services import Mark
from lms.signals import module_completed, path_completed

from .factories import future_day, module, path, pros, run, user

pytestmark = pytest.mark.django_db

PRESENT = Mark(AttendanceStatus.PRESENT)
ABSENT = Mark(AttendanceStatus.ABSENT)


@pytest.fixture
def received():
    """What lms' signals sent during the test."""
    sent = {"module": [], "path": []}

    def on_module(sender, enrolment, **kwargs):
        sent["module"].append(enrolment.pk)

    def on_path(sender, path, person, completion, **kwargs):
        sent["path"].append((path.pk, person.pk))

    module_completed.connect(on_module, dispatch_uid="test.on_module")
    path_completed.connect(on_path, dispatch_uid="test.on_path")
    yield sent
    module_completed.disconnect(dispatch_uid="test.on_module")
    path_completed.disconnect(dispatch_uid="test.on_path")


def _five_session_run(threshold: int):
    days = [future_day(20 + 7 * week) for week in range(5)]
    return run(module(completion_threshold=threshold), days=days, duration_minutes=180)


def _attend(the_run, enrolment, marks, committed):
    coordinator = user("coord-esneux")
    completed = []
    with committed():
        for session, mark in zip(the_run.sessions().order_by("start"), marks, strict=True):
            # Attendance is taken once the session has started.
            with time_machine.travel(session.end, tick=False):
                completed += services.mark_attendance(
                    session, {enrolment.pk: mark}, actor=coordinator
                )
    enrolment.refresh_from_db()
    return completed


def test_eighty_percent_completes_a_module_whose_rule_is_eighty(demo_data, committed, received):
    the_run = _five_session_run(80)
    (person,) = pros(1)
    enrolment = services.enrol(person, the_run)
    _attend(the_run, enrolment, [PRESENT, PRESENT, PRESENT, ABSENT, PRESENT], committed)
    assert services.attended_share(enrolment) == 80
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert received["module"] == [enrolment.pk]


def test_eighty_percent_does_not_complete_a_module_whose_rule_is_a_hundred(
    demo_data, committed, received
):
    the_run = _five_session_run(100)
    (person,) = pros(1)
    enrolment = services.enrol(person, the_run)
    _attend(the_run, enrolment, [PRESENT, PRESENT, PRESENT, ABSENT, PRESENT], committed)
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert received["module"] == []


def test_partial_presence_counts_its_hours(demo_data, committed, received):
    the_run = _five_session_run(80)
    (person,) = pros(1)
    enrolment = services.enrol(person, the_run)
    partial = Mark(AttendanceStatus.PARTIAL, hours=Decimal("2.5"))
    _attend(the_run, enrolment, [PRESENT, PRESENT, PRESENT, partial, ABSENT], committed)
    # 9 + 2.5 hours of 15: 76.7 % < 80 %.
    assert services.attended_share(enrolment) == Decimal("76.7")
    assert enrolment.status == EnrolmentStatus.CONFIRMED
    assert received["module"] == []


def test_the_signal_fires_once_even_when_attendance_is_marked_again(demo_data, committed, received):
    the_run = _five_session_run(80)
    (person,) = pros(1)
    enrolment = services.enrol(person, the_run)
    first = _attend(the_run, enrolment, [PRESENT] * 4 + [ABSENT], committed)
    again = _attend(the_run, enrolment, [PRESENT] * 5, committed)
    assert [e.pk for e in first] == [enrolment.pk]
    assert again == []
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert received["module"] == [enrolment.pk]


def test_a_path_is_recorded_complete_once(demo_data, committed, received):
    first_run, second_run = _five_session_run(80), _five_session_run(80)
    elective_run = _five_session_run(80)
    the_path = path(
        "Parcours de base",
        [(first_run.module, True), (second_run.module, True), (elective_run.module, False)],
    )
    (person,) = pros(1)
    first = services.enrol(person, first_run)
    second = services.enrol(person, second_run)
    _attend(first_run, first, [PRESENT] * 5, committed)
    assert received["path"] == []  # one required module still to do
    _attend(second_run, second, [PRESENT] * 5, committed)
    _attend(second_run, second, [PRESENT] * 5, committed)
    assert received["module"] == [first.pk, second.pk]
    assert received["path"] == [(the_path.pk, person.pk)]
    assert PathCompletion.objects.filter(path=the_path, person=person).count() == 1
    assert services.update_paths(person) == []
    assert received["path"] == [(the_path.pk, person.pk)]
