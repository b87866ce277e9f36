"""The permission rules of network's own models (registered in NetworkConfig.ready)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from . import roles
from .models import Commune, Organisation
from .permissions import Rule, coordinated_commune_ids, is_network_coordination, standing


class CommuneRule(Rule):
    """Communes are public knowledge; only the network coordination changes them."""

    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        if action == "view" or is_network_coordination(user):
            return queryset
        return queryset.none()


def _outside(communes: frozenset[int]) -> QuerySet:
    return Commune.objects.exclude(pk__in=communes)


class OrganisationRule(Rule):
    """Everyone signed in sees the list; a commune coordinator changes the organisations that
    serve only their communes (shared ones, like the police zone's, are the network's)."""

    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        if action == "view":
            return queryset
        communes = coordinated_commune_ids(user)
        if communes is None:
            return queryset
        if action == "delete" or not communes:
            return queryset.none()
        return (
            queryset.filter(communes__in=communes)
            .exclude(communes__in=_outside(communes))
            .distinct()
        )


PRIVILEGED_ROLES = (roles.COMMUNE_COORDINATOR.name, roles.NETWORK_COORDINATION.name)


class MemberRule(Rule):
    """Commune coordinators: the members who work in their communes, or whose organisation
    serves only their communes (never other coordinators); referents: their organisation's
    members (view); everyone: themself (view)."""

    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        communes = coordinated_commune_ids(user)
        if communes is None:
            return queryset if action != "delete" else queryset.none()
        if action == "delete":
            return queryset.none()
        condition = Q(pk__in=[])
        if communes:
            local_organisations = Organisation.objects.filter(communes__in=communes).exclude(
                communes__in=_outside(communes)
            )
            condition |= (
                Q(communes__in=communes)
                | Q(organisation__in=local_organisations)
                | Q(communes__isnull=True, organisation__communes__in=communes)
            )
            if action != "view":
                # Nobody changes a coordinator but the network coordination.
                condition &= ~Q(user__groups__name__in=PRIVILEGED_ROLES)
                condition &= Q(user__is_superuser=False, user__is_staff=False)
        if action == "view":
            condition |= Q(user=user)
            own = standing(user)
            if own.has(roles.REFERENT) and own.organisation_id:
                condition |= Q(organisation_id=own.organisation_id)
        return queryset.filter(condition).distinct()


class InvitationRule(Rule):
    """Invitations to work in a coordinator's communes, or to their local organisations."""

    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        communes = coordinated_commune_ids(user)
        if communes is None:
            return queryset
        if not communes or action == "delete":
            return queryset.none()
        local_organisations = Organisation.objects.filter(communes__in=communes).exclude(
            communes__in=_outside(communes)
        )
        return queryset.filter(
            Q(communes__in=communes) | Q(organisation__in=local_organisations)
        ).distinct()


class AuditRule(Rule):
    """The audit log is for the network coordination alone, and is never changed."""

    def scope(self, user, action, queryset: QuerySet) -> QuerySet:
        if action in ("view", "export") and is_network_coordination(user):
            return queryset
        return queryset.none()
