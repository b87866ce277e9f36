from django.utils import timezone
from django_tasks import task


@task()
def clear_expired_sessions_task() -> int:
    """Delete expired login sessions, so that a signed-out device leaves nothing behind."""
    from .retention import clear_expired_sessions

    return clear_expired_sessions(timezone.now())


@task()
def purge_audit_log_task() -> int:
    """The audit log has its own retention: entries older than it are deleted, oldest first."""
    from .retention import purge_audit_log

    return purge_audit_log(timezone.now())


@task()
def clear_old_login_attempts_task() -> int:
    """Failed sign-ins are only needed while they can lock an account: keep them one day."""
    from .retention import clear_old_login_attempts

    return clear_old_login_attempts(timezone.now())


@task()
def delete_old_import_uploads_task() -> int:
    """Files uploaded to the import wizard are kept at most an hour, imported or not; the
    rows following their imports a day (network.retention)."""
    from django.utils import timezone

    from .import_jobs import delete_old_uploads
    from .retention import delete_old_import_jobs

    return delete_old_uploads() + delete_old_import_jobs(timezone.now())


@task()
def send_notification_digests_task() -> int:
    """Send the daily digests that are due (from the digest hour, once a day per person)."""
    from .notifications import send_digests

    return send_digests(timezone.now())


@task()
def apply_retention_task(model: str) -> int:
    """Apply one registered model's retention (its `purge` in the privacy registry)."""
    from .privacy import registry

    return registry.purge(model, timezone.now())


@task()
def import_job_task(job_id: int) -> str:
    """Check or import a large file in the background (the wizard polls the job)."""
    from .import_jobs import run_job

    job = run_job(job_id)
    return job.status if job is not None else "missing"
