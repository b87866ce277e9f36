"""certificates/ in the privacy registry: certificates are anonymised, never deleted."""

from django.utils.translation import gettext_lazy as _

from network import privacy

from .models import (
    BulkIssue,
    Certificate,
    CertificateTemplate,
    Counter,
    FrozenImage,
    IssueRequest,
    SigningKey,
)


def _anonymise(user) -> int:
    from . import services

    return services.anonymise_holder(user)


def register() -> None:
    """Declare the app's models (called from CertificatesConfig.ready(); idempotent)."""
    for model, reason in (
        (CertificateTemplate, "what certificates say; the signatory signs in that role"),
        (Counter, "serial-number counters"),
        (FrozenImage, "logos and signatures as they were at issue"),
        (SigningKey, "the network's keys that sign Open Badges"),
    ):
        privacy.declare_no_personal_data(model, reason)
    privacy.register(
        Certificate,
        purpose=_(
            "Proving the training a person followed, to them, their employer and the "
            "network (qualifications of facilitators)."
        ),
        legal_basis=privacy.PUBLIC_TASK,
        retention=_(
            "Kept as long as it can be verified; on erasure the holder's data is removed and "
            "an anonymous record stays, so that a verification says the data was erased."
        ),
        export=lambda user: [
            privacy.values(
                c,
                [
                    "kind",
                    "serial",
                    "title",
                    "hours",
                    "issued_at",
                    "valid_from",
                    "valid_until",
                    "status",
                    "revocation_reason",
                    "issuer_name",
                    "reference",
                    "code",
                ],
            )
            for c in Certificate.objects.filter(holder=user)
        ],
        erase=_anonymise,
    )
    privacy.register(
        IssueRequest,
        purpose=_("Certificates waiting for a coordinator's review."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=_("Until decided, then as long as the certificate; erased with the account."),
        export=lambda user: [
            privacy.values(r, ["template", "run", "created_at", "status", "decided_at", "reason"])
            for r in IssueRequest.objects.filter(holder=user)
        ],
        erase=lambda user: privacy.delete_rows(IssueRequest.objects.filter(holder=user)),
    )
    # A bulk issue points to the coordinator who asked for it (`requested_by`).
    privacy.register(
        BulkIssue,
        purpose=_("Knowing who asked for a bulk issue."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=_(
            "As long as the bulk issue's progress is kept; the requester is removed on erasure."
        ),
        export=lambda user: [
            privacy.values(b, ["run", "created_at", "status", "total", "issued"])
            for b in BulkIssue.objects.filter(requested_by=user)
        ],
        erase=lambda user: BulkIssue.objects.filter(requested_by=user).update(requested_by=None),
    )
