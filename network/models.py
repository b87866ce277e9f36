from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

DOMAIN_RE = r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.[a-z0-9-]{1,63})+$"
# Anyone can have an address there: never a proof of belonging to an organisation.
PUBLIC_MAIL_DOMAINS = frozenset(
    """gmail.com googlemail.com hotmail.com hotmail.be hotmail.fr outlook.com outlook.be
    outlook.fr live.com live.be msn.com yahoo.com yahoo.fr yahoo.be icloud.com me.com
    aol.com gmx.com gmx.net gmx.fr proton.me protonmail.com skynet.be telenet.be
    proximus.be voo.be scarlet.be orange.fr free.fr laposte.net mail.com yandex.com""".split()
)


class Commune(models.Model):
    """A municipality of the network; coordinators and organisations are scoped by it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    is_coordinating = models.BooleanField(
        _("coordinates the network"),
        default=False,
        help_text=_("The commune that coordinates the network (Chaudfontaine for Secova)."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)
        super().save(*args, **kwargs)


class OrganisationKind(models.TextChoices):
    CPAS = "cpas", _("CPAS (public social welfare centre)")
    MUNICIPALITY = "municipality", _("Municipal administration")
    POLICE = "police", _("Police victim assistance")
    SCHOOL = "school", _("School")
    PMS = "pms", _("PMS centre")
    ONE = "one", _("ONE (birth and childhood office)")
    YOUTH_AID = "youth_aid", _("SAJ/SPJ (youth aid and protection)")
    HOSPITAL = "hospital", _("Hospital")
    FAMILY_PLANNING = "family_planning", _("Family-planning centre")
    YOUTH_SERVICE = "youth_service", _("Youth service")
    TRAINING = "training", _("Training provider")
    ASSOCIATION = "association", _("Association")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    """A partner organisation; it serves one or several communes."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    communes = models.ManyToManyField(
        Commune, verbose_name=_("communes served"), related_name="organisations"
    )
    email = models.EmailField(_("general e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email_domains = models.CharField(
        _("e-mail domains for automatic approval"),
        max_length=400,
        blank=True,
        help_text=_(
            "Comma-separated, e.g. cpas-esneux.be. A person registering with an address of "
            "one of these domains is approved at once; others wait for a coordinator."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def domain_list(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.email_domains.split(",") if d.strip()]

    def clean(self) -> None:
        validator = RegexValidator(DOMAIN_RE)
        for domain in self.domain_list:
            try:
                validator(domain)
            except ValidationError:
                raise ValidationError(
                    {"email_domains": _("“%(domain)s” is not a domain name.") % {"domain": domain}}
                ) from None
            if domain in PUBLIC_MAIL_DOMAINS:
                raise ValidationError(
                    {
                        "email_domains": _(
                            "“%(domain)s” is a public mail service: anyone can have an address "
                            "there, so it cannot approve registrations."
                        )
                        % {"domain": domain}
                    }
                )
        self.email_domains = ", ".join(self.domain_list)

    def approves_email(self, email: str) -> bool:
        domain = email.rsplit("@", 1)[-1].strip().lower()
        return domain in self.domain_list


class MemberStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    ACTIVE = "active", _("Active")
    REJECTED = "rejected", _("Registration rejected")
    DEACTIVATED = "deactivated", _("Deactivated")


class MemberProfile(models.Model):
    """What the network knows of a professional, next to their Django user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="member_profile",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    function = models.CharField(_("function"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    communes = models.ManyToManyField(
        Commune,
        verbose_name=_("communes of action"),
        related_name="members",
        blank=True,
        help_text=_(
            "Where the person works. For a commune coordinator: the communes they coordinate."
        ),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=5,
        choices=[("fr", "Français"), ("en", "English")],
        default="fr",
    )
    notify_by_email = models.BooleanField(_("e-mail notifications"), default=True)
    notify_reminders = models.BooleanField(_("reminders before sessions"), default=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    email_confirmed_at = models.DateTimeField(
        _("e-mail confirmed at"), null=True, blank=True, editable=False
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    deactivated_at = models.DateTimeField(
        _("deactivated at"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def audit_subject_user_id(self) -> int:
        return self.user_id

    def scope_communes(self):
        """Communes this member belongs to: those their organisation serves and their own."""
        return Commune.objects.filter(
            models.Q(organisations__members=self) | models.Q(members=self)
        ).distinct()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An e-mail invitation to join; only a hash of its token is stored."""

    email = models.EmailField(_("e-mail"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    function = models.CharField(_("function"), max_length=120, blank=True)
    role = models.CharField(_("role"), max_length=40, default="professional")
    communes = models.ManyToManyField(Commune, verbose_name=_("communes of action"), blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return _("Invitation #%(pk)s") % {"pk": self.pk}

    @property
    def status(self) -> StrOrPromise:
        if self.accepted_at:
            return _("Accepted")
        if self.revoked_at:
            return _("Revoked")
        if self.expires_at <= timezone.now():
            return _("Expired")
        return _("Pending")

    @property
    def is_usable(self) -> bool:
        return not self.accepted_at and not self.revoked_at and self.expires_at > timezone.now()


class AuditEntry(models.Model):
    """Who did what to which object, when, from where; never the content (append-only)."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True, editable=False)
    actor_key = models.CharField(_("actor"), max_length=64, blank=True, db_index=True)
    actor_role = models.CharField(_("actor's role"), max_length=60, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_key = models.CharField(_("object"), max_length=64, blank=True, db_index=True)
    origin = models.CharField(_("origin"), max_length=40, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_key}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("The audit log is append-only.")


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """A large import (or its dry run) running in the background; the wizard polls it.

    It holds who asked, which upload, how far it went and the counts, never the file's
    content: the rows stay in the private upload store, deleted within the hour.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", editable=False
    )
    kind = models.CharField(_("kind"), max_length=40)
    token = models.CharField(max_length=40, db_index=True)
    dry_run = models.BooleanField(_("dry run"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    written = models.BooleanField(default=False)
    format = models.CharField(max_length=10, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    unknown_columns = models.JSONField(default=list, blank=True)
    # A file-level or general error (French, for the person who imports); never row content.
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        default_permissions = ()
        constraints = [
            # One check and one import at a time per upload: a double click is refused here.
            models.UniqueConstraint(
                fields=["owner", "token", "dry_run"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_import_job_per_upload",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return 0 if not self.total else min(99, round(100 * self.done / self.total))

    @property
    def general_errors(self) -> list[str]:
        """As `ImportReport.general_errors`, so that the report template shows a job too."""
        return [self.message] if self.message else []


class ErasureLog(models.Model):
    """An erasure to re-apply after restoring a backup taken before it: a key, never a name.

    `key` is an HMAC (server secret) of the erased row's kind, id and a value fixed at its
    creation (network.privacy_services.erasure_key): it finds the row again in a restored
    database, and nothing else.
    """

    subject = models.CharField(_("kind of record"), max_length=100)
    key = models.CharField(_("pseudonymous key"), max_length=64, unique=True, editable=False)
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["erased_at", "pk"]
        verbose_name = _("erasure")
        verbose_name_plural = _("erasure log")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.erased_at:%Y-%m-%d %H:%M} {self.subject}:{self.key[:12]}"


class NotificationKind(models.TextChoices):
    """The kinds of notification a person chooses to receive at once or in the daily digest.

    Every other e-mail (about one's own enrolment, certificate or account) is sent at once.
    """

    ROSTER = "roster", _("Roster changes")
    GAPS = "gaps", _("Meetings lacking facilitators")
    APPROVALS = "approvals", _("Requests to approve")
    REMINDERS = "reminders", _("Reminders")


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately, one e-mail each time")
    DIGEST = "digest", _("Once a day, in a digest")


class NotificationPreference(models.Model):
    """How a person wants one kind of notification; without a row, immediately."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_delivery_display()}"


class PendingNotification(models.Model):
    """A notification waiting for the person's daily digest, already rendered in their language.

    It holds what the e-mail would have said (subject, a few lines, the link where to act),
    never more: e-mails name no child. Once the digest is sent, the text is cleared and the
    row only says that a digest went out that day (network.notifications.send_digests).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", editable=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("notification awaiting the digest")
        verbose_name_plural = _("notifications awaiting the digest")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
