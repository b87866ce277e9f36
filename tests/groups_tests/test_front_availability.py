"""/mes-groupes/disponibilites/: a facilitator's weekly windows and absences. Declaring an
absence frees their group meetings on those days and tells the coordinator, without any
child's data; errors are in the form, with what was typed kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import CycleStatus, Membership, MembershipStatus, Participant, ReferralSource
from network import roles
from sessions.models import Absence, Assignment, Availability, StaffRole

from . import factories as f

pytestmark = pytest.mark.django_db

URL = "/mes-groupes/disponibilites/"


@pytest.fixture
def me(demo_data):
    return f.member("avail-me", roles.FACILITATOR)


def _absence(client, first: dt.date, last: dt.date, reason: str = ""):
    return client.post(
        URL,
        {
            "form": "absence",
            "absence-first_day": f"{first:%d/%m/%Y}",
            "absence-last_day": f"{last:%d/%m/%Y}",
            "absence-reason": reason,
        },
    )


def test_the_url(me):
    assert reverse("groups:availability") == URL


def test_a_facilitator_adds_and_removes_weekly_windows(client, me):
    client.force_login(me)
    response = client.post(
        URL,
        {
            "form": "availability",
            "availability-weekday": "2",
            "availability-start_time": "13h30",
            "availability-end_time": "18:00",
        },
    )
    assert response.status_code == 302
    window = Availability.objects.get(person=me)
    assert (window.weekday, window.start_time, window.end_time) == (
        2,
        dt.time(13, 30),
        dt.time(18),
    )
    html = client.get(URL).content.decode()
    assert f'data-availability="{window.pk}"' in html and "13:30–18:00" in html

    response = client.post(reverse("groups:availability_delete", args=[window.pk]))
    assert response.status_code == 302
    assert not Availability.objects.filter(person=me).exists()


@pytest.mark.parametrize(
    ("start", "end"),
    [("18:00", "13:00"), ("12:00", "15:00"), ("vers midi", "15:00")],
    ids=["end before start", "overlaps an existing window", "not a time"],
)
def test_a_wrong_window_is_refused_with_what_was_typed_kept(client, me, start, end):
    Availability.objects.create(person=me, weekday=2, start_time=dt.time(14), end_time=dt.time(17))
    client.force_login(me)
    response = client.post(
        URL,
        {
            "form": "availability",
            "availability-weekday": "2",
            "availability-start_time": start,
            "availability-end_time": end,
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="form-errors" role="alert"' in html
    assert f'value="{start}"' in html and f'value="{end}"' in html
    assert Availability.objects.filter(person=me).count() == 1


def test_nobody_removes_someone_elses_window_or_absence(client, me):
    other = f.member("avail-other", roles.FACILITATOR)
    window = Availability.objects.create(
        person=other, weekday=1, start_time=dt.time(9), end_time=dt.time(12)
    )
    later = timezone.localdate() + dt.timedelta(days=20)
    absence = Absence.objects.create(person=other, start_date=later, end_date=later)
    client.force_login(me)
    assert client.post(reverse("groups:availability_delete", args=[window.pk])).status_code == 404
    assert client.post(reverse("groups:absence_delete", args=[absence.pk])).status_code == 404
    assert client.get(reverse("groups:absence_delete", args=[absence.pk])).status_code == 405
    assert Availability.objects.filter(pk=window.pk).exists()
    assert Absence.objects.filter(pk=absence.pk).exists()


def test_declaring_an_absence_frees_the_meeting_and_tells_the_coordinator(
    client, me, mailoutbox, django_capture_on_commit_callbacks
):
    coordinator = f.member("avail-coord", roles.COMMUNE_COORDINATOR, ("Esneux",))
    cycle = f.cycle(
        f.wednesdays(f.quiet_month(), 2), coordinator=coordinator, status=CycleStatus.RUNNING
    )
    first, second = f.meetings(cycle)
    f.assign(first, me, StaffRole.LEAD)
    f.assign(second, me, StaffRole.LEAD)
    participant = Participant.objects.create(
        alias="Zoélie",
        birth_year=2017,
        referral_source=ReferralSource.SCHOOL,
        commune=f.commune("Esneux"),
    )
    Membership.objects.create(
        cycle=cycle, participant=participant, status=MembershipStatus.ADMITTED
    )
    day = timezone.localtime(first.start).date()
    client.force_login(me)

    with django_capture_on_commit_callbacks(execute=True):
        response = _absence(client, day, day, reason="Opération prévue")

    assert response.status_code == 302
    assert list(Assignment.objects.filter(person=me).values_list("session_id", flat=True)) == [
        second.pk
    ]
    absence = Absence.objects.get(person=me)
    assert (absence.start_date, absence.end_date) == (day, day)
    # The coordinator is told (the facilitator gets their calendar cancellation), with no
    # child's alias or code and not the private reason.
    assert [m.to for m in mailoutbox].count([coordinator.email]) == 1
    assert {to for m in mailoutbox for to in m.to} <= {coordinator.email, me.email}
    for message in mailoutbox:
        for text in (message.subject, message.body):
            assert "Zoélie" not in text and participant.code not in text
            assert "Opération" not in text
    # The facilitator is shown which meetings were freed.
    html = client.get(URL).content.decode()
    assert f"{timezone.localtime(first.start):%d/%m/%Y %H:%M}" in html
    assert f'data-absence="{absence.pk}"' in html


def test_an_absence_without_group_meeting_sends_nothing(
    client, me, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(me)
    later = timezone.localdate() + dt.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        assert _absence(client, later, later + dt.timedelta(days=2)).status_code == 302
    assert Absence.objects.filter(person=me).count() == 1
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("first", "last"),
    [(12, 10), (-3, 2), (1, 500)],
    ids=["last before first", "in the past", "over a year"],
)
def test_wrong_absence_dates_are_refused_with_what_was_typed_kept(client, me, first, last):
    today = timezone.localdate()
    first_day, last_day = today + dt.timedelta(days=first), today + dt.timedelta(days=last)
    client.force_login(me)
    response = _absence(client, first_day, last_day, reason="Formation")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="form-errors" role="alert"' in html
    assert f'value="{first_day:%d/%m/%Y}"' in html and f'value="{last_day:%d/%m/%Y}"' in html
    assert 'value="Formation"' in html
    assert not Absence.objects.filter(person=me).exists()


def test_only_a_future_absence_can_be_removed(client, me):
    today = timezone.localdate()
    future = Absence.objects.create(
        person=me, start_date=today + dt.timedelta(days=5), end_date=today + dt.timedelta(days=6)
    )
    started = Absence.objects.create(
        person=me, start_date=today - dt.timedelta(days=1), end_date=today + dt.timedelta(days=1)
    )
    client.force_login(me)
    html = client.get(URL).content.decode()
    assert reverse("groups:absence_delete", args=[future.pk]) in html
    assert reverse("groups:absence_delete", args=[started.pk]) not in html
    assert client.post(reverse("groups:absence_delete", args=[started.pk])).status_code == 404
    assert client.post(reverse("groups:absence_delete", args=[future.pk])).status_code == 302
    assert list(Absence.objects.filter(person=me)) == [started]
