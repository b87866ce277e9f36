"""Children's identities are purged a set number of months after their cycles closed; what the
statistics count stays. Idempotent, audited, run daily by run_due_jobs."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from groups.models import (
    Consent,
    ConsentScope,
    Cycle,
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
)
from groups.retention import PURGED_ALIAS, purge_identities
from network.models import AuditEntry
from network.registries import due_jobs

from . import factories as f

pytestmark = pytest.mark.django_db

CLOSED_ON = dt.datetime(2027, 3, 10, 18, 0, tzinfo=f.BRUSSELS)


def _child(alias: str = "Zoélie") -> Participant:
    participant = Participant.objects.create(
        alias=alias,
        birth_year=2017,
        referral_source=ReferralSource.SCHOOL,
        practical_needs="Allergie aux arachides",
        commune=f.commune("Esneux"),
    )
    Consent.objects.create(
        participant=participant,
        guardian=Guardian.MOTHER,
        given_on=dt.date(2027, 1, 5),
        scope=ConsentScope.PARTICIPATION,
    )
    SafetyInstruction.objects.create(
        participant=participant, kind=SafetyKind.NEVER_HAND_OVER, who="Le père"
    )
    SafetyInstruction.objects.create(
        participant=participant, kind=SafetyKind.AUTHORISED_PICKUP, who="La grand-mère"
    )
    return participant


def _cycle(closed_at: dt.datetime | None = CLOSED_ON) -> Cycle:
    cycle = f.cycle(f.wednesdays(dt.date(2027, 1, 1), 3))
    if closed_at is not None:
        with time_machine.travel(closed_at, tick=False):
            cycle.status = CycleStatus.CLOSED
            cycle.save()
    return cycle


def _member(cycle: Cycle, participant: Participant) -> Membership:
    membership = Membership.objects.create(
        cycle=cycle, participant=participant, status=MembershipStatus.ADMITTED
    )
    MeetingAttendance.objects.create(
        membership=membership,
        session=f.meetings(cycle)[0],
        status=MeetingAttendanceStatus.PRESENT,
    )
    return membership


def _months_after(months: int, days: int = 0) -> dt.datetime:
    return CLOSED_ON + relativedelta(months=months) + dt.timedelta(days=days)


@pytest.fixture
def closed(demo_data):
    """A child whose only cycle closed on 10 March 2027."""
    participant = _child()
    membership = _member(_cycle(), participant)
    return participant, membership


def _purges() -> int:
    return AuditEntry.objects.filter(action="participant.purge").count()


def test_identity_is_purged_twelve_months_after_the_cycle_closed(closed):
    participant, membership = closed

    assert purge_identities(now=_months_after(12, days=-1)) == 0
    participant.refresh_from_db()
    assert participant.alias == "Zoélie"

    assert purge_identities(now=_months_after(12, days=1)) == 1

    participant.refresh_from_db()
    assert participant.alias == PURGED_ALIAS
    assert participant.practical_needs == ""
    assert not Consent.objects.filter(participant=participant).exists()
    assert not SafetyInstruction.objects.filter(participant=participant).exists()
    # What the statistics count stays.
    assert participant.code.startswith("P-")
    assert (participant.birth_year, participant.referral_source) == (2017, ReferralSource.SCHOOL)
    assert participant.commune.name == "Esneux"
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert MeetingAttendance.objects.filter(membership=membership).count() == 1
    entry = AuditEntry.objects.get(action="participant.purge")
    assert entry.origin == "job"
    assert entry.object_key == str(participant.pk)
    assert "Zoélie" not in f"{entry.action} {entry.object_type} {entry.object_key}"


def test_purging_again_changes_nothing(closed):
    later = _months_after(13)
    assert purge_identities(now=later) == 1

    assert purge_identities(now=later) == 0
    assert purge_identities(now=_months_after(30)) == 0
    assert _purges() == 1


def test_a_child_still_in_another_cycle_keeps_everything(closed):
    participant, _membership = closed
    _member(_cycle(closed_at=None), participant)  # running

    assert purge_identities(now=_months_after(24)) == 0

    participant.refresh_from_db()
    assert participant.alias == "Zoélie"
    assert participant.consents.count() == 1
    assert participant.safety_instructions.count() == 2


def test_a_later_cycle_closing_recently_delays_the_purge(closed):
    participant, _membership = closed
    _member(_cycle(closed_at=_months_after(6)), participant)

    assert purge_identities(now=_months_after(13)) == 0
    assert purge_identities(now=_months_after(19)) == 1


def test_a_child_not_yet_in_any_cycle_is_not_purged(demo_data):
    # Not within the retention period after the record was made (test_review_fixes: a record
    # in no cycle at all is purged after it, or it would be kept forever).
    waiting = _child("Enattente")

    assert purge_identities(now=timezone.now() + dt.timedelta(days=300)) >= 0

    waiting.refresh_from_db()
    assert waiting.alias == "Enattente"


@override_settings(MAILLAGE_GROUPS_RETENTION_MONTHS=6)
def test_the_retention_is_a_setting(closed):
    assert purge_identities(now=_months_after(6, days=1)) == 1


def test_the_demo_children_are_kept(demo_data):
    before = list(Participant.objects.values_list("alias", flat=True))

    assert purge_identities() == 0

    assert list(Participant.objects.values_list("alias", flat=True)) == before


def test_run_due_jobs_purges_once_a_day(closed):
    participant, _membership = closed
    assert "groups.purge_identities" in due_jobs

    with time_machine.travel(_months_after(13), tick=False):
        out = StringIO()
        call_command("run_due_jobs", stdout=out)
        assert "enqueued groups.purge_identities" in out.getvalue()
        call_command("run_due_jobs", stdout=StringIO())

    participant.refresh_from_db()
    assert participant.alias == PURGED_ALIAS
    assert _purges() == 1
