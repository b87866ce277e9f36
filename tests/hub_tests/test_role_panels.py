"""The dashboards of the roles without admin access, on "Mon parcours": a facilitator's next
meetings and the gaps they could fill, a trainer's attendance to mark."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lms.models import Attendance, AttendanceStatus, Enrolment, EnrolmentStatus
from sessions.models import Absence, Assignment, StaffRole
from tests.groups_tests import factories as groups_factories
from tests.lms_tests import factories as lms_factories

pytestmark = pytest.mark.django_db


def _open_meeting(days: int, commune: str = "Esneux"):
    day = timezone.localdate() + dt.timedelta(days=days)
    # Early in the morning, with a high monthly maximum: only the absence can stand in the way.
    cycle = groups_factories.cycle(
        [day],
        of=groups_factories.programme(modules=()),
        commune_name=commune,
        at=dt.time(7, 0),
        monthly_max=31,
    )
    return groups_factories.meetings(cycle)[0]


def test_a_facilitator_sees_their_meetings_and_the_gaps_they_could_fill(client, demo_data):
    animateur = groups_factories.user("animateur")
    free = _open_meeting(9)
    while_absent = _open_meeting(12)
    Absence.objects.create(
        person=animateur,
        start_date=timezone.localtime(while_absent.start).date(),
        end_date=timezone.localtime(while_absent.start).date(),
    )
    theirs = _open_meeting(15)
    groups_factories.assign(theirs, animateur, StaffRole.LEAD)

    client.force_login(animateur)
    page = client.get("/mon-parcours/").content.decode()
    assert "Mes groupes de parole" in page
    mine = page.split("Rencontres que vous pourriez animer")[0]
    could = page.split("Rencontres que vous pourriez animer")[1]
    local = timezone.localtime
    assert f'datetime="{local(theirs.start).isoformat()}"' in mine
    assert f'datetime="{local(free.start).isoformat()}"' in could
    assert f'datetime="{local(while_absent.start).isoformat()}"' not in could
    assert f'datetime="{local(theirs.start).isoformat()}"' not in could
    # No child's name, no cycle's internal name: the public title only.
    assert free.series.support_cycle.name not in page


def test_a_facilitator_does_not_learn_the_schedule_of_groups_elsewhere(client, demo_data):
    elsewhere = _open_meeting(9, commune="Hamoir")  # a commune where they do not work
    client.force_login(groups_factories.user("animateur"))
    page = client.get("/mon-parcours/").content.decode()
    assert f'datetime="{timezone.localtime(elsewhere.start).isoformat()}"' not in page


def _panel_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/mon-parcours/").status_code == 200
    return len(queries)


def test_the_facilitator_panel_queries_do_not_grow_with_the_gaps(client, demo_data):
    client.force_login(groups_factories.user("animateur"))
    _open_meeting(5)
    _panel_queries(client)
    small = _panel_queries(client)
    for days in (6, 7, 8, 10):
        _open_meeting(days, commune="Sprimont")
    assert _panel_queries(client) == small


def test_people_who_do_not_facilitate_see_no_such_panel(client, demo_data):
    _open_meeting(9)
    client.force_login(groups_factories.user("professionnelle"))
    assert (
        "Rencontres que vous pourriez animer" not in client.get("/mon-parcours/").content.decode()
    )


def test_a_trainer_sees_the_attendance_left_to_mark(client, demo_data):
    formatrice = lms_factories.user("formatrice")
    past = timezone.localdate() - dt.timedelta(days=3)
    run = lms_factories.run(days=[past], capacity=5)
    session = run.series.sessions.get()
    Assignment.objects.create(session=session, person=formatrice, role=StaffRole.TRAINER)
    enrolments = [
        Enrolment.objects.create(run=run, person=p, status=EnrolmentStatus.CONFIRMED)
        for p in lms_factories.pros(2, start=30)
    ]
    client.force_login(formatrice)
    page = client.get("/mon-parcours/").content.decode()
    assert "Présences à encoder" in page
    assert "/presences/" in page or "Encoder les présences" in page
    for enrolment in enrolments:
        Attendance.objects.create(
            enrolment=enrolment, session=session, status=AttendanceStatus.PRESENT
        )
    page = client.get("/mon-parcours/").content.decode()
    assert "Présences à encoder" not in page
    assert "Feuille de présences" in page
