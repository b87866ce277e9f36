from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    """Training catalogue, course runs, enrolments, attendance and completion."""

    name = "lms"
    label = "maillage_lms"
    verbose_name = _("Training")
    default_auto_field = "django.db.models.BigAutoField"
