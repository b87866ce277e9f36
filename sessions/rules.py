"""Permission rules of sessions/ (registered with network's permission layer in ready())."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from network.permissions import Rule, coordinated_commune_ids


def _commune_scope(user, queryset: QuerySet, path: str) -> QuerySet:
    communes = coordinated_commune_ids(user)
    if communes is None:
        return queryset
    if not communes:
        return queryset.none()
    return queryset.filter(**{f"{path}__in": communes})


class VenueRule(Rule):
    """Venues of a coordinator's communes; a confidential address stays with them. A venue in
    use cannot be deleted (deactivate it instead)."""

    def scope(self, user, action, queryset):
        scoped = _commune_scope(user, queryset, "commune")
        if action == "delete":
            scoped = scoped.filter(series__isnull=True, sessions__isnull=True)
        return scoped


class SeriesRule(Rule):
    """A series with staffed sessions cannot be deleted: its history stays."""

    def scope(self, user, action, queryset):
        scoped = _commune_scope(user, queryset, "commune")
        if action == "delete":
            scoped = scoped.exclude(sessions__assignments__isnull=False)
        if action == "view":
            # Staff see the series they work in.
            scoped = queryset.filter(
                Q(pk__in=scoped.values("pk")) | Q(sessions__assignments__person=user)
            ).distinct()
        return scoped


class SessionRule(Rule):
    def scope(self, user, action, queryset):
        scoped = _commune_scope(user, queryset, "series__commune")
        if action == "view":
            scoped = queryset.filter(
                Q(pk__in=scoped.values("pk")) | Q(assignments__person=user)
            ).distinct()
        return scoped


class ClosureRule(Rule):
    """Closures are public; coordinators change their commune's, the network the rest."""

    def scope(self, user, action, queryset):
        if action == "view":
            return queryset
        communes = coordinated_commune_ids(user)
        if communes is None:
            return queryset
        return queryset.filter(commune__in=communes) if communes else queryset.none()


class PersonalPlanningRule(Rule):
    """Assignments, availability, absences: the person, and coordinators of where they work."""

    def __init__(self, session_path: str | None = None) -> None:
        self.session_path = session_path

    def scope(self, user, action, queryset):
        own = Q(person=user) if action in ("view", "change", "add", "delete") else Q(pk__in=[])
        communes = coordinated_commune_ids(user)
        if communes is None:
            return queryset
        if communes:
            if self.session_path:
                own |= Q(**{f"{self.session_path}__series__commune__in": communes})
            else:
                own |= Q(person__member_profile__communes__in=communes)
        return queryset.filter(own).distinct()
