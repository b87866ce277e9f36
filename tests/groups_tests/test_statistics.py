"""Support-group statistics: counts per commune and school year, small counts of children
masked, rates hidden when they would reveal one, only for coordinators, exported audited."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.utils import timezone

from groups import panels, statistics
from groups.models import (
    Cycle,
    CycleStatus,
    MeetingAttendance,
    MeetingAttendanceStatus,
    Membership,
    MembershipStatus,
    Participant,
    ReferralSource,
)
from groups.statistics import MASKED, SchoolYear, mask, rate
from network import roles
from network.models import AuditEntry, Commune
from network.permissions import standing
from sessions import services as session_services

from . import factories as f

pytestmark = pytest.mark.django_db

SOURCES = list(ReferralSource.values)


# --- masking ---------------------------------------------------------------------------------


def test_counts_of_one_to_four_children_are_masked():
    assert [mask(n) for n in range(7)] == [0, MASKED, MASKED, MASKED, MASKED, 5, 6]
    assert MASKED == "< 5"


def test_a_rate_is_hidden_when_it_would_reveal_a_small_count():
    assert rate(4, 4) is None  # denominator below five
    assert rate(3, 10) is None  # 30 % of a known 10 would be 3
    assert rate(5, 4) is None
    assert rate(8, 10) == 80
    assert rate(0, 10) == 0  # nobody came: no one to recognise


def test_the_school_year_runs_from_september_to_august():
    assert SchoolYear.of(dt.date(2027, 8, 31)) == SchoolYear(2026)
    assert SchoolYear.of(dt.date(2027, 9, 1)) == SchoolYear(2027)
    year = SchoolYear(2027)
    assert (year.first_day, year.last_day, year.label) == (
        dt.date(2027, 9, 1),
        dt.date(2028, 8, 31),
        "2027–2028",
    )
    low, high = year.bounds()
    assert timezone.localtime(low).date() == dt.date(2027, 9, 1)
    assert timezone.localtime(high).date() == dt.date(2028, 9, 1)


# --- figures ---------------------------------------------------------------------------------


def _child(commune: str, source: str) -> Participant:
    return Participant.objects.create(
        alias="Zoélie", birth_year=2017, referral_source=source, commune=f.commune(commune)
    )


def _group(commune: str, children: int, *, days=None, sources=SOURCES, admitted=None) -> Cycle:
    """A cycle of `children` children (the first `admitted` admitted), attendance at every
    meeting: present, but every third child absent."""
    days = days or f.wednesdays(f.quiet_month(), 3)
    cycle = f.cycle(days, commune_name=commune, status=CycleStatus.RUNNING)
    admitted = children if admitted is None else admitted
    memberships = [
        Membership.objects.create(
            cycle=cycle,
            participant=_child(commune, sources[n % len(sources)]),
            status=MembershipStatus.ADMITTED if n < admitted else MembershipStatus.REFERRED,
        )
        for n in range(children)
    ]
    for session in f.meetings(cycle):
        for n, membership in enumerate(memberships[:admitted]):
            MeetingAttendance.objects.create(
                membership=membership,
                session=session,
                status=MeetingAttendanceStatus.ABSENT
                if n % 3 == 2
                else MeetingAttendanceStatus.PRESENT,
            )
    return cycle


@pytest.fixture
def year(demo_data):
    return SchoolYear.of(f.quiet_month())


def _after(cycle: Cycle) -> dt.datetime:
    return f.meetings(cycle)[-1].end + dt.timedelta(days=1)


def _by_commune(rows):
    return {row.commune.name: row for row in rows}


def test_figures_per_commune_with_children_masked(year):
    esneux = _group("Esneux", 6, sources=[ReferralSource.POLICE])
    _group("Sprimont", 3, days=f.wednesdays(f.quiet_month(), 2), sources=[ReferralSource.SCHOOL])

    rows = _by_commune(statistics.figures(f.user("coordination"), year, now=_after(esneux)))

    assert list(rows) == list(Commune.objects.order_by("name").values_list("name", flat=True))
    here, there = rows["Esneux"], rows["Sprimont"]
    assert here.cycles == {CycleStatus.RUNNING: 1} and here.cycles_total == 1
    assert here.meetings_held == 3
    assert (here.marked, here.present) == (18, 12)
    assert here.attendance_rate == 67
    assert here.shown_admitted == 6
    assert here.shown_referrals()[SOURCES.index(ReferralSource.POLICE)] == 6
    # Three children: every count about them is masked, the rate too (4 present of 6 marked).
    assert there.meetings_held == 2 and (there.marked, there.present) == (6, 4)
    assert there.shown_admitted == MASKED
    assert there.shown_referrals()[SOURCES.index(ReferralSource.SCHOOL)] == MASKED
    assert there.attendance_rate is None
    assert rows["Trooz"].cycles_total == 0 and rows["Trooz"].shown_admitted == 0


def test_only_meetings_held_count(year):
    days = f.wednesdays(f.quiet_month(), 4)
    cycle = _group("Esneux", 5, days=days)
    meetings = f.meetings(cycle)
    MeetingAttendance.objects.filter(session=meetings[1]).delete()
    session_services.cancel_session(meetings[1], "Malade")
    now = meetings[2].end + dt.timedelta(minutes=1)  # the last one is still to come

    row = _by_commune(statistics.figures(f.user("coordination"), year, now=now))["Esneux"]

    assert row.meetings_held == 2
    assert row.marked == 10


def test_children_referred_but_not_admitted_count_as_referrals_only(year):
    cycle = _group("Esneux", 7, admitted=5, sources=[ReferralSource.CPAS])
    left = Membership.objects.filter(cycle=cycle, status=MembershipStatus.ADMITTED).first()
    left.status, left.left_on = MembershipStatus.LEFT, dt.date.today()
    left.admitted_on = dt.date.today()
    left.save()

    row = _by_commune(statistics.figures(f.user("coordination"), year, now=_after(cycle)))["Esneux"]

    assert row.admitted == 5  # one left early, once admitted: still counted
    assert row.referrals == {ReferralSource.CPAS: 7}


def test_a_cycle_counts_in_the_school_year_of_its_first_meeting(year):
    before, year = year, SchoolYear(year.start_year + 1)  # beyond anything of the demo
    late = f.cycle([before.last_day - dt.timedelta(days=1), year.first_day + dt.timedelta(days=6)])

    now = f.meetings(late)[-1].end
    this_year = _by_commune(statistics.figures(f.user("coordination"), year, now=now))
    last_year = _by_commune(statistics.figures(f.user("coordination"), before, now=now))

    assert this_year["Esneux"].cycles_total == 0
    assert last_year["Esneux"].cycles_total == 1
    # ... while each meeting counts in its own year.
    assert this_year["Esneux"].meetings_held == 1 == last_year["Esneux"].meetings_held


def test_a_commune_coordinator_sees_their_communes_only(year):
    _group("Esneux", 5)
    aywaille = _group("Aywaille", 6)

    rows = statistics.figures(f.user("coord-esneux"), year, now=_after(aywaille))

    assert [row.commune.name for row in rows] == ["Esneux"]


@pytest.mark.parametrize("username", ["animateur", "professionnelle", "formatrice", "referente"])
def test_facilitators_and_professionals_see_no_statistics(year, username):
    _group("Esneux", 5)
    user = f.user(username)

    assert not statistics.may_see(user)
    assert statistics.figures(user, year) == []


def _scene(cycles: int, children: int) -> None:
    for number in range(cycles):
        _group(["Esneux", "Sprimont", "Aywaille"][number % 3], children)


@pytest.mark.parametrize("cycles,children", [(1, 2), (4, 7)])
def test_the_figures_take_six_queries_whatever_the_size(
    year, django_assert_num_queries, cycles, children
):
    _scene(cycles, children)
    user = f.user("coordination")
    standing(user)  # the user's roles, known once per request

    with django_assert_num_queries(6):
        rows = statistics.figures(user, year)
    assert sum(row.cycles_total for row in rows) == cycles


@pytest.mark.parametrize("cycles,children", [(1, 2), (4, 7)])
def test_the_panel_takes_a_fixed_number_of_queries(
    demo_data, django_assert_num_queries, cycles, children
):
    _scene(cycles, children)
    request = RequestFactory().get("/mon-parcours/")
    request.user = f.user("coord-esneux")

    with django_assert_num_queries(9):  # who the user is (3: roles, profile, communes) + 6
        context = panels.statistics_context(request)
    assert [row.commune.name for row in context["rows"]] == ["Esneux"]


# --- where they are shown ----------------------------------------------------------------------


def _login(client, username):
    assert client.login(username=username, password="demo-maillage")


def test_the_dashboard_panel_is_for_coordinators_only(client, demo_data):
    for username, shown in (
        ("coordination", True),
        ("coord-esneux", True),
        ("animateur", False),
        ("professionnelle", False),
    ):
        _login(client, username)
        page = client.get("/mon-parcours/").content.decode()
        assert ("data-group-statistics" in page) is shown, username
        assert ("/admin/groupes/statistiques/" in page) is shown, username


def test_the_admin_page_shows_the_user_s_communes(client, demo_data):
    _login(client, "coord-esneux")

    response = client.get("/admin/groupes/statistiques/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "data-group-statistics" in page
    assert "Esneux" in page and "Sprimont" not in page and "Aywaille" not in page
    assert "/admin/groupes/statistiques/export/" in page
    for code, alias in Participant.objects.values_list("code", "alias"):
        assert code not in page


def test_the_network_coordination_sees_every_commune_and_a_total_row(client, demo_data):
    _login(client, "coordination")

    page = client.get("/admin/groupes/statistiques/").content.decode()

    for name in Commune.objects.values_list("name", flat=True):
        assert name in page
    assert "<tfoot>" in page


def test_people_without_admin_access_are_sent_to_the_login(client, demo_data):
    _login(client, "animateur")

    for url in ("/admin/groupes/statistiques/", "/admin/groupes/statistiques/export/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    assert not AuditEntry.objects.filter(action="export.group_statistics").exists()


def test_admin_access_alone_is_not_enough(client, demo_data):
    person = f.member("admin-sans-role", roles.FACILITATOR, ("Esneux",))
    person.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(person)

    for url in ("/admin/groupes/statistiques/", "/admin/groupes/statistiques/export/"):
        assert client.get(url).status_code == 403
    assert not AuditEntry.objects.filter(action="export.group_statistics").exists()


def _rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_export_is_the_masked_table_and_is_audited(client, demo_data):
    Commune.objects.filter(name="Esneux").update(name="=Esneux")
    _login(client, "coord-esneux")

    response = client.get("/admin/groupes/statistiques/export/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = _rows(response)
    assert header == statistics.export_header()
    (row,) = rows  # the coordinator's commune only
    year = SchoolYear.current()
    assert row[:2] == [year.label, "'=Esneux"]  # a formula is neutralised
    expected = statistics.export_rows(statistics.figures(f.user("coord-esneux"), year), year)
    assert row[2:] == [str(cell) for cell in expected[0][2:]]
    assert MASKED in row  # the demo's referral sources: fewer than five children each
    text = response.content.decode("utf-8-sig")
    for code, alias in Participant.objects.values_list("code", "alias"):
        assert code not in text and alias not in text
    entry = AuditEntry.objects.get(action="export.group_statistics")
    assert entry.origin == "admin" and entry.actor_key


def test_a_year_not_offered_falls_back_to_the_current_one(client, demo_data):
    _login(client, "coordination")

    response = client.get("/admin/groupes/statistiques/export/", {"annee": "1990"})

    _header, *rows = _rows(response)
    assert {row[0] for row in rows} == {SchoolYear.current().label}
    assert len(rows) == Commune.objects.count()


def test_the_admin_menu_links_to_the_statistics_for_those_who_may_see_them(client, demo_data):
    _login(client, "coord-esneux")
    assert "/admin/groupes/statistiques/" in client.get("/admin/").content.decode()

    person = f.member("admin-sans-role", roles.FACILITATOR, ("Esneux",))
    person.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(person)
    assert "/admin/groupes/statistiques/" not in client.get("/admin/").content.decode()
