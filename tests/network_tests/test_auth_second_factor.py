"""The second factor: with production's setting on, participant data needs a verified
session; enrolment, backup codes, the admin's reset, and nothing asked with it off."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from network import second_factor
from network.models import AuditEntry, MemberProfile

pytestmark = pytest.mark.django_db

PASSWORD = "demo-maillage"
# RFC 6238's test key ("12345678901234567890"), in hex as django-otp stores it.
KNOWN_KEY = "3132333435363738393031323334353637383930"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
VERIFY = "/connexion/code/"
SETUP = "/connexion/double-authentification/"


def code_for(key_hex: str = KNOWN_KEY) -> str:
    return f"{totp(bytes.fromhex(key_hex)):06d}"


@pytest.fixture
def otp_on(settings):
    settings.MAILLAGE_OTP_ENFORCED = True


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as moving:
        yield moving


def _user(username):
    return get_user_model().objects.get(username=username)


def _device(username, key=KNOWN_KEY) -> TOTPDevice:
    return TOTPDevice.objects.create(user=_user(username), name="app", key=key, confirmed=True)


def _signed_in(username) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _sent_to(response, page: str, target: str) -> bool:
    expected = f"{page}?{urlencode({'next': target})}"
    return response.status_code == 302 and response["Location"] == expected


def _participant_urls(username) -> list[str]:
    """The pages with children's data that `username` may see once verified."""
    if username == "animateur":
        return ["/mes-groupes/", "/mes-groupes/disponibilites/"]
    return [
        "/admin/",
        reverse("groups_participants:index"),
        reverse("groups_cycles:index"),
        "/admin/membres/",
    ]


@pytest.mark.parametrize("username", ["animateur", "coord-esneux"])
def test_with_production_settings_participant_data_needs_the_second_factor(
    username, demo_data, otp_on, traveller
):
    _device(username)
    client = _signed_in(username)
    urls = _participant_urls(username)
    for url in urls:
        assert _sent_to(client.get(url), VERIFY, url), url
    # Not with a wrong code...
    wrong = client.post(VERIFY, {"code": "000000", "next": urls[0]})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert client.get(urls[0]).status_code == 302
    # ...but with the code of the app (django-otp slows guessing down: wait a little).
    traveller.shift(dt.timedelta(seconds=31))
    verified = client.post(VERIFY, {"code": code_for(), "next": urls[0]})
    assert verified["Location"] == urls[0]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_a_facilitator_without_a_device_is_led_to_enrol(demo_data, otp_on, traveller):
    client = _signed_in("animateur")
    assert _sent_to(client.get("/mon-parcours/"), SETUP, "/mon-parcours/")
    page = client.get(SETUP + "?next=/mes-groupes/")
    html = page.content.decode()
    assert "<svg" in html and 'class="segno"' in html  # the QR code, drawn by the server
    secret = re.search(r'id="second-factor-secret">([A-Z2-7 ]+)<', html).group(1)
    device = TOTPDevice.objects.get(user=_user("animateur"), confirmed=False)
    assert secret.replace(" ", "") == second_factor.secret_text(device).replace(" ", "")
    # A reload shows the same key (the app may have scanned it already).
    assert secret in client.get(SETUP).content.decode()

    assert client.post(SETUP, {"code": "123456", "next": "/mes-groupes/"}).status_code == 200
    traveller.shift(dt.timedelta(seconds=31))
    done = client.post(SETUP, {"code": code_for(device.key), "next": "/mes-groupes/"})
    assert done["Location"].startswith("/mon-compte/double-authentification/codes/")
    codes_page = client.get(done["Location"])
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page.content.decode())
    assert len(codes) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=_user("animateur")).values_list("token", flat=True)
    )
    assert 'href="/mes-groupes/"' in codes_page.content.decode()
    # Shown once only.
    assert client.get(done["Location"])["Location"] == "/mon-compte/double-authentification/"
    assert client.get("/mes-groupes/").status_code == 200
    assert AuditEntry.objects.filter(action="second_factor.enrolled").count() == 1


def test_a_backup_code_signs_in_once(demo_data, otp_on, traveller):
    user = _user("animateur")
    device = second_factor.pending_device(user)
    codes = second_factor.confirm_device(user, device, code_for(device.key))
    first = _signed_in("animateur")
    used = first.post(VERIFY, {"code": codes[0].upper(), "next": "/mes-groupes/"})
    assert used["Location"] == "/mes-groupes/"
    assert first.get("/mes-groupes/").status_code == 200
    traveller.shift(dt.timedelta(seconds=5))
    second = _signed_in("animateur")
    assert second.post(VERIFY, {"code": codes[0], "next": "/mes-groupes/"}).status_code == 200
    assert second.get("/mes-groupes/").status_code == 302
    assert second_factor.backup_codes_left(user) == 9


def test_wrong_codes_are_slowed_down(demo_data, otp_on, traveller):
    _device("animateur")
    client = _signed_in("animateur")
    client.post(VERIFY, {"code": "000000"})
    client.post(VERIFY, {"code": "000001"})
    # Even the right code waits for the delay after two wrong ones...
    refused = client.post(VERIFY, {"code": code_for(), "next": "/mes-groupes/"})
    assert refused.status_code == 200
    assert second_factor.wait_seconds(_user("animateur")) > 0
    # ...then it is accepted.
    traveller.shift(dt.timedelta(seconds=31))
    assert client.post(VERIFY, {"code": code_for(), "next": "/mes-groupes/"}).status_code == 302
    assert client.get("/mes-groupes/").status_code == 200


def test_the_wagtail_admin_sign_in_leads_to_the_code(demo_data, otp_on, traveller):
    _device("coord-esneux")
    client = Client()
    signed = client.post("/admin/login/", {"username": "coord-esneux", "password": PASSWORD})
    assert signed["Location"] == "/admin/"
    assert _sent_to(client.get("/admin/"), VERIFY, "/admin/")
    assert client.post(VERIFY, {"code": code_for(), "next": "/admin/"})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_script_gets_json_while_the_code_is_due(demo_data, otp_on):
    _device("coord-esneux")
    client = _signed_in("coord-esneux")
    response = client.get("/admin/", headers={"accept": "application/json"})
    assert response.status_code == 401
    assert response.json()["error"] == "second_factor_required"


def test_a_required_role_must_enrol_before_any_page(demo_data, otp_on):
    client = _signed_in("coordination")
    for url in ("/mon-parcours/", "/formations/", "/mon-compte/"):
        assert client.get(url)["Location"].startswith(SETUP), url


def test_other_roles_need_it_only_for_participant_pages(demo_data, otp_on):
    client = _signed_in("formatrice")
    assert client.get("/mon-parcours/").status_code == 200
    # A trainer who also sits at a group meeting would reach the facilitator space: not
    # without the second factor.
    assert client.get("/mes-groupes/")["Location"].startswith(SETUP)


def test_with_the_setting_off_nothing_is_asked(demo_data):
    client = _signed_in("animateur")
    assert client.get("/mes-groupes/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_anyone_may_turn_it_on_from_their_account_and_it_is_then_asked(demo_data, traveller):
    client = _signed_in("professionnelle")
    manage = client.get("/mon-compte/double-authentification/")
    assert 'data-enrolled="false"' in manage.content.decode()
    assert client.get("/mon-compte/").status_code == 200
    device = second_factor.pending_device(_user("professionnelle"))
    client.get(SETUP)
    assert client.post(SETUP, {"code": code_for(device.key)}).status_code == 302
    manage = client.get("/mon-compte/double-authentification/")
    assert 'data-enrolled="true"' in manage.content.decode()
    # A new sign-in asks the code on every page, though the setting is off.
    other = _signed_in("professionnelle")
    assert _sent_to(other.get("/mon-parcours/"), VERIFY, "/mon-parcours/")
    # Someone with the password alone cannot replace the device.
    assert other.get(SETUP)["Location"].startswith(VERIFY)
    # The person may turn it off again (no role requires it).
    client.post("/mon-compte/double-authentification/", {"action": "turn_off"})
    assert not TOTPDevice.objects.filter(user=_user("professionnelle")).exists()


def test_a_required_role_cannot_turn_it_off(demo_data, otp_on, traveller):
    _device("animateur")
    client = _signed_in("animateur")
    client.post(VERIFY, {"code": code_for()})
    client.post("/mon-compte/double-authentification/", {"action": "turn_off"})
    assert TOTPDevice.objects.filter(user=_user("animateur")).exists()


def test_the_admin_resets_a_lost_device(demo_data, otp_on, traveller):
    _device("animateur")
    member = MemberProfile.objects.get(user__username="animateur")
    facilitator = _signed_in("animateur")
    coordination = _signed_in("coordination")
    device = second_factor.pending_device(_user("coordination"))
    second_factor.confirm_device(_user("coordination"), device, code_for(device.key))
    traveller.shift(dt.timedelta(seconds=31))
    coordination.post(VERIFY, {"code": code_for(device.key)})
    url = reverse("network_members:reset_second_factor", args=[member.pk])
    edit = coordination.get(reverse("network_members:edit", args=[member.pk]))
    assert url in edit.content.decode()
    assert coordination.get(url).status_code == 200  # "are you sure?"
    assert coordination.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=member.user).exists()
    assert not StaticToken.objects.filter(device__user=member.user).exists()
    # Signed out everywhere; the password alone no longer signs in (it may be what a thief
    # holds): the e-mailed "forgotten password" link comes first, then they enrol again.
    assert facilitator.get("/mes-groupes/")["Location"].startswith("/connexion/")
    assert not Client().login(username="animateur", password=PASSWORD)
    member.user.refresh_from_db()
    assert not member.user.has_usable_password()
    member.user.set_password(PASSWORD)  # as the e-mailed link does
    member.user.save()
    again = _signed_in("animateur")
    assert again.get("/mes-groupes/")["Location"].startswith(SETUP)
    assert AuditEntry.objects.filter(action="second_factor.reset").count() == 1


def test_a_coordinator_cannot_reset_outside_their_scope(demo_data, otp_on, traveller):
    _device("animateur")  # works in Aywaille
    member = MemberProfile.objects.get(user__username="animateur")
    coordinator = _signed_in("coord-esneux")
    device = second_factor.pending_device(_user("coord-esneux"))
    second_factor.confirm_device(_user("coord-esneux"), device, code_for(device.key))
    traveller.shift(dt.timedelta(seconds=31))
    coordinator.post(VERIFY, {"code": code_for(device.key)})
    url = reverse("network_members:reset_second_factor", args=[member.pk])
    assert coordinator.post(url).status_code == 404
    assert TOTPDevice.objects.filter(user=member.user).exists()


def test_the_reset_command(demo_data):
    from django.core.management import call_command

    _device("coordination")
    call_command("reset_second_factor", "coordination", stdout=None)
    assert not TOTPDevice.objects.filter(user=_user("coordination")).exists()


def test_the_privacy_export_holds_no_secret_and_erasure_leaves_no_device(demo_data):
    from network import privacy_services

    user = _user("animateur")
    device = second_factor.pending_device(user)
    codes = second_factor.confirm_device(user, device, code_for(device.key))
    exported = str(privacy_services.export_data(user, privacy_services.holdings(user)))
    assert device.key not in exported and codes[0] not in exported
    assert "backup_codes_left" in exported
    privacy_services.erase_person(user)
    assert not TOTPDevice.objects.filter(user_id=user.pk).exists()
    assert not StaticToken.objects.filter(device__user_id=user.pk).exists()


def test_a_next_that_is_not_a_path_of_the_site_goes_to_the_dashboard(demo_data, otp_on, traveller):
    _device("animateur")
    for bad in ("dashboard-nope", "https://evil.example/", "//evil.example/"):
        traveller.shift(dt.timedelta(seconds=31))  # a code is accepted once
        client = _signed_in("animateur")
        response = client.post(f"{VERIFY}?{urlencode({'next': bad})}", {"code": code_for()})
        assert response.status_code == 302 and "evil" not in response["Location"], bad
