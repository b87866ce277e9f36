"""The coordinators' dashboards on the admin home: who sees what, figures equal to figures
computed here independently, the same number of queries whatever the size of the data."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates.models import Certificate
from groups.models import Cycle
from groups.roster import FACILITATING
from hub import dashboards
from lms.models import CourseRun, Enrolment, EnrolmentStatus, ModulePage
from network.models import Commune, MemberProfile, Organisation
from sessions.models import SessionStatus

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


def _user(username):
    return get_user_model().objects.get(username=username)


def grow(size: int) -> None:
    """`size` more professionals, each with completed modules, an upcoming run each, a
    certificate expiring soon, and a group cycle whose next meetings lack facilitators."""
    from tests.groups_tests import factories as groups_factories
    from tests.lms_tests import factories as lms_factories

    communes = list(Commune.objects.order_by("name"))
    organisations = list(Organisation.objects.order_by("pk"))
    modules = list(ModulePage.objects.order_by("pk"))
    now = timezone.now()
    for index in range(size):
        number = next(_numbers)
        person = get_user_model().objects.create_user(
            f"dash-{number}",
            f"dash-{number}@test.example",
            first_name="Dash",
            last_name=str(number),
        )
        profile = MemberProfile.objects.create(
            user=person, organisation=organisations[index % len(organisations)], status="active"
        )
        profile.communes.set(communes[index % len(communes) : index % len(communes) + 2])
        module = modules[index % len(modules)]
        run = lms_factories.run(
            module, commune_name=communes[index % len(communes)].name, capacity=10
        )
        Enrolment.objects.create(
            run=run,
            person=person,
            status=EnrolmentStatus.COMPLETED,
            completed_at=now - dt.timedelta(days=20 * index + 1),
        )
        Certificate.objects.create(
            holder=person,
            module=module,
            commune=communes[index % len(communes)],
            title=module.title,
            valid_from=now.date() - dt.timedelta(days=300),
            valid_until=now.date() + dt.timedelta(days=10 + index),
            code=f"DASH{number:06d}",
            serial=f"2026-D{number:05d}",
            content={"holder_name": f"Dash {number}"},
        )
        day = timezone.localdate() + dt.timedelta(days=5 + index % 20)
        groups_factories.cycle([day], commune_name=communes[index % len(communes)].name)


# --- independent figures ----------------------------------------------------------------------


def expected_trained(commune_ids: set[int] | None, low: dt.datetime, high: dt.datetime):
    """Professionals who completed a module in [low, high[, counted in plain Python."""
    communes_of = defaultdict(set)
    kind_of = {}
    for profile in MemberProfile.objects.select_related("organisation").prefetch_related(
        "communes"
    ):
        communes_of[profile.user_id] = {c.pk for c in profile.communes.all()}
        kind_of[profile.user_id] = profile.organisation.kind if profile.organisation else None
    people, per_commune, per_kind, per_module = set(), defaultdict(set), defaultdict(set), {}
    for enrolment in Enrolment.objects.select_related("run"):
        if enrolment.status != EnrolmentStatus.COMPLETED or not enrolment.completed_at:
            continue
        if not low <= enrolment.completed_at < high:
            continue
        theirs = communes_of[enrolment.person_id]
        if commune_ids is not None and not theirs & commune_ids:
            continue
        people.add(enrolment.person_id)
        per_kind[kind_of.get(enrolment.person_id)].add(enrolment.person_id)
        per_module.setdefault(enrolment.run.module_id, set()).add(enrolment.person_id)
        for commune in theirs:
            if commune_ids is None or commune in commune_ids:
                per_commune[commune].add(enrolment.person_id)
    return (
        len(people),
        {c: len(p) for c, p in per_commune.items()},
        {k: len(p) for k, p in per_kind.items()},
        {m: len(p) for m, p in per_module.items()},
    )


def test_trained_figures_equal_an_independent_count(demo_data):
    grow(4)
    coordination = _user("coordination")
    period = dashboards.Period.last_months(12)
    low, high = period.bounds()
    for user, ids in (
        (coordination, None),
        (_user("coord-esneux"), {Commune.objects.get(name="Esneux").pk}),
    ):
        scope = dashboards.scope_for(user)
        figures = dashboards.trained(scope, period)
        total, per_commune, per_kind, per_module = expected_trained(ids, low, high)
        assert total > 0
        assert figures.total == total
        names = {c.pk: c.name for c in Commune.objects.all()}
        assert dict(figures.by_commune) == {names[pk]: per_commune.get(pk, 0) for pk in scope.ids}
        assert sum(n for _kind, n in figures.by_kind) == sum(per_kind.values())
        assert {row.module_id: row.total for row in figures.modules} == per_module


def test_other_figures_equal_an_independent_count(demo_data):
    grow(3)
    now = timezone.now()
    today = timezone.localdate()
    scope = dashboards.scope_for(_user("coordination"))

    # Gaps: meetings of the next 30 days with fewer facilitators than their cycle asks.
    expected_gaps = {}
    for cycle in Cycle.objects.select_related("series", "programme"):
        for session in cycle.series.sessions.all():
            if session.status == SessionStatus.CANCELLED:
                continue
            if not now <= session.start < now + dt.timedelta(days=30):
                continue
            staffed = session.assignments.filter(role__in=FACILITATING).count()
            if staffed < cycle.programme.facilitators_per_meeting:
                expected_gaps[session.pk] = cycle.programme.facilitators_per_meeting - staffed
    assert expected_gaps
    found = dashboards.gaps(scope, now)
    assert found.meetings == len(expected_gaps)
    assert found.seats == sum(expected_gaps.values())
    listed = {g.session.pk: g.open_seats for g in found.listed}
    assert len(listed) == min(len(expected_gaps), dashboards.LISTED)
    assert all(expected_gaps[pk] == seats for pk, seats in listed.items())

    # Certificates expiring within 60 days (neither revoked nor replaced).
    expected = {
        c.pk
        for c in Certificate.objects.all()
        if c.status == "valid"
        and not c.superseded_by_id
        and c.valid_until
        and today <= c.valid_until <= today + dt.timedelta(days=60)
    }
    assert expected
    assert set(dashboards.expiring(scope, today).values_list("pk", flat=True)) == expected

    # Upcoming runs: seats taken and waiting lists.
    rows = dashboards.upcoming_runs(scope, now)
    for row in rows:
        run = CourseRun.objects.get(pk=row.pk)
        assert row.waitlisted == run.enrolments.filter(status="waitlisted").count()
        assert (row.seats_taken, row.capacity) == (run.seats_taken, run.capacity)
        assert row.starts_at >= now
    soonest = sorted(
        CourseRun.objects.exclude(status="cancelled").filter(starts_at__gte=now),
        key=lambda r: (r.starts_at, r.pk),
    )[: dashboards.LISTED]
    assert [r.pk for r in rows] == [r.pk for r in soonest]

    # Monthly completions add up to the completions of the period.
    period = dashboards.Period.last_months(12)
    low, high = period.bounds()
    completed = Enrolment.objects.filter(
        status="completed", completed_at__gte=low, completed_at__lt=high
    ).count()
    monthly = dashboards.monthly_completions(scope, period)
    assert len(monthly) == 12
    assert sum(n for _month, n in monthly) == completed


def test_a_commune_coordinator_sees_their_commune_only(client, demo_data):
    grow(2)
    client.force_login(_user("coord-esneux"))
    page = client.get("/admin/").content.decode()
    assert "Professionnel·le·s formé·e·s" in page
    assert "En attente de votre part" in page
    table = re.search(r"par module et par commune</caption>\s*<thead>(.*?)</thead>", page, re.S)
    assert table is not None
    columns = re.findall(r'<th scope="col">([^<]+)</th>', table.group(1))
    assert columns == ["Module", "Esneux", "Total"]


def test_the_network_coordination_sees_every_panel_in_french(client, demo_data):
    grow(3)
    client.force_login(_user("coordination"))
    response = client.get("/admin/")
    assert response.status_code == 200
    page = response.content.decode()
    for heading in (
        "Professionnel·le·s formé·e·s",
        "Prochaines sessions de formation",
        "Rencontres sans animateur·rice",
        "Attestations expirant dans les 60 jours",
        "Groupes de parole en chiffres",
    ):
        assert heading in page, heading
    # Charts are images with a text alternative, and their data is a table.
    assert page.count('role="img"') >= 4
    assert "Données du graphique" in page
    # A module chosen narrows the figures; a made-up one is ignored.
    module = ModulePage.objects.order_by("pk").first()
    assert client.get(f"/admin/?module={module.pk}").status_code == 200
    assert client.get("/admin/?module=999999").status_code == 200
    assert client.get("/admin/?module=²").status_code == 200  # a digit int() refuses


def test_people_without_admin_access_get_no_admin_dashboard(client, demo_data):
    from hub.admin_dashboard import panels_for

    class Request:
        GET: dict = {}

    for username in ("animateur", "formatrice", "referente", "professionnelle"):
        request = Request()
        request.user = _user(username)
        assert panels_for(request) == []
        client.force_login(request.user)
        assert client.get("/admin/").status_code in (302, 403)


def _home_queries(client, username: str) -> int:
    client.force_login(_user(username))
    client.get("/admin/")  # caches of the first request (site, locale, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/")
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("username", ["coordination", "coord-esneux"])
def test_the_dashboard_runs_the_same_queries_at_two_sizes(client, demo_data, username):
    grow(1)
    small = _home_queries(client, username)
    grow(4)
    large = _home_queries(client, username)
    assert small == large
