"""Permission rules of lms/ (registered with network's permission layer in ready())."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from network import roles
from network.permissions import Rule, coordinated_commune_ids, standing
from sessions.models import StaffRole


def _communes(user, queryset: QuerySet, path: str) -> Q | None:
    """A condition for the runs a coordinator manages; None means every run."""
    communes = coordinated_commune_ids(user)
    if communes is None:
        return None
    return Q(**{f"{path}__in": communes}) if communes else Q(pk__in=[])


def _trainer(user, path: str) -> Q:
    return Q(
        **{
            f"{path}series__sessions__assignments__person": user,
            f"{path}series__sessions__assignments__role": StaffRole.TRAINER,
        }
    )


class CourseRunRule(Rule):
    """Coordinators manage their commune's runs, the network all; trainers see theirs."""

    def scope(self, user, action, queryset):
        managed = _communes(user, queryset, "commune")
        if managed is None:
            return queryset
        if action == "delete":
            # A run with enrolments keeps its history: cancel it instead.
            return queryset.filter(managed, enrolments__isnull=True)
        if action == "view":
            return queryset.filter(managed | _trainer(user, "")).distinct()
        return queryset.filter(managed)


class EnrolmentRule(Rule):
    """The person; coordinators of the run's commune; its trainers (view); the referent of
    the person's organisation (view, and decide when the run asks for them)."""

    path = ""  # to the enrolment from the model ruled

    def scope(self, user, action, queryset):
        p = self.path
        managed = _communes(user, queryset, f"{p}run__commune")
        if managed is None:
            return queryset
        condition = managed
        if action == "view":
            condition |= Q(**{f"{p}person": user}) | _trainer(user, f"{p}run__")
            s = standing(user)
            if s.has(roles.REFERENT) and s.organisation_id is not None:
                condition |= Q(**{f"{p}person__member_profile__organisation_id": s.organisation_id})
        return queryset.filter(condition).distinct()


class AttendanceRule(EnrolmentRule):
    path = "enrolment__"

    def scope(self, user, action, queryset):
        scoped = super().scope(user, action, queryset)
        if action == "change":
            scoped = queryset.filter(
                Q(pk__in=scoped.values("pk")) | _trainer(user, "enrolment__run__")
            ).distinct()
        return scoped


class EvaluationRule(EnrolmentRule):
    """Coordinators read evaluations of their runs; the person their own."""

    path = "enrolment__"

    def scope(self, user, action, queryset):
        managed = _communes(user, queryset, "enrolment__run__commune")
        if managed is None:
            return queryset
        if action == "view":
            return queryset.filter(managed | Q(enrolment__person=user))
        return queryset.none()


class PersonalRule(Rule):
    """Interest lists and completed paths: the person; coordinators read them."""

    def scope(self, user, action, queryset):
        if coordinated_commune_ids(user) is None:
            return queryset
        if action in ("view", "delete"):
            return queryset.filter(person=user)
        return queryset.none()
