"""The permission layer: "may U do A on O" and "which objects of M may U see", in one place.

Every app registers a `Rule` per model in its AppConfig.ready(); front-end views, Wagtail
permission policies (which Wagtail's side views consult), choosers, exports and feeds all ask
here. Nothing is allowed unless a rule says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import roles

ACTIONS = ("view", "add", "change", "delete", "export")


class Rule:
    """How the objects of one model are scoped for a user; subclass and override `scope`."""

    def scope(self, user, action: str, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.none()

    def allows(self, user, action: str, obj: models.Model) -> bool:
        queryset = type(obj)._default_manager.filter(pk=obj.pk)
        return self.scope(user, action, queryset).exists()


_rules: dict[type[models.Model], Rule] = {}


def register(model: type[models.Model], rule: Rule, *, wagtail_policy: bool = True) -> None:
    """Register the rule of a model, and a Wagtail permission policy that checks instances."""
    _rules[model] = rule
    if wagtail_policy:
        register_permission_policy(model, ScopedPermissionPolicy(model))


def rule_for(model: type[models.Model]) -> Rule | None:
    for klass in model.__mro__:
        if klass in _rules:
            return _rules[klass]
    return None


def registered_models() -> list[type[models.Model]]:
    return list(_rules)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can(user, action: str, obj: models.Model) -> bool:
    """May `user` do `action` on `obj`? Denied when no rule is registered for its model."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    rule = rule_for(type(obj))
    return rule is not None and rule.allows(user, action, obj)


def visible(user, model: type[models.Model], action: str = "view") -> models.QuerySet:
    """The objects of `model` on which `user` may do `action`."""
    queryset = model._default_manager.all()
    if not _active(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    rule = rule_for(model)
    if rule is None:
        return queryset.none()
    return rule.scope(user, action, queryset)


# --- who the user is, cached on the user object for the request ---------------------------


@dataclass(frozen=True)
class Standing:
    role_names: frozenset[str]
    commune_ids: frozenset[int]  # communes they coordinate (commune coordinators)
    organisation_id: int | None

    def has(self, role: roles.Role) -> bool:
        return role.name in self.role_names


def standing(user) -> Standing:
    cached = getattr(user, "_maillage_standing", None)
    if cached is not None:
        return cached
    from .models import MemberProfile

    names = frozenset(user.groups.values_list("name", flat=True)) if _active(user) else frozenset()
    profile = (
        MemberProfile.objects.filter(user=user).only("id", "organisation_id").first()
        if _active(user)
        else None
    )
    commune_ids: frozenset[int] = frozenset()
    if profile is not None and roles.COMMUNE_COORDINATOR.name in names:
        commune_ids = frozenset(profile.communes.values_list("id", flat=True))
    result = Standing(names, commune_ids, profile.organisation_id if profile else None)
    user._maillage_standing = result
    return result


def is_network_coordination(user) -> bool:
    return _active(user) and (user.is_superuser or standing(user).has(roles.NETWORK_COORDINATION))


def coordinated_commune_ids(user) -> frozenset[int] | None:
    """None means every commune (network coordination); else the communes they coordinate."""
    if is_network_coordination(user):
        return None
    s = standing(user)
    return s.commune_ids if s.has(roles.COMMUNE_COORDINATOR) else frozenset()


class ScopedPermissionPolicy(ModelPermissionPolicy):
    """Wagtail's model permissions (from the role), narrowed to the instances the rule allows."""

    def user_has_permission(self, user, action):
        if action in ("view", "inspect"):
            return super().user_has_permission(user, "view") or super().user_has_permission(
                user, "change"
            )
        return super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(
            self.user_has_permission(user, action)
            and can(user, "view" if action == "inspect" else action, instance)
            for action in actions
        )

    def instances_user_has_any_permission_for(self, user, actions: Iterable[str]):
        allowed = [a for a in actions if self.user_has_permission(user, a)]
        if not allowed:
            return self.model._default_manager.none()
        condition = models.Q(pk__in=[])
        for action in allowed:
            condition |= models.Q(pk__in=visible(user, self.model, action).values("pk"))
        return self.model._default_manager.filter(condition)
