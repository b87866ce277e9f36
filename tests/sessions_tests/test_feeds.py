"""iCalendar feeds: stable bytes, conditional requests, tokens, privacy, scope, DST-exact times."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zoneinfo

import icalendar
import pytest
import recurrence
import recurring_ical_events
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist
from django.test import Client
from django.urls import reverse
from django.utils.http import int_to_base36

from hub.logging import RedactSecretsFilter, redact
from network import roles
from network.models import Commune, MemberProfile, Organisation, OrganisationKind
from network.signals import member_deactivated
from sessions import feeds, services, signals, tokens
from sessions.models import Assignment, FeedSubscription, Series, Session, StaffRole, Venue
from sessions.panels import agenda_panel_context
from sessions.registries import feed_providers

pytestmark = pytest.mark.django_db

User = get_user_model()
UTC = dt.UTC
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
# Before the series below start; every test runs at this instant unless it moves the clock.
NOW = dt.datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
SECRET_ADDRESS = "Rue du Refuge 13"
STAFF_NAME = ("Zélie", "Vandenbroucke")
INTERNAL_TITLE = "Groupe de Lina Dupuis-Martens"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def esneux():
    return Commune.objects.create(name="Esneux")


@pytest.fixture
def aywaille():
    return Commune.objects.create(name="Aywaille")


@pytest.fixture
def staff(esneux):
    user = User.objects.create_user(
        "animatrice",
        "zelie.vandenbroucke@cpas-esneux.example",
        "a-long-password",
        first_name=STAFF_NAME[0],
        last_name=STAFF_NAME[1],
    )
    return user


def _series(commune, venue=None, *, rule, start_date, start_time, zone="Europe/Brussels", **kw):
    series = Series.objects.create(
        title=kw.pop("title", INTERNAL_TITLE),
        public_title=kw.pop("public_title", "Groupe enfants — Esneux"),
        commune=commune,
        venue=venue,
        start_date=start_date,
        start_time=start_time,
        duration_minutes=90,
        time_zone=zone,
        rule=recurrence.deserialize(rule),
        skip_public_holidays=False,
        **kw,
    )
    services.regenerate(series, until=dt.date(2029, 1, 1))
    return series


def _assign(user, series):
    Assignment.objects.bulk_create(
        Assignment(session=s, person=user, role=StaffRole.LEAD) for s in series.sessions.all()
    )


@pytest.fixture
def confidential_venue(esneux):
    return Venue.objects.create(
        name="Local de l'association",
        address=SECRET_ADDRESS,
        commune=esneux,
        confidential_address=True,
    )


@pytest.fixture
def dst_series(esneux, confidential_venue, staff):
    """Two weekly Sunday series across the last Sundays of March and October 2027."""
    made = [
        _series(
            esneux,
            confidential_venue,
            rule="RRULE:FREQ=WEEKLY;BYDAY=SU;COUNT=40",
            start_date=dt.date(2027, 3, 7),
            start_time=start,
        )
        for start in (dt.time(2, 30), dt.time(16, 0))
    ]
    for series in made:
        _assign(staff, series)
    return made


def _feed_url(user) -> str:
    subscription = tokens.subscription_for(user)
    return reverse("sessions:personal_feed", args=[tokens.token_for(subscription)])


def _unfold(body: bytes) -> bytes:
    """Content lines longer than 75 octets are folded (RFC 5545 §3.1)."""
    return body.replace(b"\r\n ", b"")


def _vevents(body: bytes) -> dict[str, bytes]:
    """Each VEVENT's bytes (unfolded), by UID."""
    blocks = re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", _unfold(body), flags=re.S)
    return {re.search(rb"\r\nUID:([^\r]+)", block).group(1).decode(): block for block in blocks}


def _parse(body: bytes) -> icalendar.Calendar:
    calendar = icalendar.Calendar.from_ical(body)
    assert calendar.get_missing_tzids() == set()
    return calendar


# --- bytes, validators, conditional requests ----------------------------------------------


def test_two_requests_without_change_are_byte_identical(client, dst_series, staff, clock):
    url = _feed_url(staff)
    first = client.get(url)
    clock.shift(dt.timedelta(hours=5))  # DTSTAMP never comes from "now"
    second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    assert first["Last-Modified"] == second["Last-Modified"]
    assert first["Content-Type"] == "text/calendar; charset=utf-8"
    assert first["Cache-Control"] == "private, no-cache"
    body = first.content
    assert body.count(b"BEGIN:VEVENT") == 80
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in body
    assert b"\r\nNAME:" in body and b"\r\nX-WR-CALNAME:" in body
    assert b"DTSTART;TZID=Europe/Brussels:20270307T023000\r\n" in body
    assert body.count(b"BEGIN:VTIMEZONE") == 1


def test_events_are_ordered_by_start_then_uid(client, dst_series, staff):
    calendar = _parse(client.get(_feed_url(staff)).content)
    keys = [(e.DTSTART.astimezone(UTC), str(e["UID"])) for e in calendar.walk("VEVENT")]
    assert keys == sorted(keys)


def test_a_conditional_request_answers_304(client, dst_series, staff):
    url = _feed_url(staff)
    first = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "private, no-cache"
    # If-Modified-Since alone is not trusted: a session leaving the feed changes no date.
    by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 200
    other = client.get(url, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200


def test_cancelling_changes_only_that_vevent(client, dst_series, staff, clock):
    url = _feed_url(staff)
    before = client.get(url)
    session = dst_series[1].sessions.order_by("start")[5]
    clock.shift(dt.timedelta(days=1))
    services.cancel_session(session, reason="Animatrice malade")
    after = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    old, new = _vevents(before.content), _vevents(after.content)
    assert old.keys() == new.keys()
    changed = [uid for uid in old if old[uid] != new[uid]]
    assert changed == [session.uid]
    assert b"SEQUENCE:0\r\n" in old[session.uid] and b"SEQUENCE:1\r\n" in new[session.uid]
    assert b"STATUS:CONFIRMED\r\n" in old[session.uid]
    assert b"STATUS:CANCELLED\r\n" in new[session.uid]
    assert b"malade" not in after.content  # the reason stays inside
    # Everything outside that VEVENT is byte-identical.
    assert _unfold(before.content).replace(old[session.uid], b"") == _unfold(after.content).replace(
        new[session.uid], b""
    )


def test_a_cancelled_session_stays_for_thirty_days_after_it_was_due(
    client, dst_series, staff, clock
):
    session = dst_series[0].sessions.order_by("start").first()
    services.cancel_session(session, reason="Fermeture")
    url = _feed_url(staff)
    clock.move_to(session.start + dt.timedelta(days=29))
    assert session.uid.encode() in _unfold(client.get(url).content)
    clock.move_to(session.start + dt.timedelta(days=31))
    assert session.uid.encode() not in _unfold(client.get(url).content)


def test_moving_a_session_keeps_its_uid(client, dst_series, staff, clock):
    url = _feed_url(staff)
    session = dst_series[1].sessions.order_by("start")[2]
    before = _vevents(client.get(url).content)
    clock.shift(dt.timedelta(hours=1))
    new_start = session.start + dt.timedelta(days=2, hours=1)
    services.move_session(session, start=new_start, reason="Salle occupée")
    after = _vevents(client.get(url).content)
    assert before.keys() == after.keys()
    assert b"SEQUENCE:1\r\n" in after[session.uid]
    assert b"STATUS:CONFIRMED\r\n" in after[session.uid]
    local = new_start.astimezone(BRUSSELS)
    assert f"DTSTART;TZID=Europe/Brussels:{local:%Y%m%dT%H%M%S}".encode() in after[session.uid]


# --- DST: the independent parser agrees with the table ----------------------------------------


def test_the_expanded_feed_gives_the_same_utc_instants_as_the_table(client, dst_series, staff):
    body = client.get(_feed_url(staff)).content
    calendar = _parse(body)
    expanded = recurring_ical_events.of(calendar).between(
        dt.datetime(2027, 1, 1, tzinfo=UTC), dt.datetime(2029, 1, 1, tzinfo=UTC)
    )
    from_feed = sorted(
        (e.DTSTART.astimezone(UTC), e.DTEND.astimezone(UTC), str(e["UID"])) for e in expanded
    )
    from_table = sorted(
        (s.start, s.end, s.uid) for s in Session.objects.filter(series__in=dst_series)
    )
    assert from_feed == from_table
    # The gap and the fold, as DESIGN says: 02:30 on 28 March is 03:30 CEST, on 31 October the
    # first 02:30 (still summer time); 16:00 stays 16:00 on both sides of each change.
    instants = {start for start, _end, _uid in from_feed}
    assert dt.datetime(2027, 3, 28, 1, 30, tzinfo=UTC) in instants
    assert dt.datetime(2027, 10, 31, 0, 30, tzinfo=UTC) in instants
    assert dt.datetime(2027, 3, 28, 14, 0, tzinfo=UTC) in instants
    assert dt.datetime(2027, 10, 31, 15, 0, tzinfo=UTC) in instants


def test_a_vtimezone_for_every_zone_used(client, esneux, staff):
    london = _series(
        esneux,
        rule="RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3",
        start_date=dt.date(2027, 3, 22),
        start_time=dt.time(18, 0),
        zone="Europe/London",
    )
    brussels = _series(
        esneux,
        rule="RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3",
        start_date=dt.date(2027, 3, 22),
        start_time=dt.time(18, 0),
    )
    _assign(staff, london)
    _assign(staff, brussels)
    body = client.get(_feed_url(staff)).content
    calendar = _parse(body)
    assert {tz.tz_name for tz in calendar.timezones} == {"Europe/Brussels", "Europe/London"}
    expanded = recurring_ical_events.of(calendar).between(
        dt.datetime(2027, 1, 1, tzinfo=UTC), dt.datetime(2028, 1, 1, tzinfo=UTC)
    )
    assert sorted(e.DTSTART.astimezone(UTC) for e in expanded) == sorted(
        Session.objects.values_list("start", flat=True)
    )


# --- privacy --------------------------------------------------------------------------


def test_no_confidential_address_and_no_participant_data_in_any_feed(
    client, dst_series, staff, esneux
):
    coordinator = _member("coord-esneux", roles.COMMUNE_COORDINATOR, esneux)
    co = User.objects.create_user(
        "co-anim", "quentin.ortegat@example.org", "x", first_name="Quentin", last_name="Ortegat"
    )
    session = dst_series[0].sessions.order_by("start").first()
    Assignment.objects.create(session=session, person=co, role=StaffRole.CO)
    bodies = [client.get(_feed_url(staff)).content]
    client.force_login(coordinator)
    bodies.append(client.get(reverse("sessions:series_feed", args=[dst_series[0].uid])).content)
    bodies.append(client.get(reverse("sessions:session_ics", args=[session.uid])).content)
    bodies.append(feeds.invitation(session, staff))
    for body in bodies:
        text = body.decode()
        assert "BEGIN:VEVENT" in text
        for secret in (
            SECRET_ADDRESS,
            "Refuge",
            INTERNAL_TITLE,
            "Lina",
            "Quentin",
            "Ortegat",
            "quentin.ortegat",
            STAFF_NAME[0],
            STAFF_NAME[1],
            "Local de l'association",
        ):
            assert secret not in text, (secret, text[:400])
        assert "SUMMARY:Groupe enfants — Esneux" in text
        assert "LOCATION:Esneux" in text


def test_the_token_never_reaches_the_logs(client, dst_series, staff, caplog):
    url = _feed_url(staff)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert redact(f"Not Found: {url}") == "Not Found: /agenda/[…]/"
    assert redact(f'"GET {url} HTTP/1.1" 404 0') == '"GET /agenda/[…]/ HTTP/1.1" 404 0'
    series_url = reverse("sessions:series_feed", args=[dst_series[0].uid])
    assert redact(series_url) == series_url  # nothing secret there

    tokens.rotate(staff)
    # The project's own console handler, with the filter that settings attach to it.
    console = next(h for h in logging.getLogger("django").handlers if h.name == "console")
    assert any(isinstance(f, RedactSecretsFilter) for f in console.filters)
    stream = io.StringIO()
    previous = console.setStream(stream)
    request_logger = logging.getLogger("django.request")
    caplog.handler.addFilter(RedactSecretsFilter())
    request_logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.WARNING, logger="django.request"):
            assert client.get(url).status_code == 404
    finally:
        request_logger.removeHandler(caplog.handler)
        console.setStream(previous)
    logged = stream.getvalue() + caplog.text
    assert "Not Found" in logged and "/agenda/[…]/" in logged
    assert token not in logged
    assert all(token not in record.getMessage() for record in caplog.records)


# --- tokens -------------------------------------------------------------------------------


def test_tokens_have_at_least_128_bits_and_store_nothing_secret(staff):
    subscription = tokens.subscription_for(staff)
    token = tokens.token_for(subscription)
    mac = token.split("-", 1)[1]
    assert len(mac) * 6 >= 128
    assert re.fullmatch(r"[A-Za-z0-9_-]+", mac)
    stored = " ".join(str(v) for v in FeedSubscription.objects.values_list().get())
    assert mac not in stored
    assert tokens.subscription_from_token(token) == subscription
    assert tokens.subscription_from_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    other = User.objects.create_user("autre", "autre@example.org", "x")
    tokens.subscription_for(other)
    assert tokens.subscription_from_token(f"{int_to_base36(other.pk)}-{mac}") is None
    assert tokens.subscription_from_token(f"{token}x") is None


def test_a_rotated_or_revoked_token_answers_404(client, dst_series, staff):
    old = _feed_url(staff)
    assert client.get(old).status_code == 200
    tokens.rotate(staff)
    new = _feed_url(staff)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    tokens.revoke(staff)
    assert client.get(new).status_code == 404
    assert client.get(_feed_url(staff)).status_code == 404  # revoked: no URL works
    tokens.rotate(staff)
    assert client.get(_feed_url(staff)).status_code == 200
    assert client.get(new).status_code == 404 and client.get(old).status_code == 404


def test_the_agenda_page_shows_rotates_and_revokes(client, dst_series, staff):
    client.force_login(staff)
    page = client.get("/mon-agenda/")
    assert page.status_code == 200
    html = page.content.decode()
    url = _feed_url(staff)
    assert f"http://testserver{url}" in html
    assert f"webcal://testserver{url}" in html
    assert "Outlook" in html and "Google" in html and "Apple" in html
    assert reverse("sessions:session_ics", args=[dst_series[0].sessions.first().uid]) in html
    assert SECRET_ADDRESS in html  # the staff assigned there see the confidential address

    assert client.post(reverse("sessions:rotate_feed")).status_code == 302
    assert client.get(url).status_code == 404
    rotated = _feed_url(staff)
    assert rotated in client.get("/mon-agenda/").content.decode()

    assert client.post(reverse("sessions:revoke_feed")).status_code == 302
    assert client.get(rotated).status_code == 404
    revoked_page = client.get("/mon-agenda/").content.decode()
    assert "webcal://" not in revoked_page
    assert not re.search(r"/agenda/[0-9a-z]+-", revoked_page)
    assert client.get(reverse("sessions:rotate_feed")).status_code == 405  # POST only


def test_the_agenda_page_needs_a_login(client):
    response = client.get("/mon-agenda/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


def test_deactivating_a_member_revokes_the_feed(client, dst_series, staff):
    signals.connect()
    url = _feed_url(staff)
    assert client.get(url).status_code == 200
    member_deactivated.send(sender=MemberProfile, user=staff, actor=None)
    assert FeedSubscription.objects.get(user=staff).revoked
    assert client.get(url).status_code == 404


def test_an_inactive_user_has_no_feed(client, dst_series, staff):
    url = _feed_url(staff)
    staff.is_active = False
    staff.save()
    assert client.get(url).status_code == 404


# --- scope --------------------------------------------------------------------------------


def _member(username, role, *communes):
    roles.setup_roles()
    organisation, _created = Organisation.objects.get_or_create(
        name=f"CPAS {username}", defaults={"kind": OrganisationKind.choices[0][0]}
    )
    user = User.objects.create_user(username, f"{username}@test.example", "a-long-password")
    user.groups.add(Group.objects.get(name=role.name))
    profile = MemberProfile.objects.create(user=user, organisation=organisation)
    profile.communes.add(*communes)
    return user


def test_series_feed_and_session_ics_stay_in_scope(client, dst_series, esneux, aywaille, staff):
    series = dst_series[0]
    session = series.sessions.order_by("start").first()
    series_url = reverse("sessions:series_feed", args=[series.uid])
    session_url = reverse("sessions:session_ics", args=[session.uid])

    assert client.get(series_url).status_code == 302  # login required
    assert client.get(session_url).status_code == 302

    for outsider in (
        _member("coord-aywaille", roles.COMMUNE_COORDINATOR, aywaille),
        _member("pro-esneux", roles.PROFESSIONAL, esneux),
    ):
        client.force_login(outsider)
        assert client.get(series_url).status_code == 404, outsider
        assert client.get(session_url).status_code == 404, outsider

    for insider in (_member("coord-esneux", roles.COMMUNE_COORDINATOR, esneux), staff):
        client.force_login(insider)
        feed = client.get(series_url)
        assert feed.status_code == 200
        assert feed.content.count(b"BEGIN:VEVENT") == series.sessions.count()
        assert _parse(feed.content)["X-WR-CALNAME"] == "Groupe enfants — Esneux"
        single = client.get(session_url)
        assert single.status_code == 200
        assert single["Content-Disposition"].startswith("attachment; filename=")
        assert list(_vevents(single.content)) == [session.uid]
        again = client.get(session_url, HTTP_IF_NONE_MATCH=single["ETag"])
        assert again.status_code == 304

    client.force_login(staff)
    unknown = reverse("sessions:series_feed", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(unknown).status_code == 404


def test_feed_providers_add_to_the_personal_agenda(client, esneux, staff):
    training = _series(
        esneux,
        rule="RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=2",
        start_date=dt.date(2027, 2, 2),
        start_time=dt.time(9, 0),
        title="Formation",
        public_title="Formation — violences intrafamiliales",
    )

    def provider(user):
        return Session.objects.filter(series=training) if user == staff else Session.objects.none()

    feed_providers.append(provider)
    try:
        body = client.get(_feed_url(staff)).content
        assert body.count(b"BEGIN:VEVENT") == 2
        client.force_login(staff)
        session = training.sessions.first()
        ics = client.get(reverse("sessions:session_ics", args=[session.uid]))
        assert ics.status_code == 200  # in their agenda: they may download it
    finally:
        feed_providers.remove(provider)


# --- queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 12])
def test_the_personal_feed_takes_the_same_queries_whatever_its_size(
    count, esneux, staff, confidential_venue, django_assert_num_queries
):
    for index in range(2):
        series = _series(
            esneux,
            confidential_venue if index else None,
            rule=f"RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT={count}",
            start_date=dt.date(2027, 2, 3),
            start_time=dt.time(14 + index, 0),
        )
        _assign(staff, series)
    url = _feed_url(staff)
    client = Client()
    with django_assert_num_queries(2):  # the subscription, then the events
        response = client.get(url)
    assert response.content.count(b"BEGIN:VEVENT") == 2 * count
    with django_assert_num_queries(2):
        assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


# --- invitations and the dashboard panel ------------------------------------------------


def test_invitations_request_and_cancel(dst_series, staff, settings):
    settings.DEFAULT_FROM_EMAIL = "Réseau Secova <maillage@reseau-secova.example>"
    session = dst_series[1].sessions.order_by("start").first()
    request = icalendar.Calendar.from_ical(feeds.invitation(session, staff))
    assert str(request["METHOD"]) == "REQUEST"
    assert request.get_missing_tzids() == set()
    (event,) = request.walk("VEVENT")
    assert str(event["UID"]) == session.uid
    assert str(event["ORGANIZER"]) == "mailto:maillage@reseau-secova.example"
    assert str(event["ATTENDEE"]) == f"mailto:{staff.email}"
    assert event["STATUS"] == "CONFIRMED"
    cancelled = services.cancel_session(session, reason="Fermeture")
    cancel = icalendar.Calendar.from_ical(feeds.invitation(cancelled, staff, method="CANCEL"))
    assert str(cancel["METHOD"]) == "CANCEL"
    (event,) = cancel.walk("VEVENT")
    assert (str(event["UID"]), event["SEQUENCE"], event["STATUS"]) == (
        session.uid,
        1,
        "CANCELLED",
    )
    with pytest.raises(ValueError):
        feeds.invitation(session, staff, method="PUBLISH")


def test_the_agenda_panel_lists_the_next_three_sessions(rf, dst_series, staff):
    request = rf.get("/mon-parcours/")
    request.user = staff
    context = agenda_panel_context(request)
    assert context["agenda_url"] == "/mon-agenda/"
    starts = [item.start for item in context["items"]]
    assert len(starts) == 3
    assert starts == sorted(starts)
    assert starts[0] == dt.datetime(2027, 3, 7, 2, 30)  # local time of the series
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert agenda_panel_context(request) is None


def test_subscription_is_deleted_with_the_account(staff):
    tokens.subscription_for(staff)
    staff.delete()
    with pytest.raises(ObjectDoesNotExist):
        FeedSubscription.objects.get()


def test_an_empty_agenda_is_a_valid_calendar(client, staff):
    response = client.get(_feed_url(staff))
    assert response.status_code == 200
    calendar = _parse(response.content)
    assert calendar.walk("VEVENT") == []
    assert recurring_ical_events.of(calendar).count() == 0
    assert "Last-Modified" not in response
    assert client.get(_feed_url(staff), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_the_agenda_page_in_french_renders(client, dst_series, staff):
    client.force_login(staff)
    html = client.get("/mon-agenda/").content.decode()
    assert "dimanche 7 mars 2027" in html  # dates the Belgian way, in the series' local time
    assert "02:30–04:00" in html
