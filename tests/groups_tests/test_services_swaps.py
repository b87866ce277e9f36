"""Swaps between facilitators: proposed by someone on the meeting, approved or refused by a
coordinator of the cycle; on approval the engine's rules are checked again, and a refusal leaves
every seat where it was."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.utils import translation

from groups import exceptions, services
from groups.models import CycleStatus, Swap, SwapStatus
from network import roles
from network.models import AuditEntry
from sessions import services_staff
from sessions.models import Absence, Assignment, StaffRole

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def french():
    """The roster's reasons are read in French (an admin request of an earlier test may have
    left another language active in this thread)."""
    with translation.override("fr"):
        yield


def seats(person) -> dict[int, str]:
    """The meetings a person facilitates, with their role."""
    return dict(Assignment.objects.filter(person=person).values_list("session_id", "role"))


def day_of(session) -> dt.date:
    return session.start.astimezone(f.BRUSSELS).date()


def ics(content: str | bytes) -> str:
    """An attached calendar as text, its folded lines joined."""
    text = content.decode() if isinstance(content, bytes) else content
    return text.replace("\r\n ", "")


@pytest.fixture
def scene(demo_data):
    """Four Wednesdays in Esneux: anim-04 (lead) and anim-03 run the first two, anim-07 (lead)
    and anim-05 the last two; `h5-coord` is in charge."""
    coordinator = f.member("h5-coord", roles.COMMUNE_COORDINATOR, ("Esneux",))
    cycle = f.cycle(
        f.wednesdays(f.quiet_month(), 4), coordinator=coordinator, status=CycleStatus.RUNNING
    )
    m = f.meetings(cycle)
    requester, partner = f.user("anim-04"), f.user("anim-03")
    lead, colleague = f.user("anim-07"), f.user("anim-05")
    for session in m[:2]:
        f.assign(session, requester, StaffRole.LEAD)
        f.assign(session, partner)
    for session in m[2:]:
        f.assign(session, lead, StaffRole.LEAD)
        f.assign(session, colleague)
    return {
        "coordinator": coordinator,
        "cycle": cycle,
        "meetings": m,
        "requester": requester,
        "partner": partner,
        "lead": lead,
        "colleague": colleague,
    }


def propose(scene, colleague=None, **kwargs) -> Swap:
    return services.propose_swap(
        scene["requester"],
        scene["meetings"][0],
        colleague or scene["colleague"],
        **kwargs,
    )


# --- proposing ------------------------------------------------------------------------------


def test_a_facilitator_proposes_and_the_coordinator_and_colleague_are_told(
    scene, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        swap = propose(scene, note="  Rendez-vous médical  ")
    assert swap.status == SwapStatus.PROPOSED and swap.note == "Rendez-vous médical"
    assert swap.requester == scene["requester"] and swap.colleague == scene["colleague"]
    # Nothing moves before the coordinator decides.
    assert scene["meetings"][0].pk in seats(scene["requester"])
    assert scene["meetings"][0].pk not in seats(scene["colleague"])
    by_recipient = {tuple(e.to): e for e in mailoutbox}
    assert set(by_recipient) == {(scene["coordinator"].email,), (scene["colleague"].email,)}
    for message in mailoutbox:
        assert "Groupe enfants — Esneux" in message.subject
        assert f"{day_of(scene['meetings'][0]):%d/%m/%Y}" in message.subject
        assert scene["requester"].get_full_name() in message.body
    assert "/admin/groupes/echanges/" in by_recipient[(scene["coordinator"].email,)].body
    assert "/mes-groupes/" in by_recipient[(scene["colleague"].email,)].body
    assert AuditEntry.objects.filter(action="swap.propose", object_key=str(swap.pk)).exists()


def test_only_someone_on_the_meeting_proposes_it(scene):
    m = scene["meetings"]
    with pytest.raises(exceptions.NotYourMeeting):
        services.propose_swap(scene["colleague"], m[0], scene["lead"])
    with pytest.raises(exceptions.NotYourMeeting):
        services.propose_swap(scene["requester"], m[2], scene["partner"])
    assert not Swap.objects.exists()


def test_not_with_oneself_nor_with_someone_already_there(scene):
    with pytest.raises(exceptions.SwapWithYourself):
        propose(scene, colleague=scene["requester"])
    with pytest.raises(exceptions.NotEligible) as refused:
        propose(scene, colleague=scene["partner"])
    assert refused.value.message  # said in words
    assert not Swap.objects.exists()


def test_not_a_meeting_that_already_took_place(scene):
    with (
        time_machine.travel(scene["meetings"][0].start + dt.timedelta(minutes=5)),
        pytest.raises(exceptions.MeetingPast),
    ):
        propose(scene)
    assert not Swap.objects.exists()


def test_one_pending_swap_per_seat(scene, mailoutbox, django_capture_on_commit_callbacks):
    first = propose(scene)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(exceptions.SwapPending):
        propose(scene, colleague=scene["lead"])
    assert list(Swap.objects.all()) == [first]
    assert mailoutbox == []
    # The other facilitator of the meeting may ask for their own seat.
    services.propose_swap(scene["partner"], scene["meetings"][0], scene["lead"])
    # Withdrawn, the seat may be offered again.
    services.withdraw_swap(scene["requester"], first)
    again = propose(scene, colleague=scene["lead"])
    assert again.status == SwapStatus.PROPOSED
    assert Swap.objects.count() == 3


def test_an_exchange_needs_the_colleague_on_the_other_meeting_and_not_the_requester(scene):
    m = scene["meetings"]
    with pytest.raises(exceptions.NotEligible):
        propose(scene, counterpart=m[2], colleague=scene["partner"])  # partner is not on m[2]
    with pytest.raises(exceptions.NotEligible):
        # The partner runs the second meeting with the requester already.
        services.propose_swap(scene["partner"], m[0], scene["colleague"], counterpart=m[1])
    assert not Swap.objects.exists()
    swap = propose(scene, counterpart=m[2])
    assert swap.counterpart == m[2]


# --- withdrawing ----------------------------------------------------------------------------


def test_only_the_requester_withdraws_and_only_a_pending_swap(scene):
    swap = propose(scene)
    for someone in (scene["colleague"], scene["coordinator"]):
        with pytest.raises(exceptions.NotAllowed):
            services.withdraw_swap(someone, swap)
    withdrawn = services.withdraw_swap(scene["requester"], swap)
    assert withdrawn.status == SwapStatus.WITHDRAWN and withdrawn.decided_at is not None
    with pytest.raises(exceptions.SwapDecided):
        services.withdraw_swap(scene["requester"], swap)
    with pytest.raises(exceptions.SwapDecided):
        services.decide_swap(scene["coordinator"], swap, approve=True)
    assert scene["meetings"][0].pk in seats(scene["requester"])


# --- deciding -------------------------------------------------------------------------------


def test_approved_the_seat_changes_hands_and_both_are_told(
    scene, mailoutbox, django_capture_on_commit_callbacks
):
    m, requester, colleague = scene["meetings"], scene["requester"], scene["colleague"]
    swap = propose(scene)
    with django_capture_on_commit_callbacks(execute=True):
        decided = services.decide_swap(
            scene["coordinator"], swap, approve=True, reason=" Accord de la coordination "
        )
    assert decided.status == SwapStatus.APPROVED
    assert decided.decided_by == scene["coordinator"]
    assert decided.decision_reason == "Accord de la coordination"
    assert seats(requester) == {m[1].pk: StaffRole.LEAD}
    # The colleague takes the seat as it was (the lead's), the partner stays.
    assert seats(colleague) == {m[0].pk: StaffRole.LEAD, m[2].pk: "co", m[3].pk: "co"}
    assert m[0].pk in seats(scene["partner"])

    decisions = [e for e in mailoutbox if "Accord de la coordination" in e.body]
    assert sorted(e.to[0] for e in decisions) == sorted([requester.email, colleague.email])
    mine = next(e for e in decisions if e.to == [requester.email])
    # The requester's calendar loses the meeting; the colleague's gets it (sessions' invitation).
    (name, content, mimetype) = mine.attachments[0]
    assert mimetype.startswith("text/calendar; method=CANCEL")
    assert "METHOD:CANCEL" in ics(content) and m[0].uid in ics(content)
    invitations = [
        a
        for e in mailoutbox
        if e.to == [colleague.email]
        for a in e.attachments
        if "REQUEST" in a[2]
    ]
    assert len(invitations) == 1 and m[0].uid in ics(invitations[0][1])
    assert AuditEntry.objects.filter(action="swap.approve", object_key=str(swap.pk)).exists()


def test_an_approved_exchange_moves_both_seats(scene):
    m, requester, colleague = scene["meetings"], scene["requester"], scene["colleague"]
    swap = propose(scene, counterpart=m[2])
    services.decide_swap(scene["coordinator"], swap, approve=True)
    assert seats(requester) == {m[1].pk: StaffRole.LEAD, m[2].pk: StaffRole.CO}
    assert seats(colleague) == {m[0].pk: StaffRole.LEAD, m[3].pk: StaffRole.CO}


@pytest.mark.parametrize("situation", ["unqualified", "absent", "busy"])
def test_approval_is_refused_when_the_colleague_may_not_take_the_seat_then(
    scene, mailoutbox, django_capture_on_commit_callbacks, situation
):
    m, requester = scene["meetings"], scene["requester"]
    day = day_of(m[0])
    if situation == "unqualified":
        colleague, why = f.member("h5-novice", roles.FACILITATOR, ("Esneux",)), "qualifié"
    else:
        colleague = f.user("anim-06")
    swap = propose(scene, colleague=colleague)
    # What makes the colleague ineligible happens after the proposal.
    if situation == "absent":
        Absence.objects.create(person=colleague, start_date=day, end_date=day)
        why = f"Absent·e le {day:%d/%m/%Y}"
    elif situation == "busy":
        other = f.dated_series([day], at=dt.time(16, 30), title="Réunion")
        f.assign(other.sessions.get(), colleague, StaffRole.LEAD)
        why = "Déjà occupé·e"
    before = AuditEntry.objects.count()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(exceptions.NotEligible) as refused,
    ):
        services.decide_swap(scene["coordinator"], swap, approve=True)

    assert why in str(refused.value.message)
    # Nothing changed: the requester keeps the seat, the swap still awaits a decision.
    assert seats(requester) == {m[0].pk: StaffRole.LEAD, m[1].pk: StaffRole.LEAD}
    assert m[0].pk not in seats(colleague)
    swap.refresh_from_db()
    assert swap.status == SwapStatus.PROPOSED and swap.decided_by is None
    assert AuditEntry.objects.count() == before
    assert mailoutbox == []


def test_an_exchange_is_refused_whole_when_the_requester_is_busy_at_the_other_meeting(scene):
    m, requester, colleague = scene["meetings"], scene["requester"], scene["colleague"]
    swap = propose(scene, counterpart=m[2])
    other = f.dated_series([day_of(m[2])], at=dt.time(15, 0), title="Réunion")
    f.assign(other.sessions.get(), requester, StaffRole.LEAD)
    with pytest.raises(exceptions.NotEligible) as refused:
        services.decide_swap(scene["coordinator"], swap, approve=True)
    assert "Déjà occupé·e" in str(refused.value.message)
    # The first half (the colleague onto the first meeting) was undone too.
    assert set(seats(requester)) == {m[0].pk, m[1].pk, other.sessions.get().pk}
    assert set(seats(colleague)) == {m[2].pk, m[3].pk}


def test_a_swap_whose_meeting_took_place_is_not_approved(scene):
    swap = propose(scene)
    with time_machine.travel(scene["meetings"][0].end), pytest.raises(exceptions.MeetingPast):
        services.decide_swap(scene["coordinator"], swap, approve=True)
    assert scene["meetings"][0].pk in seats(scene["requester"])


def test_approval_notices_that_the_seats_changed_meanwhile(scene):
    m = scene["meetings"]
    swap = propose(scene)
    # The coordinator already put the colleague on the meeting in another seat.
    services_staff.unassign(
        scene["coordinator"], Assignment.objects.get(session=m[0], person=scene["partner"])
    )
    f.assign(m[0], scene["colleague"])
    with pytest.raises(exceptions.NotEligible):
        services.decide_swap(scene["coordinator"], swap, approve=True)
    assert m[0].pk in seats(scene["requester"])


def test_refused_nothing_changes_and_both_are_told(
    scene, mailoutbox, django_capture_on_commit_callbacks
):
    m = scene["meetings"]
    swap = propose(scene)
    with django_capture_on_commit_callbacks(execute=True):
        decided = services.decide_swap(
            scene["coordinator"], swap, approve=False, reason="Pas de remplaçant formé"
        )
    assert decided.status == SwapStatus.REFUSED
    assert seats(scene["requester"]) == {m[0].pk: StaffRole.LEAD, m[1].pk: StaffRole.LEAD}
    assert m[0].pk not in seats(scene["colleague"])
    assert sorted(e.to[0] for e in mailoutbox) == sorted(
        [scene["requester"].email, scene["colleague"].email]
    )
    for message in mailoutbox:
        assert "Pas de remplaçant formé" in message.body
        assert "Groupe enfants — Esneux" in message.subject
        assert message.attachments == []  # nothing to change in a calendar
    with pytest.raises(exceptions.SwapDecided):
        services.decide_swap(scene["coordinator"], swap, approve=True)
    with pytest.raises(exceptions.SwapDecided):
        services.decide_swap(scene["coordinator"], swap, approve=False)


@pytest.mark.parametrize("who", ["anim-04", "anim-05", "coord-sprimont", "professionnelle"])
def test_only_a_coordinator_who_may_change_the_cycle_decides(scene, who):
    swap = propose(scene)
    with pytest.raises(exceptions.NotAllowed):
        services.decide_swap(f.user(who), swap, approve=True)
    swap.refresh_from_db()
    assert swap.status == SwapStatus.PROPOSED
    assert scene["meetings"][0].pk in seats(scene["requester"])


def test_the_network_coordination_and_the_commune_coordinator_decide(scene):
    for who in ("coord-esneux", "coordination"):
        swap = services.propose_swap(scene["requester"], scene["meetings"][1], scene["colleague"])
        services.decide_swap(f.user(who), swap, approve=False)
        swap.refresh_from_db()
        assert swap.status == SwapStatus.REFUSED and swap.decided_by == f.user(who)


# --- two coordinators at once ---------------------------------------------------------------


# serialized_rollback: start from the migrations' data (content types) even after a test that
# flushed the database without them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_coordinators_approving_the_same_swap_at_once(monkeypatch, migrated_data):
    first_coord = f.member("h5-race-1", roles.COMMUNE_COORDINATOR, ("Esneux",))
    second_coord = f.member("h5-race-2", roles.COMMUNE_COORDINATOR, ("Esneux",))
    requester = f.member("h5-race-req", roles.FACILITATOR, ("Esneux",))
    colleague = f.member("h5-race-col", roles.FACILITATOR, ("Esneux",))
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 1), of=f.programme(modules=()))
    meeting = f.meetings(cycle)[0]
    f.assign(meeting, requester, StaffRole.LEAD)
    swap = services.propose_swap(requester, meeting, colleague)

    real_unassign = services_staff.unassign

    def slow_unassign(*args, **kwargs):
        # Widen the window between reading the swap and moving the seats.
        real_unassign(*args, **kwargs)
        time.sleep(0.5)

    monkeypatch.setattr(services_staff, "unassign", slow_unassign)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(actor):
        from django.db import connection

        try:
            barrier.wait(timeout=10)
            services.decide_swap(actor, Swap.objects.get(pk=swap.pk), approve=True)
            outcomes.append("approved")
        except exceptions.SwapDecided:
            outcomes.append("already decided")
        except Exception as error:  # pragma: no cover - shown in the assertion
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in (first_coord, second_coord)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["already decided", "approved"]
    assert list(Assignment.objects.filter(session=meeting).values_list("person", "role")) == [
        (colleague.pk, StaffRole.LEAD)
    ]
    swap.refresh_from_db()
    assert swap.status == SwapStatus.APPROVED
    assert swap.decided_by in (first_coord, second_coord)
    assert AuditEntry.objects.filter(action="swap.approve").count() == 1
