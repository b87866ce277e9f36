"""Who sees a child's record: the permission layer's answer for every role (DESIGN, "Users and
roles": a facilitator through the roster, a coordinator for their commune, the network
coordination only where it holds a role)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import timezone

from groups.models import (
    CODE_ALPHABET,
    Consent,
    ConsentScope,
    CycleStatus,
    Guardian,
    MeetingAttendance,
    MeetingAttendanceStatus,
    Membership,
    MembershipStatus,
    Participant,
    ReferralSource,
    SafetyInstruction,
    SafetyKind,
    participant_code,
)
from network import roles
from network.permissions import can, visible
from sessions.models import StaffRole

from . import factories as f

pytestmark = pytest.mark.django_db

ALIAS = "Zoélie"
CHILD_MODELS = ("participant", "consent", "safety", "membership", "attendance")


def child(commune_name: str = "Esneux", alias: str = ALIAS) -> Participant:
    return Participant.objects.create(
        alias=alias,
        birth_year=2017,
        referral_source=ReferralSource.SCHOOL,
        practical_needs="Allergie aux arachides",
        commune=f.commune(commune_name),
    )


def enrol(cycle, participant, **fields) -> Membership:
    fields.setdefault("status", MembershipStatus.ADMITTED)
    return Membership.objects.create(cycle=cycle, participant=participant, **fields)


@pytest.fixture
def world(demo_data):
    """A cycle in Esneux with a child, its consent, safety instruction, membership and
    attendance at the first meeting, which `animateur` co-facilitates."""
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 3), status=CycleStatus.RUNNING)
    sessions = f.meetings(cycle)
    f.assign(sessions[0], f.user("animateur"), StaffRole.CO)
    participant = child()
    membership = enrol(cycle, participant)
    objects = {
        "cycle": cycle,
        "participant": participant,
        "consent": Consent.objects.create(
            participant=participant,
            guardian=Guardian.MOTHER,
            given_on=timezone.localdate(),
            scope=ConsentScope.PARTICIPATION,
        ),
        "safety": SafetyInstruction.objects.create(
            participant=participant, kind=SafetyKind.NEVER_HAND_OVER, who="le père"
        ),
        "membership": membership,
        "attendance": MeetingAttendance.objects.create(
            membership=membership,
            session=sessions[0],
            status=MeetingAttendanceStatus.PRESENT,
            marked_by=f.user("animateur"),
        ),
    }
    return objects


def _who(name: str, cycle):
    """The user playing a role in the matrix."""
    if name == "anonymous":
        return AnonymousUser()
    if name == "network_in_charge":
        person = f.member("coord-reseau-bis", roles.NETWORK_COORDINATION)
        cycle.coordinator = person
        cycle.save(update_fields=["coordinator"])
        return person
    return f.user(
        {
            "facilitator_assigned": "animateur",
            "facilitator_not_assigned": "anim-01",
            "commune_coordinator": "coord-esneux",
            "other_commune_coordinator": "coord-aywaille",
            "network_without_role": "coordination",
            "professional": "professionnelle",
        }[name]
    )


SEES_ALL = dict.fromkeys(("cycle", *CHILD_MODELS), True)
SEES_NOTHING = dict.fromkeys(("cycle", *CHILD_MODELS), False)
VIEW = {
    "facilitator_assigned": SEES_ALL,
    "facilitator_not_assigned": SEES_NOTHING,
    "commune_coordinator": SEES_ALL,
    "other_commune_coordinator": SEES_NOTHING,
    # Aggregates everywhere (the cycle), details only where it holds a role.
    "network_without_role": {**SEES_NOTHING, "cycle": True},
    "network_in_charge": SEES_ALL,
    "professional": SEES_NOTHING,
    "anonymous": SEES_NOTHING,
}


@pytest.mark.parametrize("who", list(VIEW))
def test_who_sees_what(world, who):
    user = _who(who, world["cycle"])

    for key, expected in VIEW[who].items():
        obj = world[key]
        listed = visible(user, type(obj)).filter(pk=obj.pk).exists()
        assert listed == expected, (who, key, "visible")
        assert can(user, "view", obj) == expected, (who, key, "can")


CHANGE = {
    "facilitator_assigned": {"participant": False, "attendance": True, "cycle": False},
    "facilitator_not_assigned": {"participant": False, "attendance": False, "cycle": False},
    "commune_coordinator": {"participant": True, "attendance": True, "cycle": True},
    "other_commune_coordinator": {"participant": False, "attendance": False, "cycle": False},
    "network_without_role": {"participant": False, "attendance": False, "cycle": True},
    "professional": {"participant": False, "attendance": False, "cycle": False},
    "anonymous": {"participant": False, "attendance": False, "cycle": False},
}


@pytest.mark.parametrize("who", list(CHANGE))
def test_who_changes_what(world, who):
    user = _who(who, world["cycle"])

    for key, expected in CHANGE[who].items():
        assert can(user, "change", world[key]) == expected, (who, key)


def test_a_facilitator_marks_only_the_meetings_they_run(world):
    other_session = f.meetings(world["cycle"])[1]
    other = MeetingAttendance.objects.create(
        membership=world["membership"], session=other_session, status=MeetingAttendanceStatus.ABSENT
    )
    animateur = f.user("animateur")

    assert can(animateur, "change", world["attendance"])
    assert not can(animateur, "change", other)
    # The child stays in sight: they work in the cycle.
    assert can(animateur, "view", world["participant"])


def _close(cycle, days_ago: float) -> None:
    cycle.status = CycleStatus.CLOSED
    cycle.closed_at = timezone.now() - dt.timedelta(days=days_ago)
    cycle.save(update_fields=["status", "closed_at"])


@pytest.mark.parametrize(("days_ago", "sees"), [(29, True), (31, False)])
def test_a_facilitator_loses_sight_of_the_children_after_the_cycle_closed(world, days_ago, sees):
    _close(world["cycle"], days_ago)
    animateur = f.user("animateur")

    for key in CHILD_MODELS:
        obj = world[key]
        assert can(animateur, "view", obj) == sees, key
        assert visible(animateur, type(obj)).filter(pk=obj.pk).exists() == sees, key
    assert can(f.user("coord-esneux"), "view", world["participant"])  # the commune keeps it


@pytest.mark.parametrize("update_fields", [None, ["status"]])
def test_closing_a_cycle_starts_the_access_period(world, update_fields):
    cycle = world["cycle"]
    cycle.status = CycleStatus.CLOSED
    cycle.save(update_fields=update_fields)
    cycle.refresh_from_db()

    assert cycle.closed_at is not None
    assert timezone.now() - cycle.closed_at < dt.timedelta(minutes=1)
    assert can(f.user("animateur"), "view", world["participant"])  # not hidden at once

    cycle.status = CycleStatus.RUNNING  # reopened
    cycle.save(update_fields=update_fields)
    cycle.refresh_from_db()
    assert cycle.closed_at is None


@override_settings(MAILLAGE_GROUPS_ACCESS_DAYS=7)
def test_the_access_period_is_a_setting(world):
    _close(world["cycle"], 8)

    assert not can(f.user("animateur"), "view", world["participant"])


def test_an_earlier_closed_cycle_does_not_hide_the_child_from_the_current_one(world):
    # The child took part in a group two years ago; anim-01 ran it.
    old = f.cycle(f.wednesdays(f.quiet_month(-24), 2))
    f.assign(f.meetings(old)[0], f.user("anim-01"))
    enrol(old, world["participant"])
    _close(old, 600)

    animateur, anim_01 = f.user("animateur"), f.user("anim-01")
    for key in ("participant", "consent", "safety"):
        obj = world[key]
        assert can(animateur, "view", obj), key
        assert visible(animateur, type(obj)).filter(pk=obj.pk).exists(), key
        # ... while the old cycle's facilitator does not see the child in the new one.
        assert not can(anim_01, "view", obj), key
        assert not visible(anim_01, type(obj)).filter(pk=obj.pk).exists(), key


def test_a_facilitator_of_another_cycle_does_not_see_this_one_s_children(world):
    other = f.cycle(f.wednesdays(f.quiet_month(), 2), commune_name="Esneux")
    f.assign(f.meetings(other)[0], f.user("anim-02"))
    enrol(other, child(alias="Autre"))

    anim_02 = f.user("anim-02")
    assert not can(anim_02, "view", world["participant"])
    assert list(visible(anim_02, Participant)) == list(
        Participant.objects.filter(memberships__cycle=other)
    )


# --- the pseudonymous code ---------------------------------------------------------------------


def test_a_participant_is_shown_by_its_code_never_its_alias(world):
    participant = world["participant"]
    alphabet = re.escape(CODE_ALPHABET)

    assert str(participant) == participant.code
    assert re.fullmatch(rf"P-[{alphabet}]{{4}}-[{alphabet}]{{4}}", participant.code)
    for key in CHILD_MODELS:
        assert ALIAS not in str(world[key]), key
        if key != "participant":
            assert participant.code in str(world[key]), key


def test_codes_have_no_ambiguous_characters_and_differ():
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET)
    codes = {participant_code() for _n in range(2000)}
    assert len(codes) == 2000
    assert not set("".join(codes)) - set(CODE_ALPHABET) - {"P", "-"}
    assert all(len(code) == 11 for code in codes)


def test_attendance_at_another_cycles_meeting_is_refused(world):
    """A child's attendance may only point to a meeting of their own cycle: another cycle's
    facilitators would otherwise see the child."""
    from django.core.exceptions import ValidationError

    other_cycle = f.cycle(f.wednesdays(f.quiet_month(14), 2))
    foreign = MeetingAttendance(
        membership=world["membership"],
        session=f.meetings(other_cycle)[0],
        status=MeetingAttendanceStatus.PRESENT,
    )
    with pytest.raises(ValidationError):
        foreign.full_clean()
    world["attendance"].full_clean()  # its own cycle's meeting is fine


@pytest.mark.parametrize(
    "text",
    ["Rencontres le mercredi après-midi", "de 14h à 15h30", "à 14:00", "Les Mercredis", "vers 9 h"],
)
def test_a_programme_s_public_text_tells_no_day_or_time(text):
    from django.core.exceptions import ValidationError

    from groups.models import Programme

    with pytest.raises(ValidationError) as refused:
        Programme(name="X", audience="children", public_description=text).clean()
    assert "public_description" in refused.value.message_dict


def test_a_programme_s_public_text_may_name_months_and_phones():
    from groups.models import Programme

    Programme(
        name="X",
        audience="children",
        public_description="Cycles de janvier à mars, 12 rencontres, 6 à 11 ans.",
        contact="Service d'aide aux victimes, 04 361 00 00, aide@example.be",
    ).clean()
