"""Support groups for children and adolescents: programmes, cycles, pseudonymous participants,
guardians' consent, safety instructions, memberships and meeting attendance.

A child has no account and is known by a generated code: `str()` of a participant is that code,
so logs, revisions, choosers and exports never show a name (DESIGN, "Privacy by design"). Data
about a child is minimal and bounded: no address, no narrative of what happened.
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Unambiguous letters and digits for codes read aloud on the phone (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def participant_code() -> str:
    """E.g. "P-7KQ3-M9XT": 40 bits of randomness, easy to read aloud."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"P-{raw[:4]}-{raw[4:]}"


TELLS_WHEN = re.compile(
    r"\b(lundis?|mardis?|mercredis?|jeudis?|vendredis?|samedis?|dimanches?"
    r"|mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?)\b"
    r"|\b([01]?\d|2[0-3]) ?(h|:) ?[0-5]\d\b|\b([01]?\d|2[0-3]) ?h\b",
    re.IGNORECASE,
)


class Audience(models.TextChoices):
    CHILDREN = "children", _("Children")
    ADOLESCENTS = "adolescents", _("Adolescents")
    PARENTS = "parents", _("Parents")


class Programme(models.Model):
    """The methodology of a support group: for whom, how many, run by whom."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices)
    age_min = models.PositiveSmallIntegerField(
        _("minimum age"), validators=[MaxValueValidator(99)], null=True, blank=True
    )
    age_max = models.PositiveSmallIntegerField(
        _("maximum age"), validators=[MaxValueValidator(99)], null=True, blank=True
    )
    min_size = models.PositiveSmallIntegerField(_("minimum participants"), default=4)
    max_size = models.PositiveSmallIntegerField(
        _("maximum participants"), default=8, validators=[MinValueValidator(1)]
    )
    facilitators_per_meeting = models.PositiveSmallIntegerField(
        _("facilitators per meeting"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    lead_required = models.BooleanField(_("a lead facilitator at every meeting"), default=False)
    required_modules = models.ManyToManyField(
        "maillage_lms.ModulePage",
        verbose_name=_("required training modules"),
        blank=True,
        related_name="+",
        help_text=_("A facilitator must hold a valid certificate for each on the meeting's day."),
    )
    public_description = models.TextField(_("public description"), max_length=2000, blank=True)
    contact = models.CharField(
        _("whom to contact to refer a child"),
        max_length=300,
        blank=True,
        help_text=_("Shown publicly: a service and its phone or e-mail, never a venue or time."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__isnull=True)
                | Q(age_max__isnull=True)
                | Q(age_min__lte=F("age_max")),
                name="programme_age_range",
                violation_error_message=_("The minimum age is above the maximum age."),
            ),
            models.CheckConstraint(
                condition=Q(min_size__lte=F("max_size")),
                name="programme_size_range",
                violation_error_message=_("The minimum size is above the maximum size."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The public page must never tell where and when children can be found (its name
        # heads the page and its title).
        for field in ("name", "public_description", "contact"):
            found = TELLS_WHEN.search(getattr(self, field) or "")
            if found:
                raise ValidationError(
                    {
                        field: _(
                            "Shown publicly: no day of the week or time (found “%(text)s”); "
                            "say the month or the period instead."
                        )
                        % {"text": found.group(0)}
                    }
                )


class CycleStatus(models.TextChoices):
    PLANNING = "planning", _("Planning")
    OPEN = "open", _("Open for referrals")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")


class Cycle(models.Model):
    """A programme run in a commune and venue over a series of meetings."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="cycles"
    )
    name = models.CharField(
        _("name"), max_length=160, help_text=_("E.g. “Groupe 6–11 ans, Esneux — printemps 2027”.")
    )
    commune = models.ForeignKey(
        "maillage_network.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="support_cycles",
    )
    venue = models.ForeignKey(
        "maillage_sessions.Venue",
        verbose_name=_("venue"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    series = models.OneToOneField(
        "maillage_sessions.Series",
        verbose_name=_("meetings"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_cycle",
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinator in charge"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CycleStatus.choices, default=CycleStatus.PLANNING
    )
    intake_opens = models.DateField(_("referrals from"), null=True, blank=True)
    intake_closes = models.DateField(_("referrals until"), null=True, blank=True)
    monthly_max = models.PositiveSmallIntegerField(
        _("meetings per facilitator and month (at most)"),
        default=4,
        validators=[MinValueValidator(1)],
    )
    keep_pairs = models.BooleanField(
        _("keep the same facilitators throughout"),
        default=True,
        help_text=_("Continuity matters to the children: the proposal prefers the same pair."),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(intake_opens__isnull=True)
                | Q(intake_closes__isnull=True)
                | Q(intake_opens__lte=F("intake_closes")),
                name="cycle_intake_period",
                violation_error_message=_("Referrals close before they open."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The facilitators' look-back period (groups.rules) runs from `closed_at`: a cycle
        # closed without it would hide its children from them at once.
        closed = self.status == CycleStatus.CLOSED
        if closed != (self.closed_at is not None):
            self.closed_at = timezone.now() if closed else None
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "closed_at"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.venue is not None and self.commune_id and self.venue.commune_id != self.commune_id:
            raise ValidationError({"venue": _("The venue is not in the cycle's commune.")})


class ReferralSource(models.TextChoices):
    POLICE = "police", _("Police victim assistance")
    CPAS = "cpas", _("CPAS")
    SCHOOL = "school", _("School")
    PMS = "pms", _("PMS centre")
    ONE = "one", _("ONE")
    SOS_ENFANTS = "sos_enfants", _("SOS-Enfants")
    SAJ_SPJ = "saj_spj", _("SAJ / SPJ")
    PARENT = "parent", _("Parent")


class Participant(models.Model):
    """A child or adolescent, pseudonymous: its code is what every screen and log shows."""

    code = models.CharField(
        _("code"), max_length=12, unique=True, default=participant_code, editable=False
    )
    alias = models.CharField(
        _("first name or alias"),
        max_length=40,
        help_text=_("Only what the facilitators need to call the child; an alias is fine."),
    )
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    referral_source = models.CharField(
        _("referred by"), max_length=12, choices=ReferralSource.choices
    )
    practical_needs = models.CharField(
        _("practical needs"),
        max_length=300,
        blank=True,
        help_text=_("Short: allergies, accessibility. No account of what happened."),
    )
    commune = models.ForeignKey(
        "maillage_network.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Whose coordinator manages the record."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Guardian(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    BOTH = "both", _("Both parents")
    LEGAL = "legal", _("Legal guardian")
    SERVICE = "service", _("Placing service (SAJ/SPJ)")


class ConsentScope(models.TextChoices):
    PARTICIPATION = "participation", _("Taking part in the group")
    PARTICIPATION_CONTACT = "participation_contact", _("Taking part, and being contacted")


class Consent(models.Model):
    """A guardian's consent to the child's participation."""

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    guardian = models.CharField(_("given by"), max_length=10, choices=Guardian.choices)
    given_on = models.DateField(_("given on"))
    scope = models.CharField(_("scope"), max_length=24, choices=ConsentScope.choices)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawn_after_given",
                violation_error_message=_("The consent is withdrawn before it was given."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant} — {self.get_guardian_display()}"


class SafetyKind(models.TextChoices):
    AUTHORISED_PICKUP = "pickup", _("May pick the child up")
    NEVER_HAND_OVER = "never_hand_over", _("Never hand the child over to")
    NEVER_CONTACT = "never_contact", _("Never contact")


class SafetyInstruction(models.Model):
    """Who may pick the child up, and who must never get the child or be contacted: shown
    prominently to the cycle's facilitators on every attendance sheet."""

    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="safety_instructions",
    )
    kind = models.CharField(_("instruction"), max_length=16, choices=SafetyKind.choices)
    who = models.CharField(
        _("who"), max_length=80, help_text=_("E.g. “the maternal grandmother”, “the father”.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("safety instruction")
        verbose_name_plural = _("safety instructions")
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return f"{self.participant} — {self.get_kind_display()}"

    @property
    def is_alert(self) -> bool:
        return self.kind != SafetyKind.AUTHORISED_PICKUP


class MembershipStatus(models.TextChoices):
    REFERRED = "referred", _("Referred")
    INTAKE_DONE = "intake_done", _("Intake interview done")
    ADMITTED = "admitted", _("Admitted")
    LEFT = "left", _("Left early")


class LeftReason(models.TextChoices):
    MOVED = "moved", _("Moved away")
    FAMILY = "family", _("Family's decision")
    CHILD = "child", _("The child's wish")
    REFERRED_ELSEWHERE = "elsewhere", _("Referred to another service")
    OTHER = "other", _("Other")


class Membership(models.Model):
    """A participant's place in a cycle."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="memberships"
    )
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=MembershipStatus.choices,
        default=MembershipStatus.REFERRED,
    )
    referred_on = models.DateField(_("referred on"), default=timezone.localdate)
    intake_on = models.DateField(_("intake interview on"), null=True, blank=True)
    admitted_on = models.DateField(_("admitted on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(
        _("reason for leaving"), max_length=10, choices=LeftReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "participant"], name="one_membership_per_cycle"
            ),
            models.CheckConstraint(
                condition=~Q(status="left") | Q(left_on__isnull=False),
                name="membership_left_has_date",
                violation_error_message=_("Say when the participant left."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} — {self.cycle}"


class MeetingAttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class MeetingAttendance(models.Model):
    """Whether a participant came to a meeting; the meeting is protected from deletion."""

    membership = models.ForeignKey(
        Membership,
        verbose_name=_("membership"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    session = models.ForeignKey(
        "maillage_sessions.Session",
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        related_name="group_attendance",
    )
    status = models.CharField(
        _("attendance"), max_length=8, choices=MeetingAttendanceStatus.choices
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("meeting attendance")
        verbose_name_plural = _("meeting attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "session"], name="one_attendance_per_meeting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership.participant} — {self.get_status_display()}"

    def clean(self) -> None:
        # Attendance at another cycle's meeting would show the child to its facilitators.
        if (
            self.membership_id
            and self.session_id
            and self.session.series_id != self.membership.cycle.series_id
        ):
            raise ValidationError(
                {"session": _("This meeting is not one of the participant's cycle.")}
            )


class SwapStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Swap(models.Model):
    """A facilitator asks a colleague to take their seat at a meeting (and, in exchange, may
    take one of the colleague's); the coordinator approves, qualification and conflicts are
    checked again then."""

    session = models.ForeignKey(
        "maillage_sessions.Session",
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        related_name="swaps",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("colleague"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    counterpart = models.ForeignKey(
        "maillage_sessions.Session",
        verbose_name=_("meeting taken in exchange"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SwapStatus.choices, default=SwapStatus.PROPOSED
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("swap")
        verbose_name_plural = _("swaps")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "requester"],
                condition=Q(status="proposed"),
                name="one_open_swap_per_seat",
                violation_error_message=_("A swap of this meeting is already awaiting approval."),
            ),
            models.CheckConstraint(
                condition=~Q(requester=F("colleague")),
                name="swap_with_someone_else",
                violation_error_message=_("Choose a colleague other than yourself."),
            ),
        ]

    def __str__(self) -> str:
        return _("Swap of %(meeting)s") % {"meeting": self.session}
