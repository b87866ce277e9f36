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

        from . import permissions, privacy, registries, resources, roles, rules, sign_in
        from .models import AuditEntry, Commune, Invitation, MemberProfile, Organisation
        from .panels import account_panel_context
        from .tasks import (
            clear_expired_sessions_task,
            clear_old_login_attempts_task,
            delete_old_import_uploads_task,
            purge_audit_log_task,
            send_notification_digests_task,
        )

        permissions.register(Commune, rules.CommuneRule())
        permissions.register(Organisation, rules.OrganisationRule())
        permissions.register(MemberProfile, rules.MemberRule())
        permissions.register(Invitation, rules.InvitationRule())
        permissions.register(AuditEntry, rules.AuditRule())
        privacy.register_defaults()
        sign_in.connect()  # session bookkeeping; sign-out and deactivation end every session
        resources.register()  # the import kinds "members" and "organisations"

        network_models = ("commune", "organisation", "memberprofile", "invitation")
        roles.grant(
            roles.NETWORK_COORDINATION,
            *[
                f"maillage_network.{verb}_{model}"
                for model in network_models
                for verb in ("add", "change", "view")
                if (verb, model) != ("add", "memberprofile")  # members are invited
            ],
            "maillage_network.delete_organisation",
            "maillage_network.view_auditentry",
        )
        roles.grant(
            roles.COMMUNE_COORDINATOR,
            "maillage_network.view_commune",
            "maillage_network.add_organisation",
            "maillage_network.change_organisation",
            "maillage_network.view_organisation",
            "maillage_network.change_memberprofile",
            "maillage_network.view_memberprofile",
            "maillage_network.add_invitation",
            "maillage_network.change_invitation",
            "maillage_network.view_invitation",
        )

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
        registries.due_jobs.register(
            registries.DueJob(
                key="network.purge_audit_log",
                description=_("Delete audit entries older than the audit log's retention"),
                interval=timedelta(days=1),
                task=purge_audit_log_task,
            )
        )
        registries.due_jobs.register(
            registries.DueJob(
                key="network.clear_old_login_attempts",
                description=_("Delete failed sign-in attempts older than a day"),
                interval=timedelta(hours=6),
                task=clear_old_login_attempts_task,
            )
        )
        registries.due_jobs.register(
            registries.DueJob(
                key="network.send_notification_digests",
                description=_("Send the daily digests of notifications that are due"),
                # Often enough that digests leave soon after the hour; the task itself
                # sends at most one a day per person.
                interval=timedelta(minutes=15),
                task=send_notification_digests_task,
            )
        )
        registries.due_jobs.register(
            registries.DueJob(
                key="network.delete_old_import_uploads",
                description=_("Delete files uploaded for an import more than an hour ago"),
                interval=timedelta(minutes=15),
                task=delete_old_import_uploads_task,
            )
        )
