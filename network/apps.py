from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    """Communes, organisations, members, roles, permissions, privacy registry, audit log."""

    name = "network"
    label = "maillage_network"
    verbose_name = _("Network")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from datetime import timedelta

        from . import registries
        from .panels import account_panel_context
        from .tasks import clear_expired_sessions_task

        registries.dashboard_panels.register(
            registries.DashboardPanel(
                key="account",
                title=_("My account"),
                template="network/panels/account.html",
                get_context=account_panel_context,
                order=900,
            )
        )
        registries.due_jobs.register(
            registries.DueJob(
                key="network.clear_expired_sessions",
                description=_("Delete expired login sessions"),
                interval=timedelta(hours=6),
                task=clear_expired_sessions_task,
            )
        )
