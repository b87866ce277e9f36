"""The conflict service: each reason, for training and group sessions alike; overrides; races."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection

from network.models import AuditEntry
from sessions import conflicts, registries
from sessions.conflicts import Reason
from sessions.exceptions import AlreadyAssigned, AssignmentRefused, NotAllowed, OverrideRequired
from sessions.models import Absence, Assignment, Availability, StaffRole
from sessions.services_staff import assign, unassign

from .factories import series, session, venue

KINDS = ["training", "group"]
WED = dt.datetime(2027, 1, 13, 14, 0)  # a Wednesday, 14:00 in Brussels (13:00 UTC)


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user(
        "anim-test", email="anim@test.example", first_name="Alex"
    )


@pytest.fixture
def actor(django_user_model):
    return django_user_model.objects.create_superuser("boss", email="boss@test.example")


@pytest.fixture
def places(db):
    return {
        "esneux": venue("Salle du CPAS", "Esneux"),
        "esneux2": venue("École communale", "Esneux"),
        "aywaille": venue("Maison de quartier", "Aywaille"),
    }


def _target(kind, places, start=WED):
    return session(series(kind, the_venue=places["esneux"]), start)


def _other(places, start, minutes=90, where="esneux"):
    return session(series("group", title="Autre", the_venue=places[where]), start, minutes)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_nothing_in_the_way_is_ok(kind, person, places):
    result = conflicts.check(person, _target(kind, places))
    assert result.ok and result.hard == () and result.soft == ()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_absent_is_hard_and_never_tells_the_private_reason(kind, person, places):
    Absence.objects.create(
        person=person,
        start_date=dt.date(2027, 1, 11),
        end_date=dt.date(2027, 1, 13),
        private_reason="Rendez-vous au tribunal",
    )
    result = conflicts.check(person, _target(kind, places))
    assert result.reasons == {Reason.ABSENT}
    assert result.hard and not result.soft and not result.ok
    assert "tribunal" not in str(result.hard[0])
    assert "13/01/2027" in str(result.hard[0])


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_an_absence_the_day_before_is_no_conflict(kind, person, places):
    Absence.objects.create(
        person=person, start_date=dt.date(2027, 1, 10), end_date=dt.date(2027, 1, 12)
    )
    assert conflicts.check(person, _target(kind, places)).ok


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_overlap_with_a_session_they_staff_is_hard(kind, person, places):
    other = _other(places, WED + dt.timedelta(minutes=60))
    Assignment.objects.create(session=other, person=person, role=StaffRole.CO)
    result = conflicts.check(person, _target(kind, places))
    assert result.reasons == {Reason.OVERLAP}
    assert result.hard[0].other_session_id == other.pk
    # Without a viewer allowed to see it, the other session's title stays hidden.
    assert "Autre" not in str(result.hard[0])


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_cancelled_or_back_to_back_session_is_no_overlap(kind, person, places):
    before = _other(places, WED - dt.timedelta(minutes=90))  # ends at 14:00 sharp, same commune
    cancelled = _other(places, WED)
    cancelled.status = "cancelled"
    cancelled.save()
    for other in (before, cancelled):
        Assignment.objects.create(session=other, person=person, role=StaffRole.CO)
    assert conflicts.check(person, _target(kind, places)).ok


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_overlap_with_a_session_they_attend_from_a_busy_time_provider(kind, person, places):
    attended = _other(places, WED + dt.timedelta(minutes=30))
    calls = []

    def provider(user, start, end):
        calls.append((user, start, end))
        return [attended] if user == person else []

    registries.busy_time_providers.append(provider)
    try:
        target = _target(kind, places)
        result = conflicts.check(person, target)
    finally:
        registries.busy_time_providers.remove(provider)
    assert result.reasons == {Reason.OVERLAP}
    assert calls == [(person, target.start, target.end)]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_unavailable_is_soft_and_read_in_local_time(kind, person, places):
    target = _target(kind, places)
    Availability.objects.create(
        person=person, weekday=1, start_time=dt.time(9), end_time=dt.time(17)
    )
    assert conflicts.check(person, target).reasons == {Reason.UNAVAILABLE}
    # Wednesday 14:00-15:30 local (13:00-14:30 UTC) fits a 14:00-15:30 window exactly.
    Availability.objects.create(
        person=person, weekday=2, start_time=dt.time(14), end_time=dt.time(15, 30)
    )
    assert conflicts.check(person, target).ok


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_touching_windows_join_and_a_window_in_utc_would_not_do(kind, person, places):
    target = _target(kind, places)
    Availability.objects.create(
        person=person, weekday=2, start_time=dt.time(13), end_time=dt.time(14, 30)
    )
    # 13:00-14:30 is the session in UTC, not in Brussels: still unavailable.
    assert conflicts.check(person, target).reasons == {Reason.UNAVAILABLE}
    Availability.objects.create(
        person=person, weekday=2, start_time=dt.time(14, 30), end_time=dt.time(16)
    )
    assert conflicts.check(person, target).ok


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_nobody_without_declared_availability_is_unavailable(kind, person, places):
    assert Reason.UNAVAILABLE not in conflicts.check(person, _target(kind, places)).reasons


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_too_close_to_a_session_in_another_commune_is_soft(kind, person, places, settings):
    settings.MAILLAGE_TRAVEL_BUFFER_MINUTES = 30
    elsewhere = _other(places, WED - dt.timedelta(minutes=110), where="aywaille")  # ends 13:40
    Assignment.objects.create(session=elsewhere, person=person, role=StaffRole.CO)
    result = conflicts.check(person, _target(kind, places))
    assert result.reasons == {Reason.TOO_CLOSE}
    assert result.soft and not result.hard
    assert "Aywaille" in str(result.soft[0]) and "30" in str(result.soft[0])
    settings.MAILLAGE_TRAVEL_BUFFER_MINUTES = 15
    assert conflicts.check(person, _target(kind, places)).ok


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_close_in_the_same_commune_is_fine(kind, person, places):
    nearby = _other(places, WED - dt.timedelta(minutes=100), where="esneux2")
    Assignment.objects.create(session=nearby, person=person, role=StaffRole.CO)
    assert conflicts.check(person, _target(kind, places)).ok


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_soft_reason_is_overridden_only_with_a_recorded_reason(kind, person, actor, places):
    Availability.objects.create(
        person=person, weekday=0, start_time=dt.time(9), end_time=dt.time(12)
    )
    target = _target(kind, places)
    with pytest.raises(OverrideRequired) as refused:
        assign(actor, target, person, StaffRole.LEAD)
    assert "disponibilités" in str(refused.value.message)
    assert not Assignment.objects.exists()
    made = assign(actor, target, person, StaffRole.LEAD, override_reason="  Remplacement  ")
    made.refresh_from_db()
    assert made.override_reason == "Remplacement"
    assert made.created_by == actor
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"assignment.create", "assignment.override"} <= actions
    with pytest.raises(AlreadyAssigned):
        assign(actor, target, person, StaffRole.CO, override_reason="encore")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_hard_reason_is_never_overridden(kind, person, actor, places):
    Absence.objects.create(
        person=person, start_date=dt.date(2027, 1, 13), end_date=dt.date(2027, 1, 13)
    )
    with pytest.raises(AssignmentRefused) as refused:
        assign(actor, _target(kind, places), person, StaffRole.LEAD, override_reason="urgent")
    assert "Absent" in str(refused.value.message)
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_an_assignment_without_conflict_needs_no_reason_and_unassign_is_audited(
    person, actor, places
):
    made = assign(actor, _target("group", places), person, StaffRole.CO, override_reason="x")
    assert made.override_reason == ""  # nothing was overridden
    unassign(actor, made)
    assert not Assignment.objects.exists()
    assert AuditEntry.objects.filter(action="assignment.delete").exists()


@pytest.mark.django_db
def test_only_someone_who_may_change_the_session_assigns(person, places, django_user_model):
    from network.models import MemberProfile, Organisation
    from network.roles import COMMUNE_COORDINATOR, setup_roles

    setup_roles()
    outsider = django_user_model.objects.create_user("coord-ay")
    outsider.groups.add(*[g for g in setup_roles() if g.name == COMMUNE_COORDINATOR.name])
    aywaille = places["aywaille"].commune
    organisation = Organisation.objects.create(name="Commune d'Aywaille")
    organisation.communes.add(aywaille)
    profile = MemberProfile.objects.create(user=outsider, organisation=organisation)
    profile.communes.add(aywaille)
    with pytest.raises(NotAllowed):
        assign(outsider, _target("group", places), person, StaffRole.CO)
    assert not Assignment.objects.exists()


# serialized_rollback: start from the migrations' data (content types) even after a test that
# flushed the database without them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_coordinators_cannot_double_book_the_same_person(
    django_user_model, monkeypatch, migrated_data
):
    person = django_user_model.objects.create_user("anim-race")
    actor = django_user_model.objects.create_superuser("boss-race")
    places = {"esneux": venue("Salle", "Esneux")}
    first = session(series("group", the_venue=places["esneux"]), WED)
    later = WED + dt.timedelta(minutes=45)
    second = session(series("training", the_venue=places["esneux"]), later)
    barrier = threading.Barrier(2)
    outcomes = []
    real_check = conflicts.check

    def slow_check(*args, **kwargs):
        # Widen the window between the check and the insert: without the lock, both pass.
        result = real_check(*args, **kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(conflicts, "check", slow_check)

    def run(target):
        try:
            barrier.wait(timeout=10)
            assign(actor, target, person, StaffRole.CO)
            outcomes.append("ok")
        except AssignmentRefused:
            outcomes.append("refused")
        except Exception as error:  # pragma: no cover - shown in the assertion
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["ok", "refused"]
    assert Assignment.objects.filter(person=person).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_assigned_person_gets_a_calendar_invitation(django_user_model, migrated_data):
    from django.core import mail

    person = django_user_model.objects.create_user("anim-mail", email="anim.mail@cpas.example")
    actor = django_user_model.objects.create_superuser("boss-mail")
    target = session(series("group", the_venue=venue("Salle", "Esneux")), WED)
    assign(actor, target, person, StaffRole.LEAD)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anim.mail@cpas.example"]
    (name, content, mimetype) = message.attachments[0]
    assert mimetype.startswith("text/calendar; method=REQUEST")
    text = content.decode() if isinstance(content, bytes) else content
    assert "METHOD:REQUEST" in text and target.uid in text.replace("\r\n ", "")
    assert "ATTENDEE" in text and "anim.mail@cpas.example" in text
