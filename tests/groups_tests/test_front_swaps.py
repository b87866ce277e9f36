"""Proposing a swap from /mes-groupes/ (a colleague takes one's seat, maybe one of theirs in
exchange) and withdrawing it; only for one's own upcoming meeting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import CycleStatus, Swap, SwapStatus
from network import roles
from sessions.models import Assignment, Session, StaffRole

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(demo_data):
    """`me` leads the first meeting with `co`; `colleague` leads the third one."""
    cycle = f.cycle(f.wednesdays(f.quiet_month(), 3), status=CycleStatus.RUNNING)
    first, second, third = f.meetings(cycle)
    me = f.member("swap-me", roles.FACILITATOR)
    co = f.member("swap-co", roles.FACILITATOR)
    colleague = f.member("swap-colleague", roles.FACILITATOR)
    f.assign(first, me, StaffRole.LEAD)
    f.assign(first, co, StaffRole.CO)
    theirs = f.assign(third, colleague, StaffRole.LEAD)
    f.assign(second, co, StaffRole.LEAD)
    return {
        "me": me,
        "co": co,
        "colleague": colleague,
        "first": first,
        "second": second,
        "third": third,
        "theirs": theirs,
        "url": reverse("groups:swap", args=[first.pk]),
    }


def _options(html: str, name: str) -> str:
    start = html.index(f'name="{name}"')
    return html[start : html.index("</select>", start)]


def test_the_form_offers_colleagues_but_not_oneself_nor_the_co_facilitator(client, scene):
    client.force_login(scene["me"])
    response = client.get(scene["url"])
    assert response.status_code == 200
    colleagues = _options(response.content.decode(), "colleague")
    assert f'value="{scene["colleague"].pk}"' in colleagues
    assert f'value="{scene["me"].pk}"' not in colleagues
    assert f'value="{scene["co"].pk}"' not in colleagues
    meetings = _options(response.content.decode(), "counterpart")
    local = timezone.localtime(scene["third"].start)
    offered = f'<option value="{scene["theirs"].pk}">{local:%d/%m/%Y %H:%M} — Groupe enfants'
    assert offered in meetings
    assert 'label="Test swap-colleague"' in meetings
    # The co-facilitator's meeting is not offered: they are not a colleague to ask here.
    seat = Assignment.objects.get(session=scene["second"])
    assert f'value="{seat.pk}"' not in meetings


def test_a_facilitator_proposes_a_swap_then_withdraws_it(
    client, scene, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(scene["me"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            scene["url"],
            {
                "colleague": scene["colleague"].pk,
                "counterpart": scene["theirs"].pk,
                "note": "Rendez-vous médical",
            },
        )
    assert response.status_code == 302 and response["Location"] == reverse("groups:mine")
    swap = Swap.objects.get()
    assert (swap.session, swap.requester, swap.colleague, swap.counterpart, swap.note) == (
        scene["first"],
        scene["me"],
        scene["colleague"],
        scene["third"],
        "Rendez-vous médical",
    )
    assert swap.status == SwapStatus.PROPOSED
    assert scene["colleague"].email in [to for m in mailoutbox for to in m.to]

    # A second proposal for the same seat is refused, clearly.
    response = client.post(scene["url"], {"colleague": scene["colleague"].pk})
    assert response.status_code == 400
    assert 'class="form-errors" role="alert"' in response.content.decode()
    assert Swap.objects.count() == 1

    response = client.post(reverse("groups:swap_withdraw", args=[swap.pk]))
    assert response.status_code == 302
    swap.refresh_from_db()
    assert swap.status == SwapStatus.WITHDRAWN
    # Withdrawing again says it is already done, and changes nothing.
    response = client.post(reverse("groups:swap_withdraw", args=[swap.pk]), follow=True)
    assert response.status_code == 200
    assert "message-error" in response.content.decode()


def test_a_meeting_that_is_not_the_colleagues_is_refused(client, scene):
    client.force_login(scene["me"])
    stranger = f.member("swap-stranger", roles.FACILITATOR)
    response = client.post(
        scene["url"], {"colleague": stranger.pk, "counterpart": scene["theirs"].pk}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_counterpart-errors"' in html or "field-error" in html
    assert not Swap.objects.exists()


def test_the_colleague_cannot_withdraw_nor_can_anyone_swap_anothers_meeting(client, scene):
    swap = Swap.objects.create(
        session=scene["first"], requester=scene["me"], colleague=scene["colleague"]
    )
    client.force_login(scene["colleague"])
    assert client.post(reverse("groups:swap_withdraw", args=[swap.pk])).status_code == 404
    assert client.get(scene["url"]).status_code == 404  # not their meeting
    assert client.post(scene["url"], {"colleague": scene["me"].pk}).status_code == 404
    swap.refresh_from_db()
    assert swap.status == SwapStatus.PROPOSED


def test_a_past_or_cancelled_meeting_cannot_be_swapped(client, scene):
    client.force_login(scene["me"])
    first = scene["first"]
    start = timezone.now() - dt.timedelta(hours=3)
    Session.objects.filter(pk=first.pk).update(start=start, end=start + dt.timedelta(hours=1))
    assert client.get(scene["url"]).status_code == 404
    Session.objects.filter(pk=first.pk).update(start=first.start, end=first.end, status="cancelled")
    assert client.get(scene["url"]).status_code == 404
