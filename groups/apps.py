from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    """Support groups for children and adolescents, and facilitator rosters."""

    name = "groups"
    label = "maillage_groups"
    verbose_name = _("Support groups")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from network import permissions

        from . import privacy, rules, signals
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
        signals.connect()
