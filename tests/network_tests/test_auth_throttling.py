"""Sign-in throttling, on the front end and the admin: ten failed sign-ins lock the account (for
that address) or the address (across names) for the cool-off, with the French page."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt

from network.backends import client_address

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


def _front(client, username, password, address="203.0.113.7"):
    return client.post(
        "/connexion/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _admin(client, username, password, address="203.0.113.7"):
    return client.post(
        "/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _locked(response) -> bool:
    page = response.content.decode()
    return (
        response.status_code == 429
        and 'id="locked-out"' in page
        and "Trop de tentatives" in page  # French, whatever the browser asks
    )


def test_ten_failed_sign_ins_lock_the_account_until_the_cool_off_has_passed(
    client, demo_data, axes_on
):
    with time_machine.travel(START, tick=False) as traveller:
        answers = [_front(client, "professionnelle", "faux") for _ in range(10)]
        assert [a.status_code for a in answers[:4]] == [200] * 4
        assert all(_locked(a) for a in answers[4:])
        assert "15 minutes" in answers[-1].content.decode()

        # The right password is refused while locked, and that try counts as one more.
        traveller.shift(dt.timedelta(minutes=10))
        assert _locked(_front(client, "professionnelle", "demo-maillage"))
        assert "_auth_user_id" not in client.session
        traveller.shift(dt.timedelta(minutes=14))
        assert _locked(_front(client, "professionnelle", "demo-maillage"))

        # Once the cool-off has passed since the last try, it is accepted.
        traveller.shift(dt.timedelta(minutes=16))
        accepted = _front(client, "professionnelle", "demo-maillage")
        assert accepted.status_code == 302
        assert client.session["_auth_user_id"]


def test_the_admin_sign_in_is_throttled_too(client, demo_data, axes_on):
    with time_machine.travel(START, tick=False) as traveller:
        answers = [_admin(client, "coord-esneux", "faux") for _ in range(10)]
        assert [a.status_code for a in answers[:4]] == [200] * 4
        assert all(_locked(a) for a in answers[4:])
        assert _locked(_admin(client, "coord-esneux", "demo-maillage"))
        # A lockout on one page holds on the other: it is the name and address that count.
        assert _locked(_front(client, "coord-esneux", "demo-maillage"))
        traveller.shift(dt.timedelta(minutes=16))
        assert _admin(client, "coord-esneux", "demo-maillage")["Location"] == "/admin/"


def test_one_address_trying_many_names_is_locked_whatever_the_name(client, demo_data, axes_on):
    with time_machine.travel(START, tick=False) as traveller:
        # One password tried on twenty names: each name fails once only.
        answers = [_front(client, f"inconnu-{n}", "motdepasse2026") for n in range(20)]
        assert all(a.status_code == 200 for a in answers[:19])
        assert _locked(answers[19])
        # The address is locked for every name, even with the right password...
        assert _locked(_front(client, "professionnelle", "demo-maillage"))
        assert _locked(_admin(client, "coord-esneux", "demo-maillage"))
        # ...but not another address.
        assert _front(client, "professionnelle", "demo-maillage", "198.51.100.4").status_code == 302
        client.logout()
        traveller.shift(dt.timedelta(minutes=16))
        assert _front(client, "professionnelle", "demo-maillage").status_code == 302


def test_a_success_does_not_reset_the_address_count(client, demo_data, axes_on):
    with time_machine.travel(START, tick=False):
        for n in range(19):
            _front(client, f"inconnu-{n}", "motdepasse2026")
        # The attacker's own account signs in: the other names' failures still count.
        assert _front(client, "professionnelle", "demo-maillage").status_code == 302
        client.logout()
        assert _locked(_front(client, "inconnu-x", "motdepasse2026"))


def test_behind_the_proxy_each_visitor_is_counted_apart(rf, settings):
    settings.MAILLAGE_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.9", REMOTE_ADDR="127.0.0.1")
    # The proxy appended the visitor's address; what the visitor sent before it is ignored.
    assert client_address(request) == "203.0.113.9"
    settings.MAILLAGE_PROXY_COUNT = 0
    assert client_address(request) == "127.0.0.1"


def test_the_lockout_is_recorded_under_the_visitor_address(client, demo_data, axes_on, settings):
    settings.MAILLAGE_PROXY_COUNT = 1
    client.post(
        "/connexion/",
        {"username": "professionnelle", "password": "faux"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]
