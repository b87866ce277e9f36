"""E-mails about certificates, in the recipient's language, sent by django-tasks.

What leaves the building: the holder's own certificate (to them only), its verification link;
coordinators are told about expiring certificates and certificates to review of their commune's
members by name, as in the admin registry they already see. Expiry reminders and certificates to
review are notifications (network.notifications): at once or in the daily digest, as each
person chose; the certificate itself is always sent at once.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lms.notifications import is_muted, page_path
from network import emails, roles
from network.models import NotificationKind
from network.notifications import notify

from . import pdf


def send_issued(certificate) -> int:
    """The holder gets their certificate, PDF attached, with the verification link."""
    holder = certificate.holder
    if holder is None or not holder.is_active or not holder.email or certificate.is_external:
        return 0
    emails.send(
        [holder.email],
        "certificates/emails/issued",
        {
            "certificate": certificate,
            "holder": holder,
            "verification_url": certificate.verification_url(),
            "dashboard_path": reverse("dashboard"),
        },
        language=emails.language_of(holder),
        attachments=[
            (
                f"attestation-{certificate.serial}.pdf",
                pdf.certificate_pdf(certificate),
                "application/pdf",
            )
        ],
    )
    type(certificate).objects.filter(pk=certificate.pk).update(emailed_at=timezone.now())
    return 1


def coordinators_of(certificate) -> list:
    """The commune coordinators who manage the certificate: of its run's commune; without a
    commune (a path, an external one), those who manage the holder as a member."""
    from network.permissions import can

    coordinators = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.COMMUNE_COORDINATOR.name)
        .exclude(email="")
    )
    if certificate.commune_id:
        return list(coordinators.filter(member_profile__communes=certificate.commune_id).distinct())
    profile = getattr(certificate.holder, "member_profile", None)
    if profile is None:
        return []
    commune_ids = set(profile.communes.values_list("id", flat=True))
    if profile.organisation_id:
        commune_ids.update(profile.organisation.communes.values_list("id", flat=True))
    candidates = coordinators.filter(member_profile__communes__in=commune_ids).distinct()
    return [c for c in candidates if can(c, "change", profile)]


def send_expiry_reminder(certificate) -> int:
    """The holder, and their coordinators, 60 days before expiry, with the module's next runs."""
    from lms.models import CourseRun, RunStatus

    holder = certificate.holder
    if holder is None or not holder.is_active:
        return 0
    runs = []
    if certificate.module_id:
        runs = list(
            CourseRun.objects.filter(
                module_id=certificate.module_id,
                status=RunStatus.PLANNED,
                starts_at__gt=timezone.now(),
            )
            .select_related("commune")
            .order_by("starts_at")[:5]
        )
    module_url = page_path(certificate.module) if certificate.module_id else ""
    context = {
        "certificate": certificate,
        "holder": holder,
        "runs": runs,
        "module_url": module_url,
        "dashboard_path": reverse("dashboard"),
        "verification_url": certificate.verification_url(),
    }
    sent = 0
    # Where to act: the module's page to enrol again, else "Mon parcours".
    if notify(
        holder,
        NotificationKind.REMINDERS,
        "certificates/emails/expiring",
        context,
        url=module_url or context["dashboard_path"],
    ):
        sent += 1
    registry = reverse("certificates_registry:inspect", args=[certificate.pk])
    for coordinator in coordinators_of(certificate):
        if notify(
            coordinator,
            NotificationKind.REMINDERS,
            "certificates/emails/expiring_coordinator",
            {**context, "coordinator": coordinator},
            url=registry,
        ):
            sent += 1
    return sent


def later_review_needed(request) -> None:
    """Once the transaction commits, tell the coordinators that a certificate awaits review."""
    if is_muted():
        return
    from .tasks import send_review_needed_task

    pk = request.pk
    transaction.on_commit(lambda: send_review_needed_task.enqueue(pk))


def reviewers_of(request) -> list:
    """The commune coordinators who manage the request, else the network coordination."""
    coordinators = coordinators_of(request)
    if coordinators:
        return coordinators
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.NETWORK_COORDINATION.name)
        .exclude(email="")
        .order_by("pk")
    )


def send_review_needed(request) -> int:
    """A request to approve: a certificate in review mode waits for a coordinator's decision."""
    from .models import RequestStatus

    if request.status != RequestStatus.PENDING:
        return 0
    context = {
        "request": request,
        "holder_name": request.holder.get_full_name() or request.holder.get_username(),
        "title": request.template.title,
        "achievement": (
            request.run.module.title if request.run_id else str(request.template.path or "")
        ),
    }
    sent = 0
    where = reverse("certificates_requests:index")
    for reviewer in reviewers_of(request):
        if notify(
            reviewer,
            NotificationKind.APPROVALS,
            "certificates/emails/review_needed",
            context,
            url=where,
        ):
            sent += 1
    return sent
