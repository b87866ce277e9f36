"""Certificate templates, certificates (ours and external), the review queue and signing keys.

A certificate is never deleted: revoking keeps it (with its reason), re-issuing supersedes it,
erasing its holder anonymises it. What it says is frozen at issue in `content`, so that later
edits of its template change no issued certificate.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.search import index

# Placeholders a template body may use (French names: coordinators write these).
PLACEHOLDERS = {
    "nom": _("the holder's full name"),
    "formation": _("the module or path title"),
    "heures": _("the hours"),
    "dates": _("the dates of the training"),
    "lieu": _("the place"),
    "organisme": _("who gave the training"),
}
PLACEHOLDER_RE = re.compile(r"\{\s*([a-zA-Z_]+)\s*\}")
DEFAULT_BODY = (
    "{nom} a suivi la formation « {formation} » ({heures} heures), organisée {dates} à {lieu}."
)


def verification_code() -> str:
    """144 random bits, URL-safe (24 characters)."""
    return secrets.token_urlsafe(18)


def validate_placeholders(text: str) -> None:
    unknown = sorted({m.group(1) for m in PLACEHOLDER_RE.finditer(text)} - set(PLACEHOLDERS))
    if unknown:
        raise ValidationError(
            _("Unknown placeholder(s): %(unknown)s. Allowed: %(allowed)s."),
            params={
                "unknown": ", ".join("{" + name + "}" for name in unknown),
                "allowed": ", ".join("{" + name + "}" for name in PLACEHOLDERS),
            },
            code="placeholder",
        )


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace {name} placeholders; never str.format (a template is typed by a person)."""
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


class IssueMode(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatically on completion")
    REVIEW = "review", _("Queued for a coordinator's review")


class CertificateTemplate(index.Indexed, models.Model):
    """What a certificate for a module or a path says, and how it is issued."""

    name = models.CharField(
        _("name"), max_length=160, help_text=_("For the coordinators, e.g. “Attestation PR-VEP”.")
    )
    module = models.ForeignKey(
        "maillage_lms.ModulePage",
        verbose_name=_("module"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificate_templates",
    )
    path = models.ForeignKey(
        "maillage_lms.TrainingPathPage",
        verbose_name=_("training path"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificate_templates",
    )
    title = models.CharField(_("title"), max_length=120, default="Attestation de formation")
    body = models.TextField(
        _("text"),
        max_length=2000,
        default=DEFAULT_BODY,
        validators=[validate_placeholders],
        help_text=_(
            "Placeholders: {nom}, {formation}, {heures}, {dates}, {lieu}, {organisme}. "
            "A certificate keeps the text it was issued with."
        ),
    )
    signatory_name = models.CharField(_("signatory"), max_length=120)
    signatory_title = models.CharField(_("signatory's title"), max_length=160, blank=True)
    signature = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("signature image"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: the certificate does not expire."),
    )
    issue_mode = models.CharField(
        _("issuing"), max_length=10, choices=IssueMode.choices, default=IssueMode.AUTOMATIC
    )
    active = models.BooleanField(
        _("in use"),
        default=True,
        help_text=_("Only one template in use per module or path."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("module"), FieldPanel("path")]),
        FieldPanel("title"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("signatory_name"), FieldPanel("signatory_title")]),
                FieldRowPanel([FieldPanel("signature"), FieldPanel("logo")]),
            ],
            heading=_("Signature"),
        ),
        FieldRowPanel(
            [FieldPanel("validity_months"), FieldPanel("issue_mode"), FieldPanel("active")]
        ),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(module__isnull=False, path__isnull=True)
                | Q(module__isnull=True, path__isnull=False),
                name="certificate_template_module_xor_path",
                violation_error_message=_("Choose either a module or a path."),
            ),
            models.UniqueConstraint(
                fields=["module"],
                condition=Q(active=True, module__isnull=False),
                name="one_active_template_per_module",
                violation_error_message=_("This module already has a template in use."),
            ),
            models.UniqueConstraint(
                fields=["path"],
                condition=Q(active=True, path__isnull=False),
                name="one_active_template_per_path",
                violation_error_message=_("This path already has a template in use."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if bool(self.module_id) == bool(self.path_id):
            raise ValidationError(_("Choose either a module or a path."))

    @property
    def achievement(self):
        return self.module if self.module_id else self.path


class CertificateKind(models.TextChoices):
    ISSUED = "issued", _("Issued by the network")
    EXTERNAL = "external", _("External (recorded)")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    # Not the plain "Revoked" msgid: network's invitations translate it "Retirée".
    REVOKED = "revoked", pgettext_lazy("certificate", "Revoked")


class State(models.TextChoices):
    """What a certificate is on a given day, as the verification page says it."""

    VALID = "valid", _("valid")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", pgettext_lazy("certificate", "revoked")
    SUPERSEDED = "superseded", _("replaced")
    NOT_YET = "not_yet", _("not yet valid")


class CertificateQuerySet(models.QuerySet):
    def current(self) -> CertificateQuerySet:
        """Neither revoked nor superseded (expired ones included)."""
        return self.filter(status=CertificateStatus.VALID, superseded_by__isnull=True)

    def valid_on(self, day: dt.date) -> CertificateQuerySet:
        return self.current().filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day), valid_from__lte=day
        )


def private_storage():
    return storages["private"] if "private" in settings.STORAGES else storages["default"]


class Certificate(models.Model):
    """One certificate: ours (signed, numbered) or an external one recorded by a coordinator."""

    kind = models.CharField(
        _("kind"), max_length=10, choices=CertificateKind.choices, default=CertificateKind.ISSUED
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("holder"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
    )
    template = models.ForeignKey(
        CertificateTemplate,
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    module = models.ForeignKey(
        "maillage_lms.ModulePage",
        verbose_name=_("module"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    path = models.ForeignKey(
        "maillage_lms.TrainingPathPage",
        verbose_name=_("training path"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    run = models.ForeignKey(
        "maillage_lms.CourseRun",
        verbose_name=_("course run"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    commune = models.ForeignKey(
        "maillage_network.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Whose coordinator manages it: the run's commune."),
    )
    title = models.CharField(_("achievement"), max_length=255)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, default=0)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    serial = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True)
    code = models.CharField(
        _("verification code"), max_length=32, unique=True, default=verification_code
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CertificateStatus.choices, default="valid"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revocation_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    superseded_by = models.OneToOneField(
        "self",
        verbose_name=_("replaced by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
    )
    content = models.JSONField(_("content at issue"), default=dict, editable=False)
    credential = models.TextField(_("Open Badge (VC-JWT)"), blank=True, editable=False)
    subject_uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status_index = models.PositiveIntegerField(null=True, blank=True, unique=True, editable=False)
    anonymised_at = models.DateTimeField(_("holder erased at"), null=True, blank=True)
    # External certificates: who issued it, their reference, a scan.
    issuer_name = models.CharField(_("issued by (organisation)"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    scan = models.FileField(
        _("scan"),
        upload_to="certificates/scans/%Y/",
        storage=private_storage,
        blank=True,
        validators=[FileExtensionValidator(["pdf", "png", "jpg", "jpeg"])],
    )
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]
        indexes = [
            models.Index(fields=["module", "holder"], name="certificate_module_holder"),
            models.Index(fields=["valid_until"], name="certificate_valid_until"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="certificate_valid_until_after_from",
                violation_error_message=_("The end of validity is before its start."),
            ),
            models.CheckConstraint(
                condition=Q(kind="external") | Q(serial__isnull=False),
                name="certificate_issued_has_serial",
            ),
        ]

    def __str__(self) -> str:
        return self.serial or self.reference or _("external certificate %(pk)s") % {"pk": self.pk}

    @property
    def is_external(self) -> bool:
        return self.kind == CertificateKind.EXTERNAL

    @property
    def anonymised(self) -> bool:
        return self.anonymised_at is not None

    @property
    def holder_name(self) -> str:
        return self.content.get("holder_name", "")

    @cached_property
    def achievement(self):
        return self.module if self.module_id else self.path

    @property
    def reason_text(self) -> str:
        """The revocation reason without its final full stop (the sentence adds one)."""
        return self.revocation_reason.strip().rstrip(".")

    @property
    def expired_on(self) -> dt.date | None:
        """The first day it is no longer valid (valid_until is the last valid day)."""
        return self.valid_until + dt.timedelta(days=1) if self.valid_until else None

    def state(self, day: dt.date | None = None) -> State:
        day = day or timezone.localdate()
        if self.status == CertificateStatus.REVOKED:
            return State.REVOKED
        if self.superseded_by_id:
            return State.SUPERSEDED
        if self.valid_until and self.valid_until < day:
            return State.EXPIRED
        if self.valid_from > day:
            return State.NOT_YET
        return State.VALID

    def get_verification_path(self) -> str:
        from django.urls import reverse

        return reverse("certificates:verify", kwargs={"code": self.code})

    def verification_url(self) -> str:
        return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + self.get_verification_path()


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("To review")
    ISSUED = "issued", _("Issued")
    DECLINED = "declined", _("Declined")


class IssueRequest(models.Model):
    """A certificate waiting for a coordinator's review (templates in review mode)."""

    template = models.ForeignKey(
        CertificateTemplate, verbose_name=_("template"), on_delete=models.PROTECT
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("holder"),
        on_delete=models.CASCADE,
        related_name="certificate_requests",
    )
    run = models.ForeignKey(
        "maillage_lms.CourseRun",
        verbose_name=_("course run"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    commune = models.ForeignKey(
        "maillage_network.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    certificate = models.OneToOneField(
        Certificate,
        verbose_name=_("certificate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="request",
    )

    class Meta:
        verbose_name = _("certificate to review")
        verbose_name_plural = _("certificates to review")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.template} — {self.holder}"


class BulkIssueStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BulkIssue(models.Model):
    """Issuing the certificates of a whole run in the background; the admin polls it."""

    run = models.ForeignKey(
        "maillage_lms.CourseRun", verbose_name=_("course run"), on_delete=models.CASCADE
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=BulkIssueStatus.choices, default=BulkIssueStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("bulk issue")
        verbose_name_plural = _("bulk issues")

    def __str__(self) -> str:
        return f"{self.run} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))


class Counter(models.Model):
    """A gap-free counter (serial numbers per year, status-list indexes), taken under a lock."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class FrozenImage(models.Model):
    """The bytes of a logo or signature as it was when a certificate was issued."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    data = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.sha256[:12]


class SigningKey(models.Model):
    """An RSA key that signs Open Badges. Retired keys stay published so that older
    credentials keep verifying; the private part is stored encrypted."""

    kid = models.CharField(max_length=64, unique=True)
    public_jwk = models.JSONField()
    private_pem = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid
