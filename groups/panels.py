"""The "Support groups in figures" panel of "Mon parcours" (registered from GroupsConfig.ready()):
commune coordinators see their communes, the network coordination every commune; counts of
children masked below five (groups.statistics). Nobody else sees it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network import registries, roles
from network.models import MemberProfile
from network.permissions import standing
from sessions.models import Assignment, Session, SessionStatus

from . import roster, statistics

HORIZON_DAYS = 30
LISTED = 8


def statistics_context(request: HttpRequest) -> dict[str, Any] | None:
    if not request.user.is_authenticated or not statistics.may_see(request.user):
        return None
    year = statistics.SchoolYear.current()
    rows = statistics.figures(request.user, year)
    return {
        "year": year,
        "rows": rows,
        "url": reverse("groups_statistics:index"),
        "masked": statistics.MASKED,
    }


def facilitating_context(request: HttpRequest) -> dict[str, Any] | None:
    """A facilitator's next meetings, and the meetings of the next weeks lacking a facilitator,
    in the communes where they work, that they could take (no hard problem: qualified,
    available, not absent, under the monthly maximum), in a fixed number of queries."""
    user = request.user
    if not user.is_authenticated or not standing(user).has(roles.FACILITATOR):
        return None
    now = timezone.now()
    horizon = now + dt.timedelta(days=HORIZON_DAYS)
    mine = list(
        Assignment.objects.filter(
            person=user,
            role__in=roster.FACILITATING,
            session__series__support_cycle__isnull=False,
            session__start__gte=now,
            session__start__lt=horizon,
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session__series__commune")
        .order_by("session__start")[:LISTED]
    )
    # Only where they work: their communes of action and those of the cycles they facilitate
    # (a facilitator does not learn the schedule of groups elsewhere).
    communes = set(
        MemberProfile.communes.through.objects.filter(memberprofile__user=user).values_list(
            "commune_id", flat=True
        )
    ) | set(
        Assignment.objects.filter(
            person=user, role__in=roster.FACILITATING, session__series__support_cycle__isnull=False
        ).values_list("session__series__support_cycle__commune_id", flat=True)
    )
    gaps = list(roster.lacking_facilitators(now, horizon, communes))
    could = []
    if gaps:
        data = roster.RosterData.load(
            {g.series.support_cycle.pk for g in gaps},
            [user],
            sessions=Session.objects.filter(pk__in=[g.pk for g in gaps]),
        )
        for gap in gaps:
            meeting = data.by_session.get(gap.pk)
            if meeting is None or any(p == user.pk for p, _role in meeting.assigned):
                continue
            if data.eligible(user.pk, meeting):
                could.append(gap)
    return {
        "meetings": [(a.session, a.get_role_display()) for a in mine],
        "gaps": could[:LISTED],
        "more_gaps": max(0, len(could) - LISTED),
        "mine_url": reverse("groups:mine"),
        "days": HORIZON_DAYS,
    }


def register() -> None:
    registries.dashboard_panels.register(
        registries.DashboardPanel(
            key="groups.facilitating",
            title=_("My support groups"),
            template="groups/panels/facilitating.html",
            get_context=facilitating_context,
            order=105,
        )
    )
    registries.dashboard_panels.register(
        registries.DashboardPanel(
            key="groups.statistics",
            title=_("Support groups in figures"),
            template="groups/panels/statistics.html",
            get_context=statistics_context,
            order=60,
        )
    )
