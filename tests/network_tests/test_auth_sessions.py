"""Sessions end: after an idle time (shorter for staff roles), at an absolute lifetime, at
sign-out (everywhere) and when the person is deactivated."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from network import services
from network.models import MemberProfile

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
PASSWORD = "demo-maillage"


@pytest.fixture
def timeouts(settings):
    """The production values (the test settings switch them off)."""
    settings.MAILLAGE_SESSION_IDLE_MINUTES_STAFF = 30
    settings.MAILLAGE_SESSION_IDLE_MINUTES = 120
    settings.MAILLAGE_SESSION_MAX_HOURS = 10


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as moving:
        yield moving


def _signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _asked_to_sign_in(response, login="/connexion/") -> bool:
    return response.status_code == 302 and response["Location"].startswith(f"{login}?next=")


def test_a_staff_session_idle_past_its_timeout_is_asked_to_sign_in_again(
    demo_data, timeouts, traveller
):
    client = _signed_in("animateur")  # a facilitator: a staff role
    assert client.get("/mon-parcours/").status_code == 200
    traveller.shift(dt.timedelta(minutes=31))
    expired = client.get("/mon-agenda/")
    assert _asked_to_sign_in(expired)
    assert expired["Location"] == "/connexion/?next=/mon-agenda/"
    assert "_auth_user_id" not in client.session
    login_page = client.get(expired["Location"])
    assert 'class="message message-info"' in login_page.content.decode()
    # Signing in again takes the person back where they were.
    signed_in = client.post(
        expired["Location"], {"username": "animateur", "password": PASSWORD, "next": "/mon-agenda/"}
    )
    assert signed_in["Location"] == "/mon-agenda/"
    assert client.get("/mon-agenda/").status_code == 200


def test_an_active_staff_session_continues(demo_data, timeouts, traveller):
    client = _signed_in("coord-esneux")
    for _ in range(5):  # two hours, a request every twenty-five minutes
        traveller.shift(dt.timedelta(minutes=25))
        assert client.get("/mon-parcours/").status_code == 200


def test_a_professional_may_stay_idle_longer(demo_data, timeouts, traveller):
    client = _signed_in("professionnelle")
    traveller.shift(dt.timedelta(minutes=100))
    assert client.get("/mon-parcours/").status_code == 200
    traveller.shift(dt.timedelta(minutes=121))
    assert _asked_to_sign_in(client.get("/mon-parcours/"))


def test_a_session_ends_ten_hours_after_sign_in_however_active(demo_data, timeouts, traveller):
    client = _signed_in("professionnelle")
    for _ in range(5):  # nine hours and a quarter of activity
        traveller.shift(dt.timedelta(minutes=111))
        assert client.get("/mon-parcours/").status_code == 200
    traveller.shift(dt.timedelta(minutes=50))
    assert _asked_to_sign_in(client.get("/mon-parcours/"))


def test_an_admin_session_goes_back_to_the_admin_sign_in(demo_data, timeouts, traveller):
    client = _signed_in("coord-esneux")
    assert client.get("/admin/").status_code == 200
    traveller.shift(dt.timedelta(minutes=31))
    assert _asked_to_sign_in(client.get("/admin/membres/"), login="/admin/login/")


def test_a_poll_is_not_activity_and_gets_json_once_signed_out(demo_data, timeouts, traveller):
    client = _signed_in("coord-esneux")
    client.get("/admin/")
    for _ in range(4):  # a progress bar left open polls for forty minutes
        traveller.shift(dt.timedelta(minutes=10))
        response = client.get("/admin/", headers={"accept": "application/json"})
        if response.status_code == 401:
            break
    # The poll did not keep the session alive: after thirty minutes it ended, with a status
    # a script can read rather than a redirect to an HTML page.
    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"
    assert response.json()["login_url"] == "/admin/login/"
    # Later polls of the signed-out page: still JSON, not the sign-in page.
    again = client.get("/admin/", headers={"accept": "application/json"})
    assert again.status_code == 401 and again.json()["error"] == "signed_out"
    assert _asked_to_sign_in(client.get("/admin/"), login="/admin/login/")


def test_expiry_ends_that_session_only(demo_data, timeouts, traveller):
    office, phone = _signed_in("coord-esneux"), _signed_in("coord-esneux")
    traveller.shift(dt.timedelta(minutes=20))
    assert phone.get("/mon-parcours/").status_code == 200
    traveller.shift(dt.timedelta(minutes=15))
    assert _asked_to_sign_in(office.get("/mon-parcours/"))
    assert phone.get("/mon-parcours/").status_code == 200


def test_signing_out_after_the_idle_time_still_signs_out_everywhere(demo_data, timeouts, traveller):
    office, phone = _signed_in("coord-esneux"), _signed_in("coord-esneux")
    traveller.shift(dt.timedelta(minutes=20))
    assert phone.get("/mon-parcours/").status_code == 200
    traveller.shift(dt.timedelta(minutes=15))
    assert office.post("/deconnexion/")["Location"] == "/"
    assert _asked_to_sign_in(phone.get("/mon-parcours/"))


def test_signing_out_ends_every_session_of_the_person(demo_data):
    office, phone, colleague = (
        _signed_in("professionnelle"),
        _signed_in("professionnelle"),
        _signed_in("referente"),
    )
    assert phone.get("/mon-parcours/").status_code == 200
    office.post("/deconnexion/")
    assert _asked_to_sign_in(phone.get("/mon-parcours/"))
    assert colleague.get("/mon-parcours/").status_code == 200


def test_signing_out_of_the_admin_ends_every_session_too(demo_data):
    admin, front = _signed_in("coord-esneux"), _signed_in("coord-esneux")
    admin.post("/admin/logout/")
    assert _asked_to_sign_in(front.get("/mon-parcours/"))


def test_deactivation_ends_a_live_session(demo_data):
    member = MemberProfile.objects.get(user__username="professionnelle")
    member_client = _signed_in("professionnelle")
    assert member_client.get("/mon-parcours/").status_code == 200
    coordination = get_user_model().objects.get(username="coordination")
    services.deactivate_member(coordination, member)
    response = member_client.get("/mon-parcours/")
    assert _asked_to_sign_in(response)
    assert "_auth_user_id" not in member_client.session


def test_a_user_made_inactive_anywhere_is_signed_out(demo_data):
    client = _signed_in("formatrice")
    user = get_user_model().objects.get(username="formatrice")
    user.is_active = False
    user.save()  # as the admin's user form does
    assert _asked_to_sign_in(client.get("/mon-parcours/"))
    from django.contrib.sessions.models import Session

    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
