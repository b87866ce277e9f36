from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    """Support groups for children and adolescents, and facilitator rosters."""

    name = "groups"
    label = "maillage_groups"
    verbose_name = _("Support groups")
    default_auto_field = "django.db.models.BigAutoField"
