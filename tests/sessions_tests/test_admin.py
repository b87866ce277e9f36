"""The agenda's admin: scoped by commune, series stated in words, cancel and move notify, .ics."""

import datetime as dt

import pytest
import recurrence
from django.core import mail
from django.utils import translation

from network.roles import setup_roles
from sessions import services
from sessions.models import Assignment, Closure, ClosureKind, Series, Session, StaffRole
from sessions.roles import grant_admin_permissions
from sessions.summary import summarise

from .factories import commune, series, venue

PASSWORD = "demo-maillage"
DESIGN_ENGLISH = (
    "every Wednesday from 14:00 to 15:30, from 13/01/2027 to 23/06/2027, "
    "except school holidays: 20 sessions"
)
DESIGN_FRENCH = (
    "tous les mercredis de 14:00 à 15:30, du 13/01/2027 au 23/06/2027, "
    "sauf congés scolaires : 20 séances"
)


@pytest.fixture
def agenda(demo_data):
    """The demo network with the agenda's admin permissions, a series in Esneux and Aywaille."""
    grant_admin_permissions()  # what SessionsConfig.ready() does
    setup_roles()
    esneux = series(
        "group",
        "Esneux",
        venue("Salle Esneux", "Esneux"),
        title="Groupe enfants Esneux",
        start_date=dt.date(2027, 1, 13),
    )
    aywaille = series(
        "group",
        "Aywaille",
        venue("Salle Aywaille", "Aywaille"),
        title="Groupe ados Aywaille",
        start_date=dt.date(2027, 1, 13),
    )
    for made in (esneux, aywaille):
        services.regenerate(made)
    return {"esneux": esneux, "aywaille": aywaille}


@pytest.fixture
def coord(client):
    assert client.login(username="coord-esneux", password=PASSWORD)
    return client


def _design_series():
    for first, last, name in (
        (dt.date(2027, 2, 22), dt.date(2027, 3, 5), "Congé de détente"),
        (dt.date(2027, 4, 26), dt.date(2027, 5, 7), "Vacances de printemps"),
    ):
        Closure.objects.create(
            start_date=first, end_date=last, kind=ClosureKind.SCHOOL_HOLIDAY, reason=name
        )
    return Series(
        title="Groupe enfants",
        commune=commune("Esneux"),
        start_date=dt.date(2027, 1, 13),
        start_time=dt.time(14, 0),
        duration_minutes=90,
        rule=recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20270623T000000"),
        skip_school_holidays=True,
    )


@pytest.mark.django_db
def test_the_designs_example_in_plain_words():
    with translation.override("en"):
        summary = summarise(_design_series())
    assert summary.text == DESIGN_ENGLISH
    assert summary.count == 20
    assert [day for day, _reason in summary.skipped] == [
        dt.date(2027, 2, 24),
        dt.date(2027, 3, 3),
        dt.date(2027, 4, 28),
        dt.date(2027, 5, 5),
    ]
    assert {(s.hour, s.minute) for s in summary.dates} == {(14, 0)}


@pytest.mark.django_db
def test_the_designs_example_in_french():
    with translation.override("fr"):
        assert summarise(_design_series()).text == DESIGN_FRENCH


@pytest.mark.django_db
def test_a_rule_without_an_end_is_refused_by_the_series():
    from django.core.exceptions import ValidationError

    made = _design_series()
    made.rule = recurrence.deserialize("RRULE:FREQ=WEEKLY;BYDAY=WE")
    with pytest.raises(ValidationError) as error:
        made.full_clean()
    assert "rule" in error.value.message_dict


def test_coordinator_of_esneux_sees_esneux_series_only(agenda, coord):
    listing = coord.get("/admin/agenda/series/")
    assert listing.status_code == 200
    content = listing.content.decode()
    assert "Groupe enfants Esneux" in content
    assert "Groupe ados Aywaille" not in content
    aywaille = agenda["aywaille"]
    for url in (
        f"/admin/agenda/series/edit/{aywaille.pk}/",
        f"/admin/agenda/series/delete/{aywaille.pk}/",
        f"/admin/agenda/series/history/{aywaille.pk}/",
        f"/admin/agenda/series/usage/{aywaille.pk}/",
    ):
        assert coord.get(url).status_code in (403, 404), url
    assert coord.post(f"/admin/agenda/series/edit/{aywaille.pk}/", {}).status_code == 404
    other_session = aywaille.sessions.first()
    for url in (
        f"/admin/agenda/seances/inspect/{other_session.pk}/",
        f"/admin/agenda/seances/annuler/{other_session.pk}/",
        f"/admin/agenda/seances/deplacer/{other_session.pk}/",
    ):
        assert coord.get(url).status_code == 404, url
    assert coord.post(f"/admin/agenda/seances/annuler/{other_session.pk}/", {"reason": "x"})
    assert not Session.objects.filter(pk=other_session.pk, status="cancelled").exists()
    sessions = coord.get("/admin/agenda/seances/").content.decode()
    assert "Groupe enfants Esneux" in sessions and "Groupe ados Aywaille" not in sessions


def _series_form(made, **changes):
    data = {
        "title": made.title,
        "public_title": made.public_title,
        "commune": made.commune_id,
        "venue": made.venue_id or "",
        "mode": made.mode,
        "start_date": f"{made.start_date:%Y-%m-%d}",
        "start_time": f"{made.start_time:%H:%M}",
        "duration_minutes": made.duration_minutes,
        "time_zone": made.time_zone,
        "rule": recurrence.serialize(made.rule),
        "dates_text": "",
        "skip_public_holidays": "on",
        "skip_local_closures": "on",
    }
    data.update(changes)
    return data


def test_coordinator_edits_an_esneux_series_and_sessions_follow(agenda, coord):
    esneux = agenda["esneux"]
    url = f"/admin/agenda/series/edit/{esneux.pk}/"
    page = coord.get(url)
    assert page.status_code == 200
    assert "data-series-summary" in page.content.decode()
    rule = "RRULE:FREQ=WEEKLY;BYDAY=WE;COUNT=6"
    preview = coord.post(url, _series_form(esneux, rule=rule, **{"action-preview": "1"}))
    assert preview.status_code == 200
    assert "6" in preview.content.decode() and esneux.sessions.count() == 4  # nothing saved
    saved = coord.post(url, _series_form(esneux, title="Groupe enfants (2030)", rule=rule))
    assert saved.status_code == 302 and saved["Location"] == url
    esneux.refresh_from_db()
    assert esneux.title == "Groupe enfants (2030)"
    assert esneux.sessions.count() == 6
    # A rule without an end is refused by Series.clean, shown on the form.
    refused = coord.post(url, _series_form(esneux, rule="RRULE:FREQ=WEEKLY;BYDAY=WE"))
    assert refused.status_code == 200
    assert esneux.sessions.count() == 6
    # Moving the series to Aywaille is not among the choices.
    aywaille_commune = agenda["aywaille"].commune_id
    moved = coord.post(url, _series_form(esneux, commune=aywaille_commune))
    assert moved.status_code == 200
    esneux.refresh_from_db()
    assert esneux.commune_id != aywaille_commune


def _staffed_session(agenda, users):
    target = agenda["esneux"].sessions.order_by("start").first()
    person = users["animateur"]
    Assignment.objects.create(session=target, person=person, role=StaffRole.LEAD)
    return target, person


@pytest.fixture
def users(demo_data):
    from django.contrib.auth import get_user_model

    return {u.username: u for u in get_user_model().objects.all()}


def test_cancel_asks_for_confirmation_then_notifies_the_staff(agenda, coord, users):
    target, person = _staffed_session(agenda, users)
    url = f"/admin/agenda/seances/annuler/{target.pk}/"
    assert coord.get(url).status_code == 200
    target.refresh_from_db()
    assert target.status == "planned"  # a GET changes nothing
    mail.outbox.clear()
    response = coord.post(url, {"reason": "Salle indisponible"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == "cancelled" and target.sequence == 1
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert "Salle indisponible" in mail.outbox[0].body


def test_move_notifies_the_staff_with_the_new_time(agenda, coord, users):
    target, person = _staffed_session(agenda, users)
    uid = target.uid
    url = f"/admin/agenda/seances/deplacer/{target.pk}/"
    assert coord.get(url).status_code == 200
    mail.outbox.clear()
    response = coord.post(
        url, {"date": "21/01/2027", "start_time": "10:00", "end_time": "", "reason": "Grève"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.status == "moved" and target.uid == uid
    local = target.start.astimezone(target.series.zone)
    assert (local.date(), local.hour) == (dt.date(2027, 1, 21), 10)
    assert target.end - target.start == dt.timedelta(minutes=90)
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert "21/01/2027" in mail.outbox[0].body


def test_a_move_onto_a_staff_members_absence_is_refused(agenda, coord, users):
    from sessions.models import Absence

    target, person = _staffed_session(agenda, users)
    Absence.objects.create(
        person=person,
        start_date=dt.date(2027, 1, 21),
        end_date=dt.date(2027, 1, 21),
        private_reason="Rendez-vous médical",
    )
    response = coord.post(
        f"/admin/agenda/seances/deplacer/{target.pk}/",
        {"date": "21/01/2027", "start_time": "10:00", "end_time": "", "reason": "Grève"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Absent·e le 21/01/2027" in html
    assert "médical" not in html  # the reason stays private
    target.refresh_from_db()
    assert target.status == "planned"


ICS_OK = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Commune d'Esneux//FR\r
BEGIN:VEVENT\r
UID:1@esneux.example\r
DTSTAMP:20290101T000000Z\r
DTSTART;VALUE=DATE:20300211\r
DTEND;VALUE=DATE:20300213\r
SUMMARY:F\xc3\xaate locale\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:2@esneux.example\r
DTSTAMP:20290101T000000Z\r
DTSTART;VALUE=DATE:20300320\r
SUMMARY:Journ\xc3\xa9e p\xc3\xa9dagogique\r
END:VEVENT\r
END:VCALENDAR\r
"""


def _upload(coord, content, name="fermetures.ics"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    esneux = commune("Esneux")
    return coord.post(
        "/admin/agenda/fermetures/importer/",
        {"file": SimpleUploadedFile(name, content, "text/calendar"), "commune": esneux.pk},
    )


def test_ics_import_makes_local_closures_and_is_idempotent(agenda, coord):
    before = Closure.objects.count()
    response = _upload(coord, ICS_OK)
    assert response.status_code == 302
    feast = Closure.objects.get(reason="Fête locale")
    assert (feast.start_date, feast.end_date) == (dt.date(2030, 2, 11), dt.date(2030, 2, 12))
    assert feast.kind == ClosureKind.LOCAL and feast.commune.name == "Esneux"
    day = Closure.objects.get(reason="Journée pédagogique")
    assert day.start_date == day.end_date == dt.date(2030, 3, 20)
    assert Closure.objects.count() == before + 2
    assert _upload(coord, ICS_OK).status_code == 302
    assert Closure.objects.count() == before + 2


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a calendar at all",
        ICS_OK.replace(b"DTSTART;VALUE=DATE:20300320\r\n", b""),  # one event without a start
        ICS_OK.replace(b"SUMMARY:F\xc3\xaate locale\r\n", b""),  # one event without a title
        b"\xff\xfe" + ICS_OK,
    ],
)
def test_a_bad_ics_file_writes_nothing_and_says_why(agenda, coord, content):
    before = Closure.objects.count()
    response = _upload(coord, content)
    assert response.status_code in (200, 400)
    assert response.context["errors"] or response.context["form"].errors
    assert Closure.objects.count() == before


def test_assign_form_shows_soft_reasons_and_needs_an_override_reason(agenda, coord, users):
    from sessions.models import Availability

    target = agenda["esneux"].sessions.order_by("start").first()
    person = users["anim-05"]  # free on Wednesday afternoons (animateur runs a demo group)
    Availability.objects.create(
        person=person, weekday=0, start_time=dt.time(9), end_time=dt.time(12)
    )
    data = {"session": target.pk, "person": person.pk, "role": StaffRole.CO}
    shown = coord.post("/admin/agenda/affectations/affecter/", data)
    assert shown.status_code == 200
    assert 'data-conflicts="soft"' in shown.content.decode()
    assert not Assignment.objects.filter(session=target).exists()
    done = coord.post(
        "/admin/agenda/affectations/affecter/", {**data, "override_reason": "Remplacement"}
    )
    assert done.status_code == 302
    assert Assignment.objects.get(session=target).override_reason == "Remplacement"
    listing = coord.get("/admin/agenda/affectations/").content.decode()
    assert "availability" in listing or "disponibilit" in listing


@pytest.mark.django_db
def test_this_and_following_from_the_admin(client, demo_data):
    from sessions.models import Series

    series = Series.objects.get(title="Intervision des animateur·rices")
    first = series.sessions.order_by("start").first()
    later = series.sessions.order_by("start")[3]
    assert client.login(username="coordination", password="demo-maillage")
    page = client.get(f"/admin/agenda/series/split/{series.pk}/")
    assert page.status_code == 200
    response = client.post(
        f"/admin/agenda/series/split/{series.pk}/",
        {
            "from_date": later.start.astimezone(series.zone).strftime("%d/%m/%Y"),
            "start_time": "14:00",
            "duration_minutes": "120",
            "venue": series.venue_id,
        },
    )
    assert response.status_code == 302
    new = Series.objects.exclude(pk=series.pk).get(title=series.title)
    moved = new.sessions.get(uid=later.uid)
    assert moved.start.astimezone(series.zone).hour == 14
    first.refresh_from_db()
    assert first.series_id == series.pk
    assert first.start.astimezone(series.zone).hour == 13
    # coord-esneux cannot do it on a Chaudfontaine series
    client.logout()
    assert client.login(username="coord-esneux", password="demo-maillage")
    assert client.get(f"/admin/agenda/series/split/{series.pk}/").status_code == 404
