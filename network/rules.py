"""The permission rules of network's own models (registered in NetworkConfig.ready)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from . import roles
from .permissions import Rule, coordinated_commune_ids, is_network_coordination, standing


class CommuneRule(Rule):
    """Communes are public knowledge; only the network coordination changes them."""

    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        if action == "view" or is_network_coordination(user):
            return queryset
        return queryset.none()


class OrganisationRule(Rule):
    """Everyone signed in sees the list; coordinators change the organisations of their communes."""

    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        if action == "view":
            return queryset
        communes = coordinated_commune_ids(user)
        if communes is None:
            return queryset
        if action == "delete" or not communes:
            return queryset.none()
        return queryset.filter(communes__in=communes).distinct()


class MemberRule(Rule):
    """Coordinators: members of their communes' organisations; referents: their organisation's
    members (view); everyone: themself."""

    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        communes = coordinated_commune_ids(user)
        if communes is None:
            return queryset if action != "delete" else queryset.none()
        if action == "delete":
            return queryset.none()
        condition = Q(pk__in=[])
        if communes:
            condition |= Q(organisation__communes__in=communes) | Q(communes__in=communes)
        if action in ("view", "change"):
            condition |= Q(user=user)
        if action == "view":
            own = standing(user)
            if own.has(roles.REFERENT) and own.organisation_id:
                condition |= Q(organisation_id=own.organisation_id)
        return queryset.filter(condition).distinct()


class InvitationRule(Rule):
    """Invitations to the organisations a coordinator covers."""

    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        communes = coordinated_commune_ids(user)
        if communes is None:
            return queryset
        if not communes or action == "delete":
            return queryset.none()
        return queryset.filter(organisation__communes__in=communes).distinct()


class AuditRule(Rule):
    """The audit log is for the network coordination alone, and is never changed."""

    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        if action in ("view", "export") and is_network_coordination(user):
            return queryset
        return queryset.none()
