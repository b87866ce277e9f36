"""Who reaches a child's record in the Wagtail admin: every endpoint that shows participant
data, for every role (DESIGN, "Security": object-level authorisation on every endpoint,
Wagtail's side views included). Denied responses never carry the alias or the code."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from wagtail.models import ModelLogEntry

from groups.models import Participant
from network import roles
from network.models import AuditEntry

from . import factories as f
from .admin_support import (
    ALIAS,
    _language_back_to_default,  # noqa: F401 (autouse)
    browser_data,
    signed_in,
    world,
)

pytestmark = pytest.mark.django_db

PARTICIPANT_VIEWS = ("edit", "inspect", "history", "history_results", "usage", "delete")
LISTINGS = ("index", "index_results")

# Per role: the participant's own views it reaches (200) and whether the listings show it.
REACHES = {
    "commune_coordinator": (set(PARTICIPANT_VIEWS), True),
    # The network coordination in charge of the cycle reads; it changes no child's record.
    # (Wagtail's history and usage views want a change permission: it reads the record.)
    "network_in_charge": ({"inspect"}, True),
    "network_without_role": (set(), False),
    "other_commune_coordinator": (set(), False),
    "facilitator_assigned": (set(), False),  # the front end is theirs, not the admin
    "facilitator_not_assigned": (set(), False),
    "professional": (set(), False),
    "anonymous": (set(), False),
}
NO_ADMIN_ACCESS = {
    "facilitator_assigned",
    "facilitator_not_assigned",
    "professional",
    "anonymous",
}


@pytest.fixture
def child_world(demo_data):
    return world()


def _username(who: str, cycle) -> str | None:
    if who == "anonymous":
        return None
    if who == "network_in_charge":
        person = f.member("coord-reseau-bis", roles.NETWORK_COORDINATION)
        cycle.coordinator = person
        cycle.save(update_fields=["coordinator"])
        return person.username
    return {
        "facilitator_assigned": "animateur",
        "facilitator_not_assigned": "anim-01",
        "commune_coordinator": "coord-esneux",
        "other_commune_coordinator": "coord-aywaille",
        "network_without_role": "coordination",
        "professional": "professionnelle",
    }[who]


def _assert_kept_out(response, who, url, secrets):
    body = response.content.decode()
    for secret in secrets:
        assert secret not in body, (who, url, "leaks", secret)
    if who in NO_ADMIN_ACCESS:
        assert response.status_code == 302, (who, url, response.status_code)
        location = response["Location"]
        assert "login" in location or "connexion" in location, (who, url, location)
    else:
        # 404 outside the scope; a missing model permission is Wagtail's 403 (a redirect
        # to the dashboard with a message).
        assert response.status_code in (403, 404) or (
            response.status_code == 302 and response["Location"] == "/admin/"
        ), (who, url, response.status_code)


@pytest.mark.parametrize("who", list(REACHES))
def test_every_participant_endpoint_answers_by_role(client, child_world, who):
    participant, cycle = child_world["participant"], child_world["cycle"]
    secrets = (ALIAS, participant.code)
    reaches, listed = REACHES[who]
    signed_in(client, _username(who, cycle))

    for name in PARTICIPANT_VIEWS:
        url = reverse(f"groups_participants:{name}", args=[participant.pk])
        response = client.get(url)
        if name in reaches:
            assert response.status_code == 200, (who, url)
            if name != "history_results":  # a fragment of the history page
                assert participant.code in response.content.decode(), (who, url)
        else:
            _assert_kept_out(response, who, url, secrets)

    for name in LISTINGS:
        url = reverse(f"groups_participants:{name}")
        # A search echoes its own words: look for what it did not ask.
        for query, other in (
            ("", secrets),
            (participant.code, [ALIAS]),
            (ALIAS, [participant.code]),
        ):
            response = client.get(url, {"q": query} if query else {})
            if who in NO_ADMIN_ACCESS:
                _assert_kept_out(response, who, url, other)
                continue
            assert response.status_code == 200, (who, url)
            body = response.content.decode()
            for secret in other:
                assert (secret in body) is listed, (who, url, query, secret)

    # The add form lists nobody; it is only for those who may add.
    add = client.get(reverse("groups_participants:add"))
    if who == "commune_coordinator":
        assert add.status_code == 200
    else:
        assert add.status_code != 200 or participant.code not in add.content.decode()

    # The cycle's own pages show its children only to those allowed to see them.
    for name in ("inspect", "edit"):
        url = reverse(f"groups_cycles:{name}", args=[cycle.pk])
        response = client.get(url)
        body = response.content.decode()
        if who in NO_ADMIN_ACCESS or who == "other_commune_coordinator":
            _assert_kept_out(response, who, url, secrets)
        elif name == "inspect" and listed:
            assert response.status_code == 200 and participant.code in body and ALIAS in body
        else:
            assert participant.code not in body and ALIAS not in body, (who, url)


@pytest.mark.parametrize("who", [who for who in REACHES if who != "commune_coordinator"])
def test_posting_to_a_record_out_of_reach_changes_nothing(client, child_world, who):
    participant = child_world["participant"]
    signed_in(client, _username(who, child_world["cycle"]))
    edit = reverse("groups_participants:edit", args=[participant.pk])
    delete = reverse("groups_participants:delete", args=[participant.pk])
    for url, data in ((edit, {"alias": "Autre"}), (delete, {})):
        response = client.post(url, data)
        _assert_kept_out(response, who, url, (ALIAS, participant.code))
    participant.refresh_from_db()
    assert participant.alias == ALIAS


def test_reads_of_a_record_are_audited_without_the_alias(client, child_world):
    participant = child_world["participant"]
    signed_in(client, "coord-esneux")
    before = AuditEntry.objects.count()
    for name in ("edit", "inspect"):
        response = client.get(reverse(f"groups_participants:{name}", args=[participant.pk]))
        assert response.status_code == 200
    entries = list(AuditEntry.objects.order_by("pk")[before:])
    assert [e.action for e in entries] == ["participant.view", "participant.view"]
    for entry in entries:
        assert entry.object_type == "maillage_groups.participant"
        assert entry.object_key == str(participant.pk)
        assert entry.origin == "admin"
        values = " ".join(
            str(getattr(entry, field.attname)) for field in AuditEntry._meta.concrete_fields
        )
        assert ALIAS not in values and participant.code not in values

    # A denied read leaves no trace of a read.
    signed_in(client, "coord-aywaille")
    client.get(reverse("groups_participants:inspect", args=[participant.pk]))
    assert AuditEntry.objects.count() == before + 2


def test_log_entries_of_a_record_never_name_the_child(client, child_world):
    participant = child_world["participant"]
    signed_in(client, "coord-esneux")
    url = reverse("groups_participants:edit", args=[participant.pk])
    data = browser_data(client.get(url))
    data["practical_needs"] = "Pas de gluten"
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response.context["form"])
    entries = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Participant), object_id=str(participant.pk)
    )
    assert entries.exists()
    for entry in entries:
        # The code (str()), or the neutral "Participant #pk" of groups.signals: never the alias.
        assert ALIAS not in entry.label and ALIAS not in str(entry.data)
        assert entry.label == participant.code or participant.code not in entry.label
    history = client.get(reverse("groups_participants:history", args=[participant.pk]))
    assert participant.code in history.content.decode()


def _errors(form) -> list:
    return [form.errors] + [
        (name, formset.errors, formset.non_form_errors()) for name, formset in form.formsets.items()
    ]


def test_the_matrix_covers_every_url_of_a_childs_record():
    """A new view on participants (a chooser, an export) fails here until it is in the matrix."""
    from tests.network_tests.test_url_walk import all_patterns

    names = {name for _route, name in all_patterns() if name.startswith("groups_participants:")}
    assert names == {f"groups_participants:{n}" for n in (*PARTICIPANT_VIEWS, *LISTINGS, "add")}
    choosers = [route for route, _name in all_patterns() if "groupes" in route and "choos" in route]
    assert choosers == []
