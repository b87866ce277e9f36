"""Regression tests of the review of issue 7 (groups/): each test failed before its fix."""

from __future__ import annotations

import threading
import time

import pytest
from bs4 import BeautifulSoup
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from groups import exceptions, roster, services
from groups.models import (
    Audience,
    CycleStatus,
    Participant,
    Programme,
    SafetyInstruction,
    SafetyKind,
    Swap,
)
from groups.retention import PURGED_ALIAS, purge_identities
from network import roles
from network.exceptions import NetworkError
from sessions.models import Assignment, StaffRole

from . import factories as f
from .admin_support import (
    _language_back_to_default,  # noqa: F401 (autouse)
    child,
    enrol,
    signed_in,
)


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


# --- two coordinators filling the last seat of a meeting at once -----------------------------


# serialized_rollback: start from the migrations' data (content types) even after a test that
# flushed the database without them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_assigned_to_the_last_seat_at_once_one_is_refused(monkeypatch, migrated_data):
    """The seat count is read under the meeting's lock: without it, two coordinators placing
    two different people (two different person locks) both saw one open seat and both
    succeeded, a meeting with three facilitators for two seats (PostgreSQL; SQLite's
    IMMEDIATE transactions serialise the whole thing)."""
    first_coord = f.member("rv-race-1", roles.COMMUNE_COORDINATOR, ("Esneux",))
    second_coord = f.member("rv-race-2", roles.COMMUNE_COORDINATOR, ("Esneux",))
    seated = f.member("rv-race-seated", roles.FACILITATOR, ("Esneux",))
    one = f.member("rv-race-one", roles.FACILITATOR, ("Esneux",))
    other = f.member("rv-race-other", roles.FACILITATOR, ("Esneux",))
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 1), of=f.programme(modules=()))
    meeting = f.meetings(cycle)[0]
    f.assign(meeting, seated, StaffRole.LEAD)  # one of the two seats is taken

    real_problems = roster.RosterData.problems

    def slow_problems(self, *args, **kwargs):
        # Widen the window between counting the seats and the insert.
        found = real_problems(self, *args, **kwargs)
        time.sleep(0.5)
        return found

    monkeypatch.setattr(roster.RosterData, "problems", slow_problems)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(actor, person):
        from django.db import connection

        try:
            barrier.wait(timeout=10)
            services.assign(actor, meeting, person, override_reason="test")
            outcomes.append("assigned")
        except exceptions.NoSeatLeft:
            outcomes.append("no seat left")
        except Exception as error:  # pragma: no cover - shown in the assertion
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=pair)
        for pair in ((first_coord, one), (second_coord, other))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["assigned", "no seat left"]
    assert Assignment.objects.filter(session=meeting).count() == 2


# --- the network coordination cannot read a masked count off the cycles' screens -------------


def _small_cycle_of_aywaille():
    """A running cycle of Aywaille with two admitted children; the demo's network coordination
    holds no role in it."""
    cycle = f.cycle(
        f.wednesdays(f.quiet_month(), 2), commune_name="Aywaille", status=CycleStatus.RUNNING
    )
    for alias in ("Rv-Un", "Rv-Deux"):
        enrol(cycle, child("Aywaille", alias=alias))
    return cycle


@pytest.mark.django_db
def test_the_network_coordination_sees_small_head_counts_of_a_cycle_masked(client, demo_data):
    """The statistics show "< 5" for two children of Aywaille; the cycle listing and page
    showed "2" to the same person, who holds no role in the cycle."""
    cycle = _small_cycle_of_aywaille()
    signed_in(client, "coordination", english=True)

    listing = BeautifulSoup(
        client.get(reverse("groups_cycles:index"), {"commune": cycle.commune_id}).content,
        "html.parser",
    )
    row = next(tr for tr in listing.select("tbody tr") if cycle.name in tr.get_text())
    cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
    assert "< 5" in cells and "2" not in cells

    page = client.get(reverse("groups_cycles:inspect", args=[cycle.pk])).content.decode()
    assert "Admitted: <strong>&lt; 5</strong>" in page
    assert "<strong>2</strong>" not in page

    # With a role in the cycle (or for the commune's coordinators) the count is exact.
    cycle.coordinator = f.user("coordination")
    cycle.save(update_fields=["coordinator"])
    page = client.get(reverse("groups_cycles:inspect", args=[cycle.pk])).content.decode()
    assert "Admitted: <strong>2</strong>" in page
    listing = BeautifulSoup(
        client.get(reverse("groups_cycles:index"), {"commune": cycle.commune_id}).content,
        "html.parser",
    )
    row = next(tr for tr in listing.select("tbody tr") if cycle.name in tr.get_text())
    assert "2" in [td.get_text(" ", strip=True) for td in row.find_all("td")]


# --- retention: a child's record with no cycle left is purged too ----------------------------


@pytest.mark.django_db
def test_a_record_without_any_cycle_is_purged_after_the_retention_period():
    """A child referred and then taken out of every cycle (membership deleted) kept their
    alias and safety instructions forever: the purge only looked at memberships."""
    now = timezone.now()
    orphan = child(alias="Rv-Orphelin")
    SafetyInstruction.objects.create(
        participant=orphan, kind=SafetyKind.NEVER_HAND_OVER, who="Le père"
    )
    Participant.objects.filter(pk=orphan.pk).update(created_at=now - relativedelta(months=13))
    recent = child(alias="Rv-Recent")  # created today: still being placed

    assert purge_identities(now) >= 1
    orphan.refresh_from_db()
    recent.refresh_from_db()
    assert orphan.alias == PURGED_ALIAS and not orphan.safety_instructions.exists()
    assert recent.alias == "Rv-Recent"


# --- the public page: a programme's name is public too -----------------------------------------


@pytest.mark.django_db
def test_a_programme_name_may_not_tell_the_day_or_the_time():
    """The name heads the public page and its title; only the description and the contact
    were checked for a day of the week or a time."""
    programme = Programme(
        name="Groupe du mercredi 14h", audience=Audience.CHILDREN, contact="CPAS, 04 000 00 00"
    )
    with pytest.raises(ValidationError) as raised:
        programme.full_clean()
    assert "name" in raised.value.message_dict


# --- no query per row when a series has no title for agendas ---------------------------------


def _untitled_swaps(requester, colleague, count: int) -> list:
    """`count` cycles of Esneux whose series have no public title (agendas then say
    "Séance — Esneux", read from the series' commune); in each, `requester` asks `colleague`
    to take their seat at the first meeting, and `colleague` holds the second."""
    swaps = []
    for n in range(count):
        cycle = f.cycle(f.wednesdays(f.quiet_month(14 + n), 2), status=CycleStatus.RUNNING)
        cycle.series.public_title = ""
        cycle.series.save(update_fields=["public_title"])
        first, second = f.meetings(cycle)
        f.assign(first, requester, StaffRole.LEAD)
        f.assign(second, colleague, StaffRole.LEAD)
        swaps.append(Swap.objects.create(session=first, requester=requester, colleague=colleague))
    return swaps


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the site's caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/mes-groupes/", "requester"),
        ("/admin/groupes/echanges/", "coord-esneux"),
        ("swap-form", "requester"),
    ],
)
def test_pages_listing_meetings_do_not_query_per_meeting(client, demo_data, url, who):
    requester = f.member("rv-n1-req", roles.FACILITATOR, ("Esneux",))
    colleague = f.member("rv-n1-col", roles.FACILITATOR, ("Esneux",))
    person = requester if who == "requester" else f.user(who)
    client.force_login(person)
    counted = []
    for size in (1, 3):
        swaps = _untitled_swaps(requester, colleague, size)
        target = url
        if url == "swap-form":
            target = f"/mes-groupes/seance/{swaps[0].session_id}/echange/"
        counted.append(_queries(client, target))
    assert counted[0] == counted[1], counted


# --- approving a swap while the colleague is placed on the same meeting -----------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_approving_a_swap_while_the_colleague_is_assigned_there_does_not_deadlock(
    monkeypatch, migrated_data
):
    """decide_swap locked the meeting (unassigning the requester) before the colleague's
    person row, every assign the other way round: a coordinator placing that colleague on the
    same meeting at that moment deadlocked with it on PostgreSQL (one of them a 500)."""
    from sessions import services_staff

    first_coord = f.member("rv-dl-1", roles.COMMUNE_COORDINATOR, ("Esneux",))
    second_coord = f.member("rv-dl-2", roles.COMMUNE_COORDINATOR, ("Esneux",))
    requester = f.member("rv-dl-req", roles.FACILITATOR, ("Esneux",))
    colleague = f.member("rv-dl-col", roles.FACILITATOR, ("Esneux",))
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 1), of=f.programme(modules=()))
    meeting = f.meetings(cycle)[0]
    f.assign(meeting, requester, StaffRole.LEAD)
    swap = services.propose_swap(requester, meeting, colleague)

    real_unassign = services_staff.unassign

    def slow_unassign(*args, **kwargs):
        real_unassign(*args, **kwargs)
        time.sleep(1.0)  # the meeting is locked now; the other coordinator starts

    monkeypatch.setattr(services_staff, "unassign", slow_unassign)
    outcomes = {}

    def approve():
        from django.db import connection

        try:
            services.decide_swap(first_coord, Swap.objects.get(pk=swap.pk), approve=True)
            outcomes["approve"] = "approved"
        except Exception as error:  # pragma: no cover - shown in the assertion
            outcomes["approve"] = repr(error)
        finally:
            connection.close()

    def place():
        from django.db import connection

        time.sleep(0.4)
        try:
            services.assign(second_coord, meeting, colleague, override_reason="test")
            outcomes["place"] = "assigned"
        except NetworkError as error:
            outcomes["place"] = type(error).__name__
        except Exception as error:  # pragma: no cover - shown in the assertion
            outcomes["place"] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve), threading.Thread(target=place)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == {"approve": "approved", "place": "AlreadyAssigned"}, outcomes
    assert list(Assignment.objects.filter(session=meeting).values_list("person", flat=True)) == [
        colleague.pk
    ]
