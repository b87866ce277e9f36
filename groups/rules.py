"""Permission rules of groups/: who may see a child's record.

- a facilitator: participants of the cycles where they hold an assignment, while the cycle
  runs and for `MAILLAGE_GROUPS_ACCESS_DAYS` after it closed;
- a commune coordinator: their communes' participants and cycles;
- the network coordination: aggregates everywhere, details only where it holds a role (the
  coordinator in charge of the cycle, or an assignment), privacy requests aside.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from network import roles
from network.permissions import Rule, coordinated_commune_ids, is_network_coordination, standing

from .models import CycleStatus


def access_days() -> int:
    return getattr(settings, "MAILLAGE_GROUPS_ACCESS_DAYS", 30)


def _cycle_in_reach(prefix: str) -> Q:
    """The cycle is not closed, or closed recently enough for its facilitators to look back."""
    cutoff = timezone.now() - dt.timedelta(days=access_days())
    return ~Q(**{f"{prefix}status": CycleStatus.CLOSED}) | Q(**{f"{prefix}closed_at__gte": cutoff})


def role_in_cycle(user, prefix: str) -> Q:
    """Cycles where the user holds a role: an assignment on one of its meetings (within
    reach), or coordinator in charge."""
    assigned = Q(**{f"{prefix}series__sessions__assignments__person": user}) & _cycle_in_reach(
        prefix
    )
    return assigned | Q(**{f"{prefix}coordinator": user})


def _commune_scope(user, path: str) -> Q | None:
    """A commune coordinator's communes; None for anyone else."""
    if is_network_coordination(user):
        return None
    communes = coordinated_commune_ids(user)
    if communes:
        return Q(**{f"{path}__in": communes})
    return None


class ProgrammeRule(Rule):
    """Programmes are public methodology: staff read them, the network coordination edits."""

    def scope(self, user, action, queryset):
        if is_network_coordination(user):
            return queryset
        if action == "view" and standing(user).role_names:
            return queryset
        return queryset.none()


class CycleRule(Rule):
    """Coordinators manage their communes' cycles (the network all of them); facilitators see
    the cycles they work in."""

    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        if is_network_coordination(user):
            return queryset if action != "delete" else queryset.filter(memberships__isnull=True)
        condition = Q(pk__in=[])
        communes = _commune_scope(user, "commune_id")
        if communes is not None:
            condition |= communes
        if action == "view":
            condition |= role_in_cycle(user, "")
        elif action == "delete":
            condition &= Q(memberships__isnull=True)
        return queryset.filter(condition).distinct()


class ParticipantRule(Rule):
    """A child's record: see the module docstring. `path` leads from the ruled model to the
    participant."""

    path = ""

    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        p = self.path
        condition = Q(pk__in=[])
        communes = _commune_scope(user, f"{p}commune_id")
        if communes is not None:
            condition |= communes
        if action == "view" and (
            standing(user).has(roles.FACILITATOR) or is_network_coordination(user) or communes
        ):
            condition |= role_in_cycle(user, f"{p}memberships__cycle__")
        return queryset.filter(condition).distinct()


class ParticipantPartRule(ParticipantRule):
    """Consents and safety instructions follow their participant."""

    path = "participant__"


class MembershipRule(Rule):
    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        condition = Q(pk__in=[])
        communes = _commune_scope(user, "cycle__commune_id")
        if communes is not None:
            condition |= communes
        if action == "view":
            condition |= role_in_cycle(user, "cycle__")
        return queryset.filter(condition).distinct()


class MeetingAttendanceRule(Rule):
    """Coordinators of the commune; the facilitators assigned to that very meeting mark it;
    the coordinator in charge of the cycle reads it."""

    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        condition = Q(pk__in=[])
        communes = _commune_scope(user, "membership__cycle__commune_id")
        if communes is not None:
            condition |= communes
        if action == "view":
            condition |= Q(membership__cycle__coordinator=user)
        if action in ("view", "change", "add"):
            condition |= Q(session__assignments__person=user) & _cycle_in_reach(
                "membership__cycle__"
            )
        return queryset.filter(condition).distinct()
