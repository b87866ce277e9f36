from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionsConfig(AppConfig):
    """Time and place: venues, series, dated sessions, closures, staff, feeds."""

    name = "sessions"
    # Django's own django.contrib.sessions holds the label "sessions".
    label = "maillage_sessions"
    verbose_name = _("Sessions and agenda")
    default_auto_field = "django.db.models.BigAutoField"
