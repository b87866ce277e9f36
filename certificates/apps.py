from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    """Certificate templates, issuance, verification, revocation and Open Badges."""

    name = "certificates"
    label = "maillage_certificates"
    verbose_name = _("Certificates")
    default_auto_field = "django.db.models.BigAutoField"
