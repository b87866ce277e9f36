"""Imported members are written without an instance per row: what is stored must be what the
ORM would store, on a database that returns the new ids and on one that does not."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from network import imports, resources, roles
from network.models import MemberProfile, MemberStatus
from network.tabular import read_table

pytestmark = pytest.mark.django_db

User = get_user_model()
HEADER = "Nom;Prénom;E-mail;Organisation;Commune;Fonction;Téléphone"


def _import(lines):
    table = read_table("\r\n".join([HEADER, *lines]).encode("utf-8"), "membres.csv")
    report = imports.run_import("members", table, None, dry_run=False)
    assert report.written, [r.errors for r in report.error_rows]
    return report


def _row(n, commune="Esneux"):
    return f"Nom{n};Prénom{n};Pers{n}@Import.example;CPAS d'Esneux;{commune};Assistant;+32 4 {n}"


def _stored(email):
    return MemberProfile.objects.select_related("user", "organisation").get(
        user__email__iexact=email
    )


def test_an_imported_member_is_what_the_orm_would_store(demo_data):
    start = timezone.now()
    _import([_row(1), _row(2, commune="")])
    profile = _stored("pers1@import.example")
    user = profile.user
    made_by_hand = MemberProfile(user=user, organisation=profile.organisation)
    blank_user = User()
    # The defaults of every field the import does not name.
    for name in ("preferred_language", "notify_by_email", "notify_reminders"):
        assert getattr(profile, name) == getattr(made_by_hand, name), name
    assert profile.email_confirmed_at is None and profile.deactivated_at is None
    assert (user.is_staff, user.is_superuser, user.last_login) == (
        blank_user.is_staff,
        blank_user.is_superuser,
        None,
    )
    assert (user.username, user.email) == ("pers1@import.example", "Pers1@Import.example")
    assert (user.first_name, user.last_name) == ("Prénom1", "Nom1")
    assert (profile.function, profile.phone) == ("Assistant", "+32 4 1")
    assert user.is_active and not user.has_usable_password()
    assert profile.status == MemberStatus.ACTIVE
    # One moment for the import, stored as an aware time.
    assert profile.created_at == profile.approved_at == user.date_joined
    assert start <= user.date_joined <= timezone.now() + dt.timedelta(seconds=1)
    assert list(user.groups.values_list("name", flat=True)) == [roles.PROFESSIONAL.name]
    assert list(profile.communes.values_list("name", flat=True)) == ["Esneux"]
    assert list(_stored("pers2@import.example").communes.all()) == []
    # Two new members each have their own account, profile and group membership.
    assert _stored("pers2@import.example").user_id != user.pk
    assert User.groups.through.objects.filter(user__email__iendswith="@import.example").count() == 2


def test_text_that_means_something_to_sql_or_to_arrays_is_stored_as_written(demo_data):
    function = "Éducateur·rice {A,B} \\ l'équipe NULL"
    _import(
        [
            f'D\'Hondt;"Zo""é";Zoe@Import.example;CPAS d\'Esneux;Esneux;{function};NULL',
            _row(6),
        ]
    )
    profile = _stored("zoe@import.example")
    assert (profile.user.last_name, profile.user.first_name) == ("D'Hondt", 'Zo"é')
    assert (profile.function, profile.phone) == (function, "NULL")
    assert _stored("pers6@import.example").function == "Assistant"


def test_an_address_already_used_as_a_username_gets_a_suffix(demo_data):
    someone = User.objects.create(username="pers3@import.example", email="else@where.example")
    _import([_row(3)])
    profile = _stored("pers3@import.example")
    assert profile.user_id != someone.pk
    assert profile.user.username.startswith("pers3@import.example-")


def test_a_database_that_returns_no_ids(demo_data, monkeypatch):
    insert = resources._insert

    def without_returning(*args, **kwargs):  # only here: Django itself needs it on PostgreSQL
        features = connection.features
        with monkeypatch.context() as patch:
            patch.setattr(features, "can_return_columns_from_insert", False)
            return insert(*args, **kwargs)

    monkeypatch.setattr(resources, "_insert", without_returning)
    with CaptureQueriesContext(connection) as captured:
        _import([_row(4), _row(5, commune="Aywaille")])
    inserts = [q["sql"] for q in captured if q["sql"].startswith('INSERT INTO "auth_user" ')]
    assert inserts and not any("RETURNING" in sql for sql in inserts)
    four, five = _stored("pers4@import.example"), _stored("pers5@import.example")
    assert four.user.first_name == "Prénom4" and five.user.first_name == "Prénom5"
    assert list(five.communes.values_list("name", flat=True)) == ["Aywaille"]
    assert five.user.groups.filter(name=roles.PROFESSIONAL.name).exists()
