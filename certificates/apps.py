import logging
from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class CertificatesConfig(AppConfig):
    """Certificate templates, issuance, verification, revocation and Open Badges."""

    name = "certificates"
    label = "maillage_certificates"
    verbose_name = _("Certificates")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms.signals import module_completed, path_completed
        from network import permissions, registries

        from . import panels, privacy, resources, rules, tasks
        from .models import BulkIssue, Certificate, CertificateTemplate, IssueRequest
        from .roles import grant_permissions

        permissions.register(Certificate, rules.CertificateRule())
        permissions.register(IssueRequest, rules.IssueRequestRule())
        permissions.register(BulkIssue, rules.BulkIssueRule())
        permissions.register(CertificateTemplate, rules.TemplateRule())
        privacy.register()
        resources.register()  # the import kind "certificates"
        grant_permissions()
        panels.register()

        module_completed.connect(_module_completed, dispatch_uid="certificates.module_completed")
        path_completed.connect(_path_completed, dispatch_uid="certificates.path_completed")

        registries.navigation.register(
            registries.NavEntry(
                key="verify",
                label=_("Verify a certificate"),
                url="certificates:verify_form",
                order=300,
                visible=registries.anonymous,
            )
        )
        registries.due_jobs.register(
            registries.DueJob(
                key="certificates.expiry_reminders",
                description=_("Remind holders 60 days before a certificate expires"),
                interval=timedelta(hours=24),
                task=tasks.expiry_reminders_task,
            )
        )


def _module_completed(sender, enrolment, **kwargs) -> None:
    from .services import on_module_completed

    # Completion is already committed: a certificate that cannot be issued now must not turn
    # the trainer's attendance sheet into an error; it can be issued from the run's page.
    try:
        on_module_completed(enrolment)
    except Exception:
        logger.exception("certificate not issued for enrolment %s", enrolment.pk)


def _path_completed(sender, path, person, completion, **kwargs) -> None:
    from .services import on_path_completed

    try:
        on_path_completed(path, person, completion)
    except Exception:
        logger.exception("certificate not issued for path completion %s", completion.pk)
