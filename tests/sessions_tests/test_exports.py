"""The agenda's exports (facilitators' availability and absences, closures): the columns of their
imports (an exported file imports back with every row unchanged), the view permission of the
model (403 without it), a commune coordinator's rows scoped to their communes, formulas
neutralised, no absence reason, one audit entry, and the listings' Export and Import buttons
shown by permission."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from network import imports
from network.models import AuditEntry, Commune, MemberProfile
from network.tabular import read_table
from sessions import exports as agenda_exports
from sessions.models import Absence, Availability, Closure, ClosureKind

pytestmark = pytest.mark.django_db

User = get_user_model()
RISKY_EMAIL = "=risque@cpas-esneux.example"
RISKY_REASON = '=HYPERLINK("http://x")'
PRIVATE_REASON = "Rendez-vous chez le pédiatre"


@dataclass(frozen=True)
class Kind:
    key: str  # the import kind, and the export's name
    namespace: str
    model: str
    export: object

    @property
    def listing(self) -> str:
        return reverse(f"{self.namespace}:index")

    @property
    def url(self) -> str:
        return reverse(f"{self.namespace}:export")

    @property
    def import_url(self) -> str:
        return reverse("network_import:upload", args=[self.key])


KINDS = {
    "availability": Kind(
        "availability", "sessions_availability", "availability", agenda_exports.AVAILABILITY
    ),
    "absences": Kind("absences", "sessions_absences", "absence", agenda_exports.ABSENCES),
    "closures": Kind("closures", "sessions_closures", "closure", agenda_exports.CLOSURES),
}
EVERY_KIND = pytest.mark.parametrize("kind", list(KINDS.values()), ids=list(KINDS))
PLANNING_KINDS = pytest.mark.parametrize(
    "kind", [KINDS["availability"], KINDS["absences"]], ids=["availability", "absences"]
)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def _xlsx(response):
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows())


def _member(organisation: str):
    return (
        MemberProfile.objects.filter(
            organisation__name=organisation, user__username__startswith="pro-"
        )
        .order_by("user__username")
        .first()
        .user
    )


def _snapshot():
    return (
        sorted(Availability.objects.values_list("person_id", "weekday", "start_time", "end_time")),
        sorted(
            Absence.objects.values_list("person_id", "start_date", "end_date", "private_reason")
        ),
        sorted(
            Closure.objects.values_list("commune_id", "kind", "start_date", "end_date", "reason"),
            key=str,
        ),
    )


@pytest.fixture
def planning(demo_data):
    """Windows, absences and closures in Esneux and in Aywaille."""
    esneux, aywaille = _member("CPAS d'Esneux"), _member("CPAS d'Aywaille")
    for person, weekday, start, end in (
        (esneux, 0, dt.time(16, 30), dt.time(19)),
        (esneux, 2, dt.time(9), dt.time(12)),
        (aywaille, 4, dt.time(14), dt.time(17, 30)),
    ):
        Availability.objects.create(person=person, weekday=weekday, start_time=start, end_time=end)
    for person, first, last in (
        (esneux, dt.date(2027, 3, 10), dt.date(2027, 3, 12)),
        (esneux, dt.date(2027, 4, 1), dt.date(2027, 4, 1)),
        (aywaille, dt.date(2027, 5, 3), dt.date(2027, 5, 7)),
    ):
        Absence.objects.create(person=person, start_date=first, end_date=last)
    for commune, reason, first in (
        ("Esneux", "Fête de la commune", dt.date(2027, 9, 13)),
        ("Esneux", "Inventaire", dt.date(2027, 11, 22)),
        ("Aywaille", "Braderie", dt.date(2027, 9, 13)),
    ):
        Closure.objects.create(
            commune=Commune.objects.get(name=commune),
            kind=ClosureKind.LOCAL,
            start_date=first,
            end_date=first + dt.timedelta(days=1),
            reason=reason,
        )
    return {"esneux": esneux, "aywaille": aywaille}


@pytest.fixture
def risky(planning):
    """An Esneux member whose address, and an Esneux closure whose reason, look like formulas."""
    person = planning["esneux"]
    person.email = RISKY_EMAIL
    person.save(update_fields=["email"])
    Closure.objects.create(
        commune=Commune.objects.get(name="Esneux"),
        kind=ClosureKind.LOCAL,
        start_date=dt.date(2027, 10, 4),
        end_date=dt.date(2027, 10, 4),
        reason=RISKY_REASON,
    )
    return planning


@pytest.fixture
def signed_in(client):
    def sign_in(username):
        client.logout()
        assert client.login(username=username, password="demo-maillage"), username
        return client

    return sign_in


def _admin_user(username: str, *codenames: str):
    """A signed-in admin user holding exactly these permissions of the agenda."""
    user = User.objects.create_user(username, f"{username}@x.example", "pw-12345678")
    group = Group.objects.create(name=f"test {username}")
    group.permissions.set(
        Permission.objects.filter(
            codename__in=["access_admin", *codenames],
            content_type__app_label__in=["wagtailadmin", "maillage_sessions"],
        )
    )
    user.groups.add(group)
    return user


# --- buttons --------------------------------------------------------------------------------


@EVERY_KIND
@pytest.mark.parametrize("username", ["coord-esneux", "coordination"])
def test_each_listing_offers_both_exports_and_the_import_to_coordinators(
    signed_in, demo_data, kind, username
):
    page = signed_in(username).get(kind.listing).content.decode()
    assert f"{kind.url}?format=csv" in page and f"{kind.url}?format=xlsx" in page
    assert kind.import_url in page
    assert "export=csv" not in page  # Wagtail's own export stays off


@EVERY_KIND
@pytest.mark.parametrize(
    ("verbs", "exports", "imports_"),
    [(("change",), False, False), (("view",), True, False), (("view", "add"), True, True)],
)
def test_the_buttons_follow_the_permissions(client, demo_data, kind, verbs, exports, imports_):
    client.force_login(_admin_user("someone", *[f"{verb}_{kind.model}" for verb in verbs]))
    response = client.get(kind.listing)
    assert response.status_code == 200
    page = response.content.decode()
    assert (f"{kind.url}?format=csv" in page) is exports
    assert (f"{kind.url}?format=xlsx" in page) is exports
    assert (kind.import_url in page) is imports_


# --- permission and scope -------------------------------------------------------------------


@EVERY_KIND
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_without_the_view_permission_the_export_is_a_403(client, planning, kind, fmt):
    client.force_login(_admin_user("editor", f"change_{kind.model}", f"add_{kind.model}"))
    response = client.get(kind.url, {"format": fmt})
    assert response.status_code == 403
    assert not response.has_header("Content-Disposition")
    assert not AuditEntry.objects.filter(action__startswith="export.").exists()


@EVERY_KIND
@pytest.mark.parametrize("username", ["professionnelle", "animateur", "formatrice"])
def test_members_without_admin_access_get_no_file(signed_in, planning, kind, username):
    response = signed_in(username).get(kind.url, {"format": "xlsx"})
    assert response.status_code in (302, 403)
    assert not response.has_header("Content-Disposition")
    assert not AuditEntry.objects.filter(action__startswith="export.").exists()


@PLANNING_KINDS
def test_a_commune_coordinator_exports_the_planning_of_their_communes_people(
    signed_in, planning, kind
):
    rows = _csv(signed_in("coord-esneux").get(kind.url))
    emails = {row[0] for row in rows[1:]}
    assert planning["esneux"].email in emails
    assert planning["aywaille"].email not in emails
    entry = AuditEntry.objects.get(action=f"export.{kind.key}")
    assert entry.origin == "admin" and entry.actor_key
    assert entry.object_type == f"maillage_sessions.{kind.model}"

    everyone = _csv(signed_in("coordination").get(kind.url))
    assert {planning["esneux"].email, planning["aywaille"].email} <= {r[0] for r in everyone}


def test_a_commune_coordinator_exports_their_communes_closures_only(signed_in, planning):
    rows = _csv(signed_in("coord-esneux").get(KINDS["closures"].url))
    assert {row[0] for row in rows[1:]} == {"Esneux"}
    assert "Fête de la commune" in {row[3] for row in rows}
    entry = AuditEntry.objects.get(action="export.closures")
    assert entry.object_type == "maillage_sessions.closure"

    everyone = _csv(signed_in("coordination").get(KINDS["closures"].url))
    reasons = {row[3] for row in everyone[1:]}
    assert {"Fête de la commune", "Braderie"} <= reasons
    assert "" in {row[0] for row in everyone[1:]}  # the network's holidays: every commune


def test_the_closures_export_follows_the_listings_filters(signed_in, planning):
    aywaille = Commune.objects.get(name="Aywaille")
    rows = _csv(
        signed_in("coordination").get(
            KINDS["closures"].url, {"kind": ClosureKind.LOCAL, "commune": aywaille.pk}
        )
    )
    assert [row[3] for row in rows[1:]] == ["Braderie"]


def test_the_availability_export_follows_the_listings_filters(signed_in, planning):
    rows = _csv(signed_in("coordination").get(KINDS["availability"].url, {"weekday": 2}))
    assert len(rows) > 1 and {row[1] for row in rows[1:]} == {"mercredi"}


def test_an_absences_reason_is_never_exported(signed_in, planning):
    Absence.objects.filter(person=planning["esneux"]).update(private_reason=PRIVATE_REASON)
    for username in ("coord-esneux", "coordination"):
        client = signed_in(username)
        for fmt in ("csv", "xlsx"):
            response = client.get(KINDS["absences"].url, {"format": fmt})
            assert response.status_code == 200
            assert PRIVATE_REASON.encode() not in response.content
        assert len(_csv(client.get(KINDS["absences"].url))[0]) == 3


# --- formulas -------------------------------------------------------------------------------


@PLANNING_KINDS
def test_an_address_that_looks_like_a_formula_is_neutralised(signed_in, risky, kind):
    client = signed_in("coord-esneux")
    rows = _csv(client.get(kind.url, {"format": "csv"}))
    assert "'" + RISKY_EMAIL in {row[0] for row in rows}
    assert RISKY_EMAIL not in {row[0] for row in rows}
    sheet = _xlsx(client.get(kind.url, {"format": "xlsx"}))
    cells = [row[0] for row in sheet if row[0].value == RISKY_EMAIL]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_a_closure_reason_that_looks_like_a_formula_is_neutralised(signed_in, risky):
    client = signed_in("coord-esneux")
    rows = _csv(client.get(KINDS["closures"].url, {"format": "csv"}))
    assert "'" + RISKY_REASON in {row[3] for row in rows}
    sheet = _xlsx(client.get(KINDS["closures"].url, {"format": "xlsx"}))
    (cell,) = [row[3] for row in sheet if row[3].value == RISKY_REASON]
    assert cell.data_type == "s"
    # Dates are real dates in XLSX (dd/mm/yyyy), Belgian text in CSV.
    mine = next(row for row in sheet if row[3].value == RISKY_REASON)
    assert mine[1].value == dt.datetime(2027, 10, 4) and mine[1].number_format == "dd/mm/yyyy"
    assert next(row for row in rows if row[3] == "'" + RISKY_REASON)[1] == "04/10/2027"


# --- the round trip -------------------------------------------------------------------------


@EVERY_KIND
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_headers_are_the_import_columns_in_both_languages(kind, language):
    import_kind = imports.get_kind(kind.key)
    with translation.override(language):
        mapping, unknown = imports.map_headers(import_kind, kind.export.header())
    # Absences leave their private reason out (an optional column of the import).
    expected = set(import_kind.columns) - ({"reason"} if kind.key == "absences" else set())
    assert set(mapping) == expected
    assert unknown == []


def _import_back(response, kind: Kind, fmt: str, username: str):
    """Import the exported file as the person who exported it; nothing may change."""
    assert response.status_code == 200
    table = read_table(response.content, f"{kind.key}.{fmt}")
    before = _snapshot()
    actor = User.objects.get(username=username)
    report = imports.run_import(kind.key, table, actor, dry_run=False)
    assert report.error_rows == [] and report.unknown_columns == []
    assert report.counts == {"new": 0, "changed": 0, "unchanged": len(table.rows), "error": 0}
    assert _snapshot() == before
    return table


@EVERY_KIND
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("username", ["coordination", "coord-esneux"])
def test_an_exported_file_imports_back_with_every_row_unchanged(
    signed_in, planning, kind, fmt, username
):
    # Absences with a private reason are the next test's: here the reasons are empty.
    Absence.objects.update(private_reason="")
    response = signed_in(username).get(kind.url, {"format": fmt})
    table = _import_back(response, kind, fmt, username)
    assert len(table.rows) >= 2


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_absence_keeps_its_private_reason_through_the_round_trip(signed_in, planning, fmt):
    Absence.objects.filter(person=planning["esneux"]).update(private_reason=PRIVATE_REASON)
    response = signed_in("coord-esneux").get(KINDS["absences"].url, {"format": fmt})
    _import_back(response, KINDS["absences"], fmt, "coord-esneux")


@EVERY_KIND
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_cells_that_look_like_formulas_import_back_as_they_were(signed_in, risky, kind, fmt):
    Absence.objects.update(private_reason="")
    response = signed_in("coord-esneux").get(kind.url, {"format": fmt})
    _import_back(response, kind, fmt, "coord-esneux")


# --- queries --------------------------------------------------------------------------------


def _grow(kind: Kind, extra: int) -> None:
    """`extra` more rows of the kind, for people and communes of Esneux."""
    people = list(
        User.objects.filter(member_profile__communes__name="Esneux").order_by("pk")[:extra]
    )
    esneux = Commune.objects.get(name="Esneux")
    for number in range(extra):
        person = people[number % len(people)]
        if kind.key == "availability":
            Availability.objects.create(
                person=person,
                weekday=number % 7,
                start_time=dt.time(8 + number % 8),
                end_time=dt.time(18),
            )
        elif kind.key == "absences":
            day = dt.date(2028, 1, 1) + dt.timedelta(days=number)
            Absence.objects.create(person=person, start_date=day, end_date=day)
        else:
            day = dt.date(2028, 1, 1) + dt.timedelta(days=number)
            Closure.objects.create(
                commune=esneux, kind=ClosureKind.LOCAL, start_date=day, end_date=day, reason="Bis"
            )


@EVERY_KIND
@pytest.mark.parametrize("username", ["coord-esneux", "coordination"])
@pytest.mark.parametrize("extra", [2, 20])
def test_each_export_takes_a_bounded_number_of_queries(
    signed_in, demo_data, django_assert_max_num_queries, kind, username, extra
):
    _grow(kind, extra)
    client = signed_in(username)
    with django_assert_max_num_queries(11):
        response = client.get(kind.url, {"format": "xlsx"})
    assert len(_xlsx(response)) - 1 >= extra
