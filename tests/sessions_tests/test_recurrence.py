"""The time engine: wall-clock times that never drift, RFC 5545 gaps and folds, closures."""

import datetime as dt
import zoneinfo

import pytest
import recurrence
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.models import Commune
from sessions import services
from sessions.models import Closure, ClosureKind, Series, Session
from sessions.recurrence import ClosedDays, expand_rule, localise, occurrences

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
UTC = dt.UTC


def test_a_nonexistent_time_takes_the_offset_before_the_gap():
    # 28 March 2027: clocks jump from 02:00 to 03:00.
    moment = localise(dt.datetime(2027, 3, 28, 2, 30), BRUSSELS)
    assert moment.astimezone(UTC) == dt.datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert (moment.hour, moment.minute) == (3, 30)


def test_an_ambiguous_time_is_the_first_occurrence():
    # 31 October 2027: 02:00-03:00 happens twice; the first is still summer time.
    moment = localise(dt.datetime(2027, 10, 31, 2, 30), BRUSSELS)
    assert moment.astimezone(UTC) == dt.datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


def _series(**fields):
    defaults = {
        "title": "Groupe enfants",
        "start_time": dt.time(16, 0),
        "duration_minutes": 90,
        "skip_public_holidays": False,
    }
    defaults.update(fields)
    return Series(**defaults)


def test_a_weekly_16h_group_stays_at_16h_after_the_october_change():
    rule = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=10")
    series = _series(start_date=dt.date(2027, 10, 6), rule=rule)
    starts = occurrences(series)
    assert len(starts) == 10
    assert {(s.hour, s.minute) for s in starts} == {(16, 0)}
    assert starts[3].utcoffset() == dt.timedelta(hours=2)  # 27 Oct, summer time
    assert starts[4].utcoffset() == dt.timedelta(hours=1)  # 3 Nov, winter time


@pytest.mark.django_db
def test_the_rule_survives_a_save_and_load_without_drifting():
    commune = Commune.objects.create(name="Esneux")
    rule = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20271201T000000")
    series = _series(start_date=dt.date(2027, 9, 1), rule=rule, commune=commune)
    series.save()
    loaded = Series.objects.get(pk=series.pk)
    starts = occurrences(loaded)
    assert {(s.hour, s.minute) for s in starts} == {(16, 0)}
    assert starts[-1].date() == dt.date(2027, 12, 1)  # UNTIL as a date includes that day


def test_school_holidays_are_skipped_with_the_designs_example():
    closed = ClosedDays(
        (
            (dt.date(2027, 2, 22), dt.date(2027, 3, 5), "Congé de détente", None),
            (dt.date(2027, 4, 26), dt.date(2027, 5, 7), "Vacances de printemps", None),
        )
    )
    rule = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20270623T000000")
    series = _series(start_date=dt.date(2027, 1, 13), start_time=dt.time(14, 0), rule=rule)
    starts = occurrences(series, closed=closed)
    assert len(starts) == 20
    assert dt.date(2027, 2, 24) not in {s.date() for s in starts}


def test_a_rule_without_an_end_gives_nothing():
    rule = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE")
    assert occurrences(_series(start_date=dt.date(2027, 1, 13), rule=rule)) == []


def test_exdates_remove_a_day_whatever_their_time():
    rule = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=3\nEXDATE:20270120T000000")
    naive = list(expand_rule(rule, dt.datetime(2027, 1, 13, 14, 0)))
    assert [d.date() for d in naive] == [dt.date(2027, 1, 13), dt.date(2027, 1, 27)]


TIMES = st.sampled_from([dt.time(0, 30), dt.time(2, 30), dt.time(14, 0), dt.time(23, 30)])
# Start dates a few weeks before the last Sundays of March and October.
STARTS = st.sampled_from(
    [
        dt.date(2027, 3, 1),
        dt.date(2027, 3, 21),
        dt.date(2027, 10, 3),
        dt.date(2027, 10, 24),
        dt.date(2028, 3, 12),
        dt.date(2028, 10, 22),
    ]
)
WEEKDAYS = st.lists(
    st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1, max_size=3, unique=True
)


@st.composite
def rules(draw):
    freq = draw(st.sampled_from(["WEEKLY", "MONTHLY"]))
    parts = [f"FREQ={freq}"]
    if freq == "WEEKLY":
        parts.append("BYDAY=" + ",".join(draw(WEEKDAYS)))
        parts.append(f"INTERVAL={draw(st.integers(1, 2))}")
    else:
        parts.append("BYDAY=" + draw(st.sampled_from(["-1SU", "1WE", "2TU", "-1SA"])))
    if draw(st.booleans()):
        count = draw(st.integers(1, 30))
        parts.append(f"COUNT={count}")
        end = ("count", count)
    else:
        until = draw(st.dates(dt.date(2027, 3, 1), dt.date(2029, 3, 1)))
        parts.append(f"UNTIL={until:%Y%m%d}T000000")
        end = ("until", until)
    return "RRULE:" + ";".join(parts), end


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_and_end=rules(), start_date=STARTS, start_time=TIMES, closed_day=st.integers(0, 40))
def test_property_wall_clock_closures_and_ends(rule_and_end, start_date, start_time, closed_day):
    text, (end_kind, end_value) = rule_and_end
    rule = recurrence.deserialize(text)
    series = _series(start_date=start_date, start_time=start_time, rule=rule)
    raw = list(expand_rule(rule, dt.datetime.combine(start_date, start_time)))
    closure_day = start_date + dt.timedelta(days=closed_day)
    closed = ClosedDays(((closure_day, closure_day, "Fermeture", None),))
    starts = occurrences(series, closed=closed)

    # COUNT and UNTIL are honoured.
    if end_kind == "count":
        assert len(raw) == end_value
    else:
        assert all(day.date() <= end_value for day in raw)
    # No closure day holds a session.
    assert closure_day not in {s.date() for s in starts}
    assert len(starts) == len([d for d in raw if d.date() != closure_day])
    for naive, aware in zip([d for d in raw if d.date() != closure_day], starts, strict=True):
        assert aware.tzinfo is not None
        expected_utc = naive.replace(tzinfo=BRUSSELS, fold=0).astimezone(UTC)
        assert aware.astimezone(UTC) == expected_utc
        # The wall-clock time is the rule's, except in the spring gap (one hour later).
        wall = aware.astimezone(BRUSSELS)
        if (wall.hour, wall.minute) != (start_time.hour, start_time.minute):
            assert start_time == dt.time(2, 30) and (wall.hour, wall.minute) == (3, 30)
            assert wall.month == 3 and wall.weekday() == 6


@pytest.mark.django_db
def test_regenerating_twice_changes_nothing_and_keeps_staffed_sessions(django_user_model):
    from sessions.models import Assignment

    commune = Commune.objects.create(name="Esneux")
    rule = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=6")
    series = _series(start_date=dt.date(2027, 1, 13), rule=rule, commune=commune)
    series.save()
    first = services.regenerate(series, until=dt.date(2027, 12, 31))
    assert len(first.created) == 6
    again = services.regenerate(series, until=dt.date(2027, 12, 31))
    assert (again.created, again.updated, again.deleted) == ([], [], 0)
    uids = list(series.sessions.values_list("uid", flat=True))

    staffed = series.sessions.order_by("start")[4]
    Assignment.objects.create(
        session=staffed, person=django_user_model.objects.create(username="anim"), role="lead"
    )
    series.rule = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=3")
    series.save()
    shorter = services.regenerate(series, until=dt.date(2027, 12, 31))
    assert shorter.deleted == 2
    assert [s.pk for s in shorter.kept_off_rule] == [staffed.pk]
    staffed.refresh_from_db()
    assert staffed.off_rule
    assert set(series.sessions.values_list("uid", flat=True)) <= set(uids)


@pytest.mark.django_db
def test_holiday_closures_come_from_the_holidays_package():
    services.sync_holiday_closures([2027])
    assert services.sync_holiday_closures([2027]) == 0  # idempotent
    public = Closure.objects.filter(kind=ClosureKind.PUBLIC_HOLIDAY)
    assert public.filter(reason="Fête nationale", start_date=dt.date(2027, 7, 21)).exists()
    spring = Closure.objects.get(kind=ClosureKind.SCHOOL_HOLIDAY, start_date__month=4)
    assert spring.end_date > spring.start_date  # a range, not one row a day


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_regeneration_queries_do_not_grow_with_sessions(count, django_assert_num_queries):
    commune = Commune.objects.create(name="Esneux")
    rule = recurrence.deserialize(f"RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT={count}")
    series = _series(start_date=dt.date(2027, 1, 13), rule=rule, commune=commune)
    series.save()
    # savepoint, series lock, closures, existing sessions, one bulk insert, release
    with django_assert_num_queries(6):
        result = services.regenerate(series, until=dt.date(2028, 12, 31))
    assert len(result.created) == count


@pytest.mark.django_db
def test_this_and_following_splits_the_series_and_keeps_uids():
    commune = Commune.objects.create(name="Esneux")
    rule = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20270331T000000")
    series = _series(start_date=dt.date(2027, 1, 13), rule=rule, commune=commune)
    series.save()
    services.regenerate(series, until=dt.date(2027, 12, 31))
    uid_march_3 = series.sessions.get(start__date=dt.date(2027, 3, 3)).uid

    new = services.split_series(series, dt.date(2027, 3, 1), duration_minutes=120)
    services.regenerate(series, until=dt.date(2027, 12, 31))
    services.regenerate(new, until=dt.date(2027, 12, 31))
    assert series.sessions.filter(start__date__gte=dt.date(2027, 3, 1)).count() == 0
    march = new.sessions.order_by("start")
    assert [s.start.astimezone(BRUSSELS).date().day for s in march] == [3, 10, 17, 24, 31]
    moved = march.first()
    assert moved.uid == uid_march_3  # agendas update it, they do not duplicate it
    assert moved.end - moved.start == dt.timedelta(minutes=120)
    assert moved.sequence == 1


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rule_and_end=rules(), start_date=STARTS, start_time=TIMES)
def test_property_the_feed_expands_to_the_table(rule_and_end, start_date, start_time):
    """recurring-ical-events, an independent parser, finds exactly the table's UTC instants."""
    import icalendar
    import recurring_ical_events

    from sessions.feeds import Feed
    from sessions.models import Session

    commune, _ = Commune.objects.get_or_create(name="Esneux")
    series = _series(
        start_date=start_date,
        start_time=start_time,
        rule=recurrence.deserialize(rule_and_end[0]),
        commune=commune,
    )
    series.save()
    try:
        services.regenerate(series, until=dt.date(2030, 1, 1))
        table = sorted(s.start.astimezone(UTC) for s in Session.objects.filter(series=series))
        calendar = icalendar.Calendar.from_ical(
            Feed(Session.objects.filter(series=series), "Test").body
        )
        expanded = sorted(
            event.start.astimezone(UTC)
            for event in recurring_ical_events.of(calendar).between(
                dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2030, 1, 2, tzinfo=UTC)
            )
        )
        assert expanded == table
    finally:
        series.delete()


@pytest.mark.django_db
def test_a_new_start_time_moves_sessions_with_their_uid_and_staff(django_user_model):
    from sessions.models import Assignment

    commune = Commune.objects.create(name="Esneux")
    rule = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=4")
    series = _series(start_date=dt.date(2027, 1, 13), rule=rule, commune=commune)
    series.save()
    services.regenerate(series, until=dt.date(2027, 12, 31))
    staffed = series.sessions.order_by("start")[1]
    Assignment.objects.create(
        session=staffed, person=django_user_model.objects.create(username="anim"), role="lead"
    )
    uids = set(series.sessions.values_list("uid", flat=True))

    series.start_time = dt.time(17, 0)
    series.save()
    result = services.regenerate(series, until=dt.date(2027, 12, 31))
    assert result.created == [] and result.deleted == 0
    assert set(series.sessions.values_list("uid", flat=True)) == uids
    staffed.refresh_from_db()
    assert staffed.start.astimezone(BRUSSELS).hour == 17
    assert staffed.sequence == 1 and not staffed.off_rule
    assert staffed.assignments.count() == 1


@pytest.mark.django_db
def test_a_session_a_higher_app_holds_survives_a_rule_change():
    """Attendance lives in higher apps: they declare it through `session_keepers`."""
    from sessions import registries

    commune = Commune.objects.create(name="Esneux")
    rule = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=5")
    series = _series(start_date=dt.date(2027, 1, 13), rule=rule, commune=commune)
    series.save()
    services.regenerate(series, until=dt.date(2027, 12, 31))
    attended = series.sessions.order_by("start").last()

    def keeper(queryset):
        return set(queryset.filter(pk=attended.pk).values_list("pk", flat=True))

    registries.session_keepers.append(keeper)
    try:
        series.rule = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=2")
        series.save()
        result = services.regenerate(series, until=dt.date(2027, 12, 31))
    finally:
        registries.session_keepers.remove(keeper)
    assert result.deleted == 2
    attended.refresh_from_db()
    assert attended.off_rule


@pytest.mark.django_db
def test_a_new_start_time_leaves_cancelled_and_moved_days_alone():
    commune = Commune.objects.create(name="Esneux")
    rule = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=4")
    series = _series(start_date=dt.date(2027, 1, 13), rule=rule, commune=commune)
    series.save()
    services.regenerate(series, until=dt.date(2027, 12, 31))
    second, third = series.sessions.order_by("start")[1:3]
    services.cancel_session(second, "Fermeture")
    services.move_session(third, start=third.start + dt.timedelta(days=1), reason="Salle occupée")
    series.start_time = dt.time(15, 0)
    series.save()
    services.regenerate(series, until=dt.date(2027, 12, 31))
    services.regenerate(series, until=dt.date(2027, 12, 31))
    assert series.sessions.count() == 4
    days = sorted(s.start.astimezone(BRUSSELS).date() for s in series.sessions.all())
    assert days == [
        dt.date(2027, 1, 13),
        dt.date(2027, 1, 20),
        dt.date(2027, 1, 28),
        dt.date(2027, 2, 3),
    ]


@pytest.mark.django_db
def test_splitting_a_count_rule_or_a_rule_without_weekday_keeps_the_dates():
    commune = Commune.objects.create(name="Esneux")
    Closure.objects.create(
        kind=ClosureKind.LOCAL,
        start_date=dt.date(2027, 1, 20),
        end_date=dt.date(2027, 1, 20),
        reason="Fermeture",
        commune=commune,
    )
    for text in ("RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=6", "RRULE:FREQ=WEEKLY;COUNT=6"):
        series = _series(
            title=text,
            start_date=dt.date(2027, 1, 13),
            rule=recurrence.deserialize(text),
            commune=commune,
            skip_local_closures=True,
        )
        series.save()
        services.regenerate(series, until=dt.date(2027, 12, 31))
        before = sorted(s.start for s in series.sessions.all())
        new = services.split_series(series, dt.date(2027, 2, 1), duration_minutes=120)
        after = sorted(s.start for s in Session.objects.filter(series__in=[series, new]))
        assert after == before, text
        assert all(s.start.astimezone(BRUSSELS).weekday() == 2 for s in new.sessions.all())


@pytest.mark.django_db
def test_the_internal_title_never_leaves_the_building():
    from django.utils import translation

    series = _series(
        title="Groupe de Léa (interne)",
        commune=Commune.objects.create(name="Esneux"),
        start_date=dt.date(2027, 1, 13),
    )
    with translation.override("fr"):
        assert series.agenda_title == "Séance — Esneux"
    series.public_title = "Groupe enfants — Esneux"
    assert series.agenda_title == "Groupe enfants — Esneux"


def test_rules_are_bounded():
    from sessions.recurrence import rule_problems

    assert rule_problems(recurrence.deserialize("RRULE:FREQ=MINUTELY;COUNT=10"))
    assert rule_problems(recurrence.deserialize("RRULE:FREQ=DAILY;COUNT=5000"))
    assert rule_problems(recurrence.deserialize("RRULE:FREQ=WEEKLY;COUNT=40")) == []
