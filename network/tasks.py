from importlib import import_module

from django.conf import settings
from django_tasks import task


@task()
def clear_expired_sessions_task() -> None:
    """Delete expired login sessions, so that a signed-out device leaves nothing behind."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


@task()
def purge_audit_log_task() -> int:
    """The audit log has its own retention: entries older than it are deleted, oldest first."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import AuditEntry

    cutoff = timezone.now() - timedelta(days=settings.MAILLAGE_AUDIT_RETENTION_DAYS)
    # QuerySet.delete() bypasses AuditEntry.delete(), which refuses single deletions.
    deleted, _ = AuditEntry.objects.filter(at__lt=cutoff).delete()
    return deleted


@task()
def clear_old_login_attempts_task() -> int:
    """Failed sign-ins are only needed while they can lock an account: keep them one day."""
    from datetime import timedelta

    from axes.models import AccessAttempt, AccessFailureLog
    from django.utils import timezone

    cutoff = timezone.now() - timedelta(days=1)
    deleted = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()[0]
    deleted += AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    return deleted


@task()
def delete_old_import_uploads_task() -> int:
    """Files uploaded to the import wizard are kept at most an hour, imported or not."""
    from .import_jobs import delete_old_uploads

    return delete_old_uploads()


@task()
def import_job_task(job_id: int) -> str:
    """Check or import a large file in the background (the wizard polls the job)."""
    from .import_jobs import run_job

    job = run_job(job_id)
    return job.status if job is not None else "missing"
