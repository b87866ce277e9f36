"""A commune coordinator keeps a child's record in the admin: the record with its consents,
safety instructions and memberships in one form, the listing, deletion, no export."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.models import (
    Consent,
    CycleStatus,
    MeetingAttendance,
    Membership,
    MembershipStatus,
    Participant,
    SafetyInstruction,
)

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


@pytest.fixture
def child_world(demo_data):
    return world()


def _errors(response) -> list:
    form = response.context["form"]
    return [form.errors] + [(n, fs.errors, fs.non_form_errors()) for n, fs in form.formsets.items()]


def test_a_coordinator_records_a_child_with_consent_safety_and_membership(client, demo_data):
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 2), status=CycleStatus.OPEN)
    signed_in(client, "coord-esneux")
    add_url = reverse("groups_participants:add")
    page = client.get(add_url)
    assert page.status_code == 200
    data = browser_data(page)
    data.update(
        {
            "alias": "Noor",
            "birth_year": "2016",
            "referral_source": "cpas",
            "commune": str(f.commune("Esneux").pk),
            "practical_needs": "Fauteuil roulant",
            "consents-0-guardian": "mother",
            "consents-0-given_on": "03/02/2026",
            "consents-0-scope": "participation",
            "safety_instructions-0-kind": "never_contact",
            "safety_instructions-0-who": "le père",
            "memberships-0-cycle": str(cycle.pk),
            "memberships-0-status": "referred",
        }
    )
    response = client.post(add_url, data)
    assert response.status_code == 302, _errors(response)

    made = Participant.objects.get(alias="Noor")
    assert made.code.startswith("P-")
    assert made.consents.get().given_on.isoformat() == "2026-02-03"
    assert made.safety_instructions.get().who == "le père"
    assert made.memberships.get().cycle == cycle
    edit = client.get(reverse("groups_participants:edit", args=[made.pk])).content.decode()
    assert f"<strong>{made.code}</strong>" in edit  # shown, not typed


def test_a_blank_form_adds_no_child_row(client, child_world):
    participant = child_world["participant"]
    signed_in(client, "coord-esneux")
    url = reverse("groups_participants:edit", args=[participant.pk])
    response = client.post(url, browser_data(client.get(url)))
    assert response.status_code == 302, _errors(response)
    assert participant.consents.count() == 1
    assert participant.safety_instructions.count() == 1
    assert participant.memberships.count() == 1


def test_a_row_is_deleted_with_its_checkbox_and_errors_are_shown_per_row(client, child_world):
    participant = child_world["participant"]
    signed_in(client, "coord-esneux", english=True)
    url = reverse("groups_participants:edit", args=[participant.pk])
    data = browser_data(client.get(url))
    data["safety_instructions-0-DELETE"] = "on"
    # Left, without saying when: the model's constraint, shown on the row.
    data["memberships-0-status"] = MembershipStatus.LEFT
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Say when the participant left." in response.content.decode()
    assert SafetyInstruction.objects.filter(participant=participant).count() == 1

    data["memberships-0-left_on"] = "2026-03-04"
    data["memberships-0-left_reason"] = "moved"
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)
    assert not SafetyInstruction.objects.filter(participant=participant).exists()
    assert Membership.objects.get(participant=participant).status == MembershipStatus.LEFT


def test_memberships_are_offered_only_in_cycles_the_user_may_change(client, child_world):
    participant = child_world["participant"]
    elsewhere = f.cycle(f.wednesdays(f.quiet_month(14), 2), commune_name="Aywaille")
    # A membership in another commune's cycle is neither shown nor lost.
    kept = enrol(elsewhere, participant, status=MembershipStatus.REFERRED)
    signed_in(client, "coord-esneux")
    url = reverse("groups_participants:edit", args=[participant.pk])
    page = client.get(url)
    formset = page.context["form"].formsets["memberships"]
    assert [form.instance for form in formset.initial_forms] == [child_world["membership"]]
    offered = set(formset.forms[0].fields["cycle"].queryset)
    assert child_world["cycle"] in offered and elsewhere not in offered

    data = browser_data(page)
    data.update({"memberships-1-cycle": str(elsewhere.pk), "memberships-1-status": "referred"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "cycle" in response.context["form"].formsets["memberships"].forms[1].errors
    response = client.post(url, browser_data(page))
    assert response.status_code == 302
    assert Membership.objects.filter(pk=kept.pk).exists()


def test_a_record_cannot_be_moved_out_of_ones_communes(client, child_world):
    participant = child_world["participant"]
    signed_in(client, "coord-esneux")
    url = reverse("groups_participants:edit", args=[participant.pk])
    data = browser_data(client.get(url))
    data["commune"] = str(f.commune("Aywaille").pk)
    response = client.post(url, data)
    assert response.status_code == 200  # not a choice of theirs
    participant.refresh_from_db()
    assert participant.commune.name == "Esneux"


def test_the_listing_shows_the_childs_cycles_searches_and_has_no_export(client, child_world):
    participant = child_world["participant"]
    other = child(alias="Maëlys")
    signed_in(client, "coord-esneux", english=True)
    url = reverse("groups_participants:index")
    page = client.get(url).content.decode()
    for text in (participant.code, ALIAS, "2017", "Esneux", child_world["cycle"].name):
        assert text in page
    assert other.code in page

    found = client.get(url, {"q": ALIAS[:3]}).content.decode()
    assert participant.code in found and other.code not in found
    found = client.get(url, {"q": other.code}).content.decode()
    assert other.code in found and participant.code not in found

    # Wagtail's spreadsheet export is off: no button, and asking for it gives the page.
    assert "export=csv" not in page and "export=xlsx" not in page
    for spreadsheet in ("csv", "xlsx"):
        response = client.get(url, {"export": spreadsheet})
        assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("listing", ["groups_participants:index", "groups_cycles:index"])
def test_listings_cost_the_same_queries_whatever_their_size(
    client, demo_data, django_assert_num_queries, listing
):
    signed_in(client, "coord-esneux")
    url = reverse(listing)
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 2))

    def grow(count):
        for n in range(count):
            extra_cycle = f.cycle(f.wednesdays(f.quiet_month(15 + n), 1))
            enrol(cycle, child(alias=f"Enfant {n}"))
            enrol(extra_cycle, child(alias=f"Autre {n}"))

    grow(2)
    client.get(url)  # warm caches (content types, site settings)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(4)
    with django_assert_num_queries(len(small)):
        assert client.get(url).status_code == 200


def test_deleting_a_child_with_attendance_asks_then_deletes_everything(client, child_world):
    participant = child_world["participant"]
    url = reverse("groups_participants:delete", args=[participant.pk])
    signed_in(client, "coord-aywaille")
    assert client.post(url).status_code == 404

    signed_in(client, "coord-esneux")
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert participant.code in confirm.content.decode()
    assert ALIAS not in confirm.content.decode()
    assert client.post(url).status_code == 302
    assert not Participant.objects.filter(pk=participant.pk).exists()
    assert not Consent.objects.filter(participant_id=participant.pk).exists()
    assert not MeetingAttendance.objects.filter(membership__participant_id=participant.pk).exists()
