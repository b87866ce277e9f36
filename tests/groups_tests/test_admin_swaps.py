"""The coordinators' swap queue (/admin/groupes/echanges/, linked from the e-mails): approve
(re-checked then), refuse with a reason, errors as messages with nothing lost, scoped."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from groups.models import CycleStatus, Swap, SwapStatus
from sessions.models import Absence, Assignment

from . import factories as f
from .admin_support import (
    _language_back_to_default,  # noqa: F401 (autouse)
    signed_in,
)

pytestmark = pytest.mark.django_db

QUEUE = "/admin/groupes/echanges/"


@pytest.fixture
def proposed(demo_data):
    """`animateur` asks `anim-05` to take their seat at the first meeting of a running cycle
    in Esneux (both qualified)."""
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 2), status=CycleStatus.RUNNING)
    first, second = f.meetings(cycle)
    f.assign(first, f.user("animateur"))
    f.assign(first, f.user("anim-04"))
    f.assign(second, f.user("anim-05"))
    return Swap.objects.create(
        session=first,
        requester=f.user("animateur"),
        colleague=f.user("anim-05"),
        note="Rendez-vous médical",
    )


def _decide(client, swap, decision, reason=""):
    return client.post(
        reverse("groups_swaps:decide", args=[swap.pk]), {"decision": decision, "reason": reason}
    )


def _seats(swap) -> set[str]:
    return set(
        Assignment.objects.filter(session=swap.session).values_list("person__username", flat=True)
    )


def test_the_queue_is_where_the_emails_point(proposed):
    assert reverse("groups_swaps:index") == QUEUE


def test_a_coordinator_approves_a_swap_and_the_seats_change_hands(client, proposed):
    signed_in(client, "coord-esneux", english=True)
    page = client.get(QUEUE)
    assert page.status_code == 200
    body = page.content.decode()
    assert str(proposed.session) in body and "Rendez-vous médical" in body

    response = _decide(client, proposed, "approve")
    assert (response.status_code, response["Location"]) == (302, QUEUE)
    proposed.refresh_from_db()
    assert proposed.status == SwapStatus.APPROVED
    assert _seats(proposed) == {"anim-04", "anim-05"}

    after = client.get(QUEUE)
    assert "is approved" in html.unescape(str(list(after.context["messages"])[0]))
    assert after.context["pending"] == []
    assert [row["swap"] for row in after.context["decided"]] == [proposed]


def test_a_coordinator_refuses_with_a_reason(client, proposed):
    signed_in(client, "coord-esneux", english=True)
    response = _decide(client, proposed, "refuse", "Pas de remplaçant formé ce jour-là")
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == SwapStatus.REFUSED
    assert proposed.decision_reason == "Pas de remplaçant formé ce jour-là"
    assert _seats(proposed) == {"animateur", "anim-04"}
    body = client.get(QUEUE).content.decode()
    assert "Pas de remplaçant formé ce jour-là" in html.unescape(body)


def test_an_approval_refused_on_re_check_says_why_and_loses_nothing(client, proposed):
    # The colleague fell ill since: approving re-checks and refuses, with the reason.
    day = proposed.session.start.astimezone(f.BRUSSELS).date()
    Absence.objects.create(person=f.user("anim-05"), start_date=day, end_date=day)
    signed_in(client, "coord-esneux")  # French
    response = _decide(client, proposed, "approve", "Accord de la coordination")
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "Absent" in messages[0]
    assert messages[0] in html.unescape(response.content.decode())
    proposed.refresh_from_db()
    assert proposed.status == SwapStatus.PROPOSED
    assert _seats(proposed) == {"animateur", "anim-04"}
    # The reason typed is still in the form, the swap still awaits a decision.
    assert 'value="Accord de la coordination"' in response.content.decode()
    assert [row["swap"] for row in response.context["pending"]] == [proposed]


def test_a_decided_swap_cannot_be_decided_again(client, proposed):
    signed_in(client, "coord-esneux", english=True)
    _decide(client, proposed, "refuse")
    response = _decide(client, proposed, "approve")
    assert response.status_code == 200
    assert "already been decided" in html.unescape(str(list(response.context["messages"])[-1]))
    proposed.refresh_from_db()
    assert proposed.status == SwapStatus.REFUSED


def test_the_queue_is_scoped_to_cycles_the_user_may_change(client, proposed):
    url = reverse("groups_swaps:decide", args=[proposed.pk])
    signed_in(client, "coord-aywaille")
    assert client.get(QUEUE).status_code == 200
    assert str(proposed.session) not in client.get(QUEUE).content.decode()
    assert client.post(url, {"decision": "approve"}).status_code == 404
    proposed.refresh_from_db()
    assert proposed.status == SwapStatus.PROPOSED

    signed_in(client, "coordination")
    assert str(proposed.session) in client.get(QUEUE).content.decode()
    assert client.get(url).status_code == 405  # decisions are posted

    for username in ("animateur", "anim-05", "professionnelle", None):
        signed_in(client, username)
        for response in (client.get(QUEUE), client.post(url, {"decision": "approve"})):
            assert response.status_code == 302 and "login" in response["Location"]
    proposed.refresh_from_db()
    assert proposed.status == SwapStatus.PROPOSED
