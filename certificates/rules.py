"""Permission rules of certificates/ (registered with network's permission layer in ready())."""

from __future__ import annotations

from django.db.models import Q

from network.models import MemberProfile
from network.permissions import Rule, coordinated_commune_ids, visible


def managed_members(user):
    """The member profiles a commune coordinator manages (network's member rule: their
    communes' members, not those of organisations serving other communes too)."""
    return visible(user, MemberProfile, "change").values("user_id")


def _managed(user, prefix: str = "") -> Q | None:
    """What a coordinator manages: certificates of their commune's runs; a certificate without
    a commune (a path, an external one) through its holder, a member they manage. None means
    everything (network coordination)."""
    communes = coordinated_commune_ids(user)
    if communes is None:
        return None
    if not communes:
        return Q(pk__in=[])
    return Q(**{f"{prefix}commune_id__in": communes}) | Q(
        **{f"{prefix}commune__isnull": True, f"{prefix}holder_id__in": managed_members(user)}
    )


class CertificateRule(Rule):
    """Holders see theirs; coordinators manage their communes'; nothing is ever deleted."""

    def scope(self, user, action, queryset):
        if action == "delete":
            return queryset.none()
        managed = _managed(user)
        if managed is None:
            return queryset
        if action == "view":
            return queryset.filter(managed | Q(holder=user)).distinct()
        return queryset.filter(managed).distinct()


class IssueRequestRule(Rule):
    """The review queue: coordinators of the run's commune or of the holder's communes."""

    def scope(self, user, action, queryset):
        if action == "delete":
            return queryset.none()
        managed = _managed(user)
        return queryset if managed is None else queryset.filter(managed).distinct()


class BulkIssueRule(Rule):
    def scope(self, user, action, queryset):
        communes = coordinated_commune_ids(user)
        if communes is None:
            return queryset
        return queryset.filter(run__commune_id__in=communes)


class TemplateRule(Rule):
    """Templates belong to the network coordination; commune coordinators read them."""

    def scope(self, user, action, queryset):
        communes = coordinated_commune_ids(user)
        if communes is None:
            return queryset
        return queryset if action == "view" and communes else queryset.none()
