"""E-mails of groups/: to facilitators and coordinators only, never a child's data (the
subjects and bodies name the meeting by its public title, e.g. "Groupe enfants — Esneux")."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from network import roles
from network.models import NotificationKind
from network.notifications import notify
from sessions.feeds import invitation
from sessions.models import Session

from . import roster
from .models import Cycle, Swap, SwapStatus

REPLACEMENTS_SHOWN = 3


def _when(session: Session) -> dict[str, str]:
    start, end = timezone.localtime(session.start), timezone.localtime(session.end)
    return {"date": f"{start:%d/%m/%Y}", "time": f"{start:%H:%M}", "end": f"{end:%H:%M}"}


def _name(person: Any) -> str:
    return person.get_full_name() or person.get_username()


def _reachable(person) -> bool:
    return bool(person is not None and person.is_active and person.email)


def coordinators_of(cycle: Cycle) -> list:
    """The coordinator in charge, else the commune's coordinators."""
    if _reachable(cycle.coordinator):
        return [cycle.coordinator]
    # The communes a commune coordinator acts in are their profile's (permissions.standing);
    # asked in one query, which also holds for someone who has the network role besides.
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            groups__name=roles.COMMUNE_COORDINATOR.name,
            member_profile__communes=cycle.commune_id,
        )
        .exclude(email="")
        .order_by("pk")
        .distinct()
    )


def _mine() -> str:
    return reverse("groups:mine")


def notify_unassigned(session: Session, person) -> None:
    """Tell a facilitator they no longer facilitate a meeting; the calendar event goes (a
    roster change: at once, or in their daily digest)."""
    if not _reachable(person):
        return
    notify(
        person,
        NotificationKind.ROSTER,
        "groups/emails/unassigned",
        {"person": person, "title": session.series.agenda_title, "when": _when(session)},
        url=_mine(),
        calendars=[invitation(session, person, method="CANCEL")],
        calendar_method="CANCEL",
        happens_at=session.start,
    )


def notify_released(session_ids: list[int], person) -> None:
    """Tell someone who declared an absence which meetings they no longer facilitate: one
    e-mail, one calendar cancellation per meeting."""
    if not _reachable(person):
        return
    sessions = list(
        Session.objects.filter(pk__in=session_ids)
        .select_related("series", "venue__commune")
        .order_by("start")
    )
    if not sessions:
        return
    notify(
        person,
        NotificationKind.ROSTER,
        "groups/emails/released",
        {
            "person": person,
            "meetings": [{"title": s.series.agenda_title, "when": _when(s)} for s in sessions],
        },
        url=_mine(),
        calendars=[invitation(s, person, method="CANCEL") for s in sessions],
        calendar_method="CANCEL",
        happens_at=sessions[0].start,
    )


def notify_gaps(session_ids: list[int], *, absent) -> int:
    """Tell each cycle's coordinator which meetings lost a facilitator, with the best
    replacements (ranked by the roster engine)."""
    sessions = list(
        Session.objects.filter(pk__in=session_ids)
        .select_related("series__support_cycle__coordinator", "series__commune")
        .order_by("start")
    )
    by_cycle: dict[int, list[Session]] = {}
    for session in sessions:
        by_cycle.setdefault(session.series.support_cycle.pk, []).append(session)
    people = roster.facilitators()
    sent = 0
    for meetings in by_cycle.values():
        cycle = meetings[0].series.support_cycle
        # The whole cycle, not only the gaps: the ranking prefers those who already
        # facilitate its other meetings (continuity for the children).
        data = roster.RosterData.load([cycle], people)
        gaps = []
        for session in meetings:
            meeting = data.by_session.get(session.pk)
            ranked = data.ranked(meeting) if meeting is not None else []
            names = [_name(p) for p, found in ranked if not any(problem.hard for problem in found)][
                :REPLACEMENTS_SHOWN
            ]
            gaps.append(
                {"title": session.series.agenda_title, "when": _when(session), "names": names}
            )
        board = f"{reverse('groups_roster:board')}?cycle={cycle.pk}"
        for coordinator in coordinators_of(cycle):
            if notify(
                coordinator,
                NotificationKind.GAPS,
                "groups/emails/gaps",
                {
                    "absent": absent.get_full_name() or absent.get_username(),
                    # The public title, never the cycle's internal name (it may name someone).
                    "title": meetings[0].series.agenda_title,
                    "cycle_id": cycle.pk,
                    "gaps": gaps,
                },
                url=board,
                happens_at=meetings[0].start,
            ):
                sent += 1
    return sent


def notify_swap_proposed(swap: Swap, cycle: Cycle) -> None:
    context = {
        "requester": swap.requester.get_full_name() or swap.requester.get_username(),
        "colleague": swap.colleague.get_full_name() or swap.colleague.get_username(),
        "title": swap.session.series.agenda_title,
        "when": _when(swap.session),
        "counterpart": _when(swap.counterpart) if swap.counterpart is not None else None,
    }
    first = min(s.start for s in (swap.session, swap.counterpart) if s is not None)
    for person in [*coordinators_of(cycle), swap.colleague]:
        if not _reachable(person):
            continue
        for_coordinator = person.pk != swap.colleague_id
        # The coordinator is asked to decide (a request to approve); the colleague is told
        # of a change proposed to their own roster.
        notify(
            person,
            NotificationKind.APPROVALS if for_coordinator else NotificationKind.ROSTER,
            "groups/emails/swap_proposed",
            {**context, "for_coordinator": for_coordinator},
            url=reverse("groups_swaps:index") if for_coordinator else _mine(),
            happens_at=first,
        )


def notify_swap_decided(swap: Swap) -> None:
    """Tell both facilitators; once approved, each gets a cancellation for the meeting they
    gave up (the one they take comes with sessions' own invitation)."""
    approved = swap.status == SwapStatus.APPROVED
    context = {
        "approved": approved,
        "title": swap.session.series.agenda_title,
        "when": _when(swap.session),
        "reason": swap.decision_reason,
    }
    given_up = {swap.requester_id: swap.session, swap.colleague_id: swap.counterpart}
    first = min(s.start for s in (swap.session, swap.counterpart) if s is not None)
    for person in (swap.requester, swap.colleague):
        if _reachable(person):
            session = given_up.get(person.pk) if approved else None
            notify(
                person,
                NotificationKind.ROSTER,
                "groups/emails/swap_decided",
                context,
                url=_mine(),
                calendars=[invitation(session, person, method="CANCEL")] if session else [],
                calendar_method="CANCEL",
                happens_at=first,
            )
