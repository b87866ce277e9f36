from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    """The site: settings, pages, dashboards, reports, demo data."""

    name = "hub"
    label = "maillage_hub"
    verbose_name = _("Site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from datetime import timedelta

        from network import registries
        from network.roles import NETWORK_COORDINATION, grant

        from . import choosers
        from . import privacy as hub_privacy
        from .tasks import prune_task_results_task

        hub_privacy.register()
        choosers.install()

        registries.navigation.register(
            registries.NavEntry(key="home", label=_("Home"), url="/", order=0)
        )
        registries.navigation.register(
            registries.NavEntry(
                key="dashboard",
                label=_("My path"),
                url="dashboard",
                order=900,
                visible=registries.authenticated,
            )
        )
        registries.due_jobs.register(
            registries.DueJob(
                key="hub.prune_task_results",
                description=_("Delete results of background tasks finished over two weeks ago"),
                interval=timedelta(days=1),
                task=prune_task_results_task,
            )
        )
        grant(NETWORK_COORDINATION, "maillage_hub.change_networksettings")
