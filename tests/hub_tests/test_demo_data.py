"""`load_demo_data`: the contract accounts, idempotent, refused where it is unsafe."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from wagtail.models import Page, Revision

from hub.demo.site import DEMO_ACCOUNTS

pytestmark = pytest.mark.django_db

CONTRACT_USERNAMES = {
    "coordination",
    "coord-esneux",
    "referente",
    "formatrice",
    "animateur",
    "professionnelle",
}


def _snapshot():
    users = get_user_model().objects.order_by("username")
    return {
        "users": [
            (u.username, u.email, u.password, tuple(u.groups.values_list("name", flat=True)))
            for u in users
        ],
        "pages": list(Page.objects.order_by("path").values_list("path", "title", "slug", "live")),
        "revisions": Revision.objects.count(),
        "home_body": json.dumps(list(Page.objects.get(depth=2).specific.body.raw_data)),
    }


def test_contract_accounts_exist_with_the_demo_password(demo_data):
    user_model = get_user_model()
    assert set(user_model.objects.values_list("username", flat=True)) >= CONTRACT_USERNAMES
    for account in DEMO_ACCOUNTS:
        user = user_model.objects.get(username=account.username)
        assert user.check_password("demo-maillage")
        assert user.email.endswith(".example")
        assert list(user.groups.values_list("name", flat=True)) == [account.role.name]
        assert not user.is_superuser


def test_running_it_twice_changes_nothing(demo_data):
    before = _snapshot()
    call_command("load_demo_data", "--quiet-accounts", verbosity=0)
    assert _snapshot() == before


def test_if_empty_leaves_an_existing_database_alone(db):
    get_user_model().objects.create_user("quelqu-un", password="x")
    call_command("load_demo_data", "--if-empty", verbosity=0)
    assert not get_user_model().objects.filter(username="coordination").exists()


def test_refused_when_demo_data_is_not_allowed(db, settings):
    settings.MAILLAGE_ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError, match="refused"):
        call_command("load_demo_data", verbosity=0)
    assert not get_user_model().objects.exists()


def test_fake_people_only(demo_data):
    for email in get_user_model().objects.values_list("email", flat=True):
        assert email.endswith(".example"), email


def test_demo_network_has_the_sample_files_organisations_and_its_people(demo_data):
    import csv
    from pathlib import Path

    from network.models import Commune, MemberProfile, Organisation

    sample = (
        Path(__file__).resolve().parents[3] / "shared" / "data" / "imports" / "membres-exemple.csv"
    )
    names = {
        "Administration communale d'Aywaille",
        "CPAS d'Esneux",
        "CPAS de Trooz",
        "Zone de police Secova — Service d'assistance policière aux victimes",
        "École communale de Sprimont",
    }
    if sample.exists():
        with sample.open(encoding="cp1252", newline="") as handle:
            names = {row["Organisation"] for row in csv.DictReader(handle, delimiter=";")}
    assert names <= set(Organisation.objects.values_list("name", flat=True))
    assert list(Commune.objects.values_list("name", flat=True)) == [
        "Aywaille",
        "Chaudfontaine",
        "Esneux",
        "Sprimont",
        "Trooz",
    ]
    police = Organisation.objects.get(kind="police")
    assert police.communes.count() == 5
    assert MemberProfile.objects.filter(user__username__startswith="pro-").count() == 40
    assert MemberProfile.objects.filter(user__groups__name="Animateur·rice").count() == 8
    assert MemberProfile.objects.filter(user__groups__name="Formateur·rice").count() == 2
    assert MemberProfile.objects.filter(user__groups__name="Référent·e d'organisation").count() == 5


def test_demo_facilitators_agenda_page_shows_a_working_feed_url(client, demo_data):
    import re

    assert client.login(username="animateur", password="demo-maillage")
    page = client.get("/mon-agenda/").content.decode()
    assert "Intervision — réseau Secova" in page
    url = re.search(r"https?://[^\s\"<]+\.ics", page).group(0)
    from urllib.parse import urlsplit

    feed = client.get(urlsplit(url).path)
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")
    body = feed.content.decode()
    assert "Intervision — réseau Secova" in body
    assert "Adresse communiquée" not in body  # the confidential venue never leaves
