"""groups/ in the privacy registry: every model declared; erasing an adult keeps the child's
record but forgets who they were in it."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO

import pytest
from django.apps import apps
from django.utils import timezone

from groups.models import (
    Cycle,
    CycleStatus,
    MeetingAttendance,
    MeetingAttendanceStatus,
    Membership,
    MembershipStatus,
    Participant,
    Programme,
    ReferralSource,
)
from network import privacy, roles
from network.privacy_services import erase_person, export_person
from sessions.models import Assignment, StaffRole

from . import factories as f

pytestmark = pytest.mark.django_db

ALIAS = "Zoélie"


def test_every_groups_model_is_declared():
    models = list(apps.get_app_config("maillage_groups").get_models())
    assert privacy.undeclared_models(models) == []
    assert privacy.undeclared_models() == []  # the registry's own test, all apps together
    personal = {entry.key for entry in privacy.registered()}
    for model in models:
        key = model._meta.label_lower
        assert (key in personal) == (model is not Programme), key
    pointing = {field.model._meta.label_lower for field in privacy.user_pointers()}
    assert {"maillage_groups.cycle", "maillage_groups.meetingattendance"} <= pointing & personal


@pytest.fixture
def scene(demo_data):
    """A running cycle with its coordinator in charge, and a facilitator who marked attendance."""
    coordinator = f.member("coord-de-cycle", roles.COMMUNE_COORDINATOR, ("Esneux",))
    facilitator = f.member("anim-a-effacer", roles.FACILITATOR, ("Esneux",))
    cycle = f.cycle(
        f.wednesdays(f.quiet_month(), 2), coordinator=coordinator, status=CycleStatus.RUNNING
    )
    first = f.meetings(cycle)[0]
    f.assign(first, facilitator, StaffRole.LEAD)
    participant = Participant.objects.create(
        alias=ALIAS,
        birth_year=2016,
        referral_source=ReferralSource.CPAS,
        commune=f.commune("Esneux"),
    )
    membership = Membership.objects.create(
        cycle=cycle, participant=participant, status=MembershipStatus.ADMITTED
    )
    attendance = MeetingAttendance.objects.create(
        membership=membership,
        session=first,
        status=MeetingAttendanceStatus.PRESENT,
        marked_by=facilitator,
        marked_at=timezone.now(),
    )
    return {
        "coordinator": coordinator,
        "facilitator": facilitator,
        "cycle": cycle,
        "session": first,
        "participant": participant,
        "attendance": attendance,
    }


def test_erasing_a_facilitator_keeps_the_child_s_attendance(scene):
    facilitator, attendance = scene["facilitator"], scene["attendance"]
    pk = facilitator.pk

    counts = erase_person(facilitator, actor=None, origin="test")

    attendance.refresh_from_db()
    assert attendance.status == MeetingAttendanceStatus.PRESENT
    assert attendance.membership.participant == scene["participant"]
    assert attendance.marked_by_id is None
    assert counts["maillage_groups.meetingattendance"] == 1
    assert not Assignment.objects.filter(person_id=pk).exists()
    assert Participant.objects.filter(pk=scene["participant"].pk, alias=ALIAS).exists()


def test_erasing_the_coordinator_in_charge_clears_the_cycle_s_coordinator(scene):
    cycle = scene["cycle"]

    counts = erase_person(scene["coordinator"], actor=None, origin="test")

    cycle.refresh_from_db()
    assert cycle.coordinator_id is None
    assert cycle.status == CycleStatus.RUNNING
    assert counts["maillage_groups.cycle"] == 1
    assert Cycle.objects.filter(pk=cycle.pk).exists()


def test_an_adult_s_export_holds_their_part_and_no_child_s_name(scene):
    for key, model in (("facilitator", "meetingattendance"), ("coordinator", "cycle")):
        archive = zipfile.ZipFile(BytesIO(export_person(scene[key], origin="test")))
        data = json.loads(archive.read("donnees.json"))
        rows = data["models"][f"maillage_groups.{model}"]["rows"]
        assert len(rows) == 1, key
        text = archive.read("donnees.json").decode() + archive.read("resume.txt").decode()
        assert ALIAS not in text
        assert scene["participant"].code not in text
        for child_model in ("participant", "consent", "safetyinstruction", "membership"):
            assert data["models"][f"maillage_groups.{child_model}"]["rows"] == []
