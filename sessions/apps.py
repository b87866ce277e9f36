from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionsConfig(AppConfig):
    """Time and place: venues, series, dated sessions, closures, staff, feeds."""

    name = "sessions"
    # Django's own django.contrib.sessions holds the label "sessions".
    label = "maillage_sessions"
    verbose_name = _("Sessions and agenda")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from network import permissions

        from . import privacy, rules
        from .roles import grant_admin_permissions
        from .models import Absence, Assignment, Availability, Closure, Series, Session, Venue

        permissions.register(Venue, rules.VenueRule())
        permissions.register(Series, rules.SeriesRule())
        permissions.register(Session, rules.SessionRule())
        permissions.register(Closure, rules.ClosureRule())
        permissions.register(Assignment, rules.PersonalPlanningRule(session_path="session"))
        permissions.register(Availability, rules.PersonalPlanningRule())
        permissions.register(Absence, rules.PersonalPlanningRule())
        privacy.register()
        grant_admin_permissions()

        from datetime import timedelta

        from network import registries

        from .tasks import extend_horizon_task

        registries.due_jobs.register(
            registries.DueJob(
                key="sessions.extend_horizon",
                description=_("Update holidays and materialise sessions up to the horizon"),
                interval=timedelta(days=1),
                task=extend_horizon_task,
            )
        )
