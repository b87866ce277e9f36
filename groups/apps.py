from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _facilitator(request) -> bool:
    from .views import is_facilitator

    return is_facilitator(request.user)


class GroupsConfig(AppConfig):
    """Support groups for children and adolescents, and facilitator rosters."""

    name = "groups"
    label = "maillage_groups"
    verbose_name = _("Support groups")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from network import permissions

        from . import panels, privacy, retention, roles, rules, signals
        from .models import (
            Consent,
            Cycle,
            MeetingAttendance,
            Membership,
            Participant,
            Programme,
            SafetyInstruction,
        )

        permissions.register(Programme, rules.ProgrammeRule())
        permissions.register(Cycle, rules.CycleRule())
        permissions.register(Participant, rules.ParticipantRule())
        permissions.register(Consent, rules.ParticipantPartRule())
        permissions.register(SafetyInstruction, rules.ParticipantPartRule())
        permissions.register(Membership, rules.MembershipRule())
        permissions.register(MeetingAttendance, rules.MeetingAttendanceRule())
        privacy.register()
        panels.register()  # statistics on "Mon parcours"
        retention.register()  # the daily purge of children's identities

        from network import registries

        registries.navigation.register(
            registries.NavEntry(
                key="programmes",
                label=pgettext_lazy("navigation", "Support groups"),
                url="groups:programmes",
                order=200,
            )
        )
        registries.navigation.register(
            registries.NavEntry(
                key="my_groups",
                label=_("My groups"),
                url="groups:mine",
                order=750,
                visible=_facilitator,
            )
        )
        roles.grant_admin_permissions()
        signals.connect()
