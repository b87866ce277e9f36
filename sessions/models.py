"""Time and place. Series are stored as local wall-clock times with a zone (DESIGN "Time")."""

from __future__ import annotations

import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from recurrence.fields import RecurrenceField

from network.models import Commune

DEFAULT_ZONE = "Europe/Brussels"


def validate_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("“%(zone)s” is not a known time zone.") % {"zone": value}) from None


class Venue(models.Model):
    name = models.CharField(_("name"), max_length=160)
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="venues"
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    accessibility = models.TextField(_("accessibility notes"), blank=True, max_length=1000)
    confidential_address = models.BooleanField(
        _("confidential address"),
        default=False,
        help_text=_(
            "The address is then shown only to the staff assigned there: never in a feed, "
            "an e-mail to participants or a public page."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["commune__name", "name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self) -> str:
        return f"{self.name} ({self.commune})"

    @property
    def public_location(self) -> str:
        """What may leave the building (feeds, invitations): never a confidential address."""
        if self.confidential_address:
            return str(self.commune)
        return ", ".join(part for part in (self.name, self.address, str(self.commune)) if part)


class ClosureKind(models.TextChoices):
    PUBLIC_HOLIDAY = "public", _("Public holiday")
    SCHOOL_HOLIDAY = "school", _("School holidays")
    LOCAL = "local", _("Local closure")


class Closure(models.Model):
    """Days without sessions, with a reason (holidays from the `holidays` package, or local)."""

    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    kind = models.CharField(_("kind"), max_length=10, choices=ClosureKind.choices)
    reason = models.CharField(_("reason"), max_length=200)
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        help_text=_("Empty: everywhere."),
    )
    source = models.CharField(_("source"), max_length=20, default="manual", editable=False)

    class Meta:
        ordering = ["start_date"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="closure_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["kind", "start_date", "reason"],
                condition=models.Q(commune__isnull=True),
                name="closure_unique_everywhere",
            ),
        ]

    def __str__(self) -> str:
        return self.reason

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The last day comes before the first.")})


class Series(models.Model):
    """Recurring sessions (a rule with an end) or a plain list of dates, in local time."""

    class Mode(models.TextChoices):
        RULE = "rule", _("Recurring")
        DATES = "dates", _("List of dates")

    title = models.CharField(_("title"), max_length=200)
    public_title = models.CharField(
        _("title in agendas"),
        max_length=200,
        blank=True,
        help_text=_(
            "What feeds and e-mails show, e.g. “Groupe enfants — Esneux”. Empty: “Session — "
            "<commune>”. Never a participant's name."
        ),
    )
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune in charge"),
        on_delete=models.PROTECT,
        related_name="series",
    )
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("venue"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="series",
    )
    mode = models.CharField(_("kind"), max_length=10, choices=Mode.choices, default=Mode.RULE)
    start_date = models.DateField(_("first date"))
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        default=90,
        validators=[MinValueValidator(5), MaxValueValidator(1440)],
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=DEFAULT_ZONE, validators=[validate_zone]
    )
    rule = RecurrenceField(
        verbose_name=_("recurrence"), include_dtstart=False, blank=True, null=True
    )
    skip_public_holidays = models.BooleanField(_("skip public holidays"), default=True)
    skip_school_holidays = models.BooleanField(_("skip school holidays"), default=False)
    skip_local_closures = models.BooleanField(_("skip local closures"), default=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_date", "title"]
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def agenda_title(self) -> str:
        """What leaves the building: the public title, else "Séance — <commune>", never the
        internal title (it may name someone)."""
        if self.public_title:
            return self.public_title
        return _("Session — %(commune)s") % {"commune": self.commune}

    def clean(self) -> None:
        from .recurrence import rule_problems

        if self.mode == self.Mode.RULE:
            for problem in rule_problems(self.rule):
                raise ValidationError({"rule": problem})


class SeriesDate(models.Model):
    """One date of a series made of a plain list (irregular course runs)."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="dates")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"), null=True, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("date")
        verbose_name_plural = _("dates")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "date", "start_time"], name="series_date_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}"


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CANCELLED = "cancelled", _("Cancelled")
    MOVED = "moved", _("Moved")


class SessionQuerySet(models.QuerySet):
    def upcoming(self, now=None):
        return self.filter(end__gte=now or timezone.now())

    def active(self):
        return self.exclude(status=SessionStatus.CANCELLED)


class Session(models.Model):
    """One dated occurrence, materialised; `original_start` is its key for regeneration."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="sessions")
    original_start = models.DateTimeField(_("original start"))
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("venue"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    sequence = models.PositiveIntegerField(_("revision"), default=0)
    manually_changed = models.BooleanField(_("changed by hand"), default=False)
    off_rule = models.BooleanField(
        _("no longer in the rule"),
        default=False,
        help_text=_("Kept because it has attendance, staff or a manual change."),
    )
    uid = models.CharField(max_length=100, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last modified"), default=timezone.now)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "original_start"], name="session_unique_occurrence"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="session_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start, self.series.zone)
        return f"{self.series.agenda_title} — {local:%d/%m/%Y %H:%M}"

    @staticmethod
    def make_uid(series: Series, original_start) -> str:
        """Stable across moves and splits: derived once, from the series and original start."""
        stamp = original_start.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
        return f"{series.uid}-{stamp}@{settings.MAILLAGE_ICAL_DOMAIN}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class StaffRole(models.TextChoices):
    TRAINER = "trainer", _("Trainer")
    LEAD = "lead", _("Lead facilitator")
    CO = "co", _("Co-facilitator")


class Assignment(models.Model):
    """A person staffing a session; made through the conflict check (services.assign)."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="assignments"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    role = models.CharField(_("role"), max_length=10, choices=StaffRole.choices)
    override_reason = models.CharField(
        _("reason for overriding a warning"), max_length=300, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["session__start"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="assignment_unique_person")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.session}"

    @property
    def audit_subject_user_id(self) -> int:
        return self.person_id


class Availability(models.Model):
    """A weekly window in which a person can staff sessions."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availabilities"
    )
    weekday = models.PositiveSmallIntegerField(
        _("day"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("to"))

    class Meta:
        ordering = ["person", "weekday", "start_time"]
        verbose_name = _("availability")
        verbose_name_plural = _("availabilities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="availability_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def audit_subject_user_id(self) -> int:
        return self.person_id


class Absence(models.Model):
    """Days a person cannot staff; the reason stays theirs (never shown to others)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences"
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    private_reason = models.CharField(_("reason (private)"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["start_date"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="absence_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.start_date:%d/%m/%Y}–{self.end_date:%d/%m/%Y}"

    @property
    def audit_subject_user_id(self) -> int:
        return self.person_id


class FeedSubscription(models.Model):
    """The generation of a person's agenda feed URL; the token is derived, never stored."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="feed_subscription",
    )
    generation = models.PositiveIntegerField(_("generation"), default=0)
    revoked = models.BooleanField(_("revoked"), default=False)
    updated_at = models.DateTimeField(_("last modified"), auto_now=True)

    class Meta:
        verbose_name = _("agenda subscription")
        verbose_name_plural = _("agenda subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id}/{self.generation}"

    @property
    def audit_subject_user_id(self) -> int:
        return self.user_id
