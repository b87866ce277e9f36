from django_tasks import task


@task()
def send_certificate_email_task(certificate_id: int) -> int:
    """E-mail a newly issued certificate to its holder, PDF attached."""
    from .models import Certificate
    from .notifications import send_issued

    certificate = Certificate.objects.select_related("holder").filter(pk=certificate_id).first()
    return send_issued(certificate) if certificate is not None else 0


@task()
def send_review_needed_task(request_id: int) -> int:
    """Tell the coordinators that a certificate awaits their review."""
    from .models import IssueRequest
    from .notifications import send_review_needed

    request = (
        IssueRequest.objects.select_related("holder", "template__path", "run__module")
        .filter(pk=request_id)
        .first()
    )
    return send_review_needed(request) if request is not None else 0


@task()
def bulk_issue_task(bulk_id: int) -> int:
    """Issue the certificates of a run (the admin polls the progress)."""
    from .services import run_bulk_issue

    return run_bulk_issue(bulk_id).issued


@task()
def expiry_reminders_task() -> int:
    """Tell holders 60 days before a certificate expires."""
    from .services import send_expiry_reminders

    return send_expiry_reminders()
