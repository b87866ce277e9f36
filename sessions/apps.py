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
        from network import permissions, registries

        from . import privacy, resources, rules, signals, tokens
        from .models import Absence, Assignment, Availability, Closure, Series, Session, Venue
        from .panels import agenda_panel_context
        from .roles import grant_admin_permissions

        permissions.register(Venue, rules.VenueRule())
        permissions.register(Series, rules.SeriesRule())
        permissions.register(Session, rules.SessionRule())
        permissions.register(Closure, rules.ClosureRule())
        permissions.register(Assignment, rules.PersonalPlanningRule(session_path="session"))
        permissions.register(Availability, rules.PersonalPlanningRule())
        permissions.register(Absence, rules.PersonalPlanningRule())
        privacy.register()
        tokens.register_privacy()
        resources.register()  # the import kinds availability, absences, closures
        grant_admin_permissions()
        signals.connect()
        registries.dashboard_panels.register(
            registries.DashboardPanel(
                key="agenda",
                title=_("My agenda"),
                template="sessions/panels/agenda.html",
                get_context=agenda_panel_context,
                order=200,
            )
        )
        registries.navigation.register(
            registries.NavEntry(
                key="agenda",
                label=_("My agenda"),
                url="sessions:agenda",
                order=800,
                visible=registries.authenticated,
            )
        )

        from datetime import timedelta

        from .tasks import extend_horizon_task

        registries.due_jobs.register(
            registries.DueJob(
                key="sessions.extend_horizon",
                description=_("Update holidays and materialise sessions up to the horizon"),
                interval=timedelta(days=1),
                task=extend_horizon_task,
            )
        )
