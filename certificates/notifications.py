"""E-mails about certificates, in the recipient's language, sent by django-tasks.

What leaves the building: the holder's own certificate (to them only), its verification link;
coordinators are told about expiring certificates of their commune's members by name, as in the
admin registry they already see.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from network import emails, roles

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
    context = {
        "certificate": certificate,
        "holder": holder,
        "runs": runs,
        "module_url": certificate.module.get_url() if certificate.module_id else "",
        "verification_url": certificate.verification_url(),
    }
    sent = 0
    if holder.email:
        emails.send(
            [holder.email],
            "certificates/emails/expiring",
            context,
            language=emails.language_of(holder),
        )
        sent += 1
    for coordinator in coordinators_of(certificate):
        emails.send(
            [coordinator.email],
            "certificates/emails/expiring_coordinator",
            {**context, "coordinator": coordinator},
            language=emails.language_of(coordinator),
        )
        sent += 1
    return sent
