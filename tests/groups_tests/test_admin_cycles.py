"""Cycles and programmes in the admin: scoped choices, the venue and meetings in the cycle's
commune, the listing with its filters, head counts and roster-board link, the menu."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from groups.models import Cycle, CycleStatus, MembershipStatus, Programme
from sessions.models import Venue

from . import factories as f
from .admin_support import (
    ALIAS,
    _language_back_to_default,  # noqa: F401 (autouse)
    browser_data,
    child,
    enrol,
    signed_in,
    world,
)

pytestmark = pytest.mark.django_db


def _new_cycle_data(client, **fields) -> dict:
    data = browser_data(client.get(reverse("groups_cycles:add")))
    data.update({"name": "Groupe 6–11 ans, Esneux — printemps", "status": "planning"})
    data.update({key: str(value) for key, value in fields.items()})
    return data


def test_a_venue_in_another_commune_is_refused_in_french(client, demo_data):
    programme = f.programme()
    esneux, aywaille = f.commune("Esneux"), f.commune("Aywaille")
    venue = Venue.objects.create(name="Salle du Thier", commune=aywaille)
    signed_in(client, "coordination")  # French, and every venue is a choice
    data = _new_cycle_data(client, programme=programme.pk, commune=esneux.pk, venue=venue.pk)
    response = client.post(reverse("groups_cycles:add"), data)
    assert response.status_code == 200
    assert "Le lieu n’est pas dans la commune du cycle." in response.content.decode()
    assert not Cycle.objects.filter(name=data["name"]).exists()


def test_meetings_are_a_free_series_of_the_cycles_commune(client, demo_data):
    programme = f.programme()
    taken = f.cycle(f.wednesdays(f.quiet_month(), 1))
    free = f.dated_series(f.wednesdays(f.quiet_month(14), 2), title="Série libre")
    elsewhere = f.dated_series(
        f.wednesdays(f.quiet_month(15), 2), commune_name="Sprimont", title="Série de Sprimont"
    )
    signed_in(client, "coordination", english=True)
    page = client.get(reverse("groups_cycles:add"))
    offered = set(page.context["form"].fields["series"].queryset)
    assert free in offered and elsewhere in offered and taken.series not in offered
    assert "no other cycle uses" in page.content.decode()

    esneux = f.commune("Esneux")
    data = _new_cycle_data(client, programme=programme.pk, commune=esneux.pk, series=elsewhere.pk)
    response = client.post(reverse("groups_cycles:add"), data)
    assert response.status_code == 200
    assert "not in the cycle's commune" in html.unescape(response.content.decode())

    data["series"] = str(free.pk)
    response = client.post(reverse("groups_cycles:add"), data)
    assert response.status_code == 302
    assert Cycle.objects.get(name=data["name"]).series == free


def test_a_commune_coordinator_plans_cycles_of_their_commune_only(client, demo_data):
    programme = f.programme()
    signed_in(client, "coord-esneux")
    page = client.get(reverse("groups_cycles:add"))
    communes = {c.name for c in page.context["form"].fields["commune"].queryset}
    assert communes == {"Esneux"}
    data = _new_cycle_data(client, programme=programme.pk, commune=f.commune("Aywaille").pk)
    assert client.post(reverse("groups_cycles:add"), data).status_code == 200
    assert not Cycle.objects.filter(name=data["name"]).exists()
    data["commune"] = str(f.commune("Esneux").pk)
    assert client.post(reverse("groups_cycles:add"), data).status_code == 302
    assert Cycle.objects.get(name=data["name"]).commune.name == "Esneux"

    other = f.cycle(f.wednesdays(f.quiet_month(14), 1), commune_name="Aywaille")
    for name in ("edit", "inspect", "delete", "history", "usage"):
        url = reverse(f"groups_cycles:{name}", args=[other.pk])
        assert client.get(url).status_code == 404, url


def test_the_listing_filters_counts_and_links_to_the_roster_board(client, demo_data):
    running = f.cycle(f.wednesdays(f.quiet_month(), 1), status=CycleStatus.RUNNING)
    planning = f.cycle(f.wednesdays(f.quiet_month(14), 1), status=CycleStatus.PLANNING)
    aywaille = f.cycle(f.wednesdays(f.quiet_month(15), 1), commune_name="Aywaille")
    for n in range(3):
        enrol(running, child(alias=f"Enfant {n}"))
    enrol(running, child(alias="Orientée"), status=MembershipStatus.REFERRED)

    signed_in(client, "coordination", english=True)
    url = reverse("groups_cycles:index")
    page = client.get(url)
    rows = {row.name: row for row in page.context["object_list"]}
    assert rows[running.name].admitted == 3 and rows[planning.name].admitted == 0
    body = page.content.decode()
    assert f'href="/admin/groupes/planning/?cycle={running.pk}"' in body
    assert "Enfant 0" not in body  # a listing of cycles, not of children

    def names(**query):
        return {c.name for c in client.get(url, query).context["object_list"]}

    assert running.name in names(status="running") and planning.name not in names(status="running")
    assert names(commune=f.commune("Aywaille").pk) >= {aywaille.name}
    assert running.name not in names(commune=f.commune("Aywaille").pk)
    assert names(programme=running.programme_id) == {running.name}

    signed_in(client, "coord-esneux")
    mine = {c.name for c in client.get(url).context["object_list"]}
    assert running.name in mine and aywaille.name not in mine


def test_the_cycle_page_lists_its_children_for_those_allowed(client, demo_data):
    the_world = world()
    cycle, participant = the_world["cycle"], the_world["participant"]
    url = reverse("groups_cycles:inspect", args=[cycle.pk])

    signed_in(client, "coord-esneux")
    body = client.get(url).content.decode()
    assert participant.code in body and ALIAS in body
    edit = reverse("groups_participants:edit", args=[participant.pk])
    assert f'href="{edit}"' in body
    assert f"/admin/groupes/planning/?cycle={cycle.pk}" in body

    # The network coordination sees the cycle and its head count (masked below five, as in
    # the statistics), not the children.
    signed_in(client, "coordination", english=True)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert participant.code not in body and ALIAS not in body
    assert "Admitted: <strong>&lt; 5</strong>" in body

    # In charge of the cycle, it reads them (no edit: the record is the commune's).
    cycle.coordinator = f.user("coordination")
    cycle.save(update_fields=["coordinator"])
    body = client.get(url).content.decode()
    assert participant.code in body
    assert reverse("groups_participants:inspect", args=[participant.pk]) in body


def test_programmes_are_written_by_the_network_and_read_by_coordinators(client, demo_data):
    signed_in(client, "coordination")
    add = reverse("groups_programmes:add")
    data = browser_data(client.get(add))
    data.update(
        {
            "name": "Groupe ados",
            "audience": "adolescents",
            "age_min": "12",
            "age_max": "17",
            "min_size": "4",
            "max_size": "8",
            "facilitators_per_meeting": "2",
            "public_description": "Un groupe de parole pour adolescents.",
            "contact": "Service d'aide aux victimes, 04 000 00 00",
        }
    )
    modules = client.get(add).context["form"].fields["required_modules"].queryset[:2]
    data["required_modules"] = [str(m.pk) for m in modules]
    response = client.post(add, data)
    assert response.status_code == 302
    programme = Programme.objects.get(name="Groupe ados")
    assert set(programme.required_modules.all()) == set(modules)

    signed_in(client, "coord-esneux")
    assert client.get(reverse("groups_programmes:inspect", args=[programme.pk])).status_code == 200
    assert "Groupe ados" in client.get(reverse("groups_programmes:index")).content.decode()
    edit = client.get(reverse("groups_programmes:edit", args=[programme.pk]))
    assert (edit.status_code, edit["Location"]) == (302, "/admin/")  # Wagtail's 403
    assert client.get(reverse("groups_programmes:delete", args=[programme.pk])).status_code == 404

    # A programme with cycles stays.
    f.cycle(f.wednesdays(f.quiet_month(), 1), of=programme)
    signed_in(client, "coordination")
    response = client.post(reverse("groups_programmes:delete", args=[programme.pk]))
    assert response.status_code == 302
    assert Programme.objects.filter(pk=programme.pk).exists()


@pytest.mark.parametrize(
    ("username", "shown"),
    [
        ("coord-esneux", {"cycles", "participants", "echanges", "programmes"}),
        ("coordination", {"cycles", "participants", "echanges", "programmes"}),
    ],
)
def test_the_menu_shows_the_support_group_screens_to_coordinators(
    client, demo_data, username, shown
):
    signed_in(client, username)
    home = client.get("/admin/").content.decode()
    for screen in shown:
        assert f"/admin/groupes/{screen}/" in home, screen


@pytest.mark.parametrize("username", ["animateur", "professionnelle"])
def test_facilitators_and_professionals_have_no_admin_screens(client, demo_data, username):
    signed_in(client, username)
    for url in ("/admin/", "/admin/groupes/cycles/", "/admin/groupes/echanges/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_putting_someone_in_charge_of_a_cycle_is_audited(client, demo_data):
    from network.audit import object_key
    from network.models import AuditEntry

    cycle = f.cycle(f.wednesdays(f.quiet_month(), 1))
    signed_in(client, "coordination")
    url = reverse("groups_cycles:edit", args=[cycle.pk])
    data = browser_data(client.get(url))
    data["coordinator"] = str(f.user("coordination").pk)
    assert client.post(url, data).status_code == 302
    entries = AuditEntry.objects.filter(action="cycle.coordinator", object_key=object_key(cycle))
    assert entries.count() == 1
    # Saving again without changing who is in charge adds nothing.
    data = browser_data(client.get(url))
    assert client.post(url, data).status_code == 302
    assert entries.count() == 1
