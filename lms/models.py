"""Training: catalogue, paths and modules (Wagtail pages), course runs, enrolments, attendance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from network.models import Commune
from sessions.models import Series, Session, Venue

from .blocks import ModuleBodyBlock


class Audience(models.Model):
    """A public a module is meant for (police, social workers, teachers...)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self) -> str:
        return self.name


class Format(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    BLENDED = "blended", _("Blended")


class TrainingCatalogPage(Page):
    """The catalogue at /formations/: modules and paths, filtered and searched."""

    intro = RichTextField(_("introduction"), features=["bold", "italic", "link"], blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    subpage_types = ["maillage_lms.ModulePage", "maillage_lms.TrainingPathPage"]
    max_count = 1
    template = "lms/catalog_page.html"

    class Meta:
        verbose_name = _("training catalogue")
        verbose_name_plural = _("training catalogues")

    def get_context(self, request, *args, **kwargs):
        from .catalog import catalog_context

        context = super().get_context(request, *args, **kwargs)
        context.update(catalog_context(self, request))
        return context


class ModulePage(Page):
    """A training module: what it teaches, to whom, and its dated runs."""

    code = models.CharField(
        _("code"), max_length=30, unique=True, help_text=_("Short and stable, e.g. PR-VEP.")
    )
    provider = models.CharField(
        _("provider"),
        max_length=160,
        blank=True,
        help_text=_("Who gives it, e.g. the Pôle Ressources of the Walloon network."),
    )
    summary = models.TextField(_("summary"), max_length=600, blank=True)
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("6.0"),
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    format = models.CharField(
        _("format"), max_length=12, choices=Format.choices, default=Format.IN_PERSON
    )
    learning_outcomes = models.TextField(
        _("learning outcomes"), blank=True, help_text=_("One per line.")
    )
    audiences = ParentalManyToManyField(
        Audience, verbose_name=_("target audiences"), blank=True, related_name="modules"
    )
    prerequisites = ParentalManyToManyField(
        "self",
        verbose_name=_("prerequisites"),
        symmetrical=False,
        blank=True,
        related_name="required_by",
        help_text=_("Modules a person must have completed before enrolling."),
    )
    completion_threshold = models.PositiveSmallIntegerField(
        _("attendance needed to complete (%)"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Share of the run's hours a person must attend, e.g. 80."),
    )
    body = StreamField(ModuleBodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("code"), FieldPanel("format"), FieldPanel("hours")]),
        FieldPanel("provider"),
        FieldPanel("summary"),
        FieldPanel("learning_outcomes"),
        FieldPanel("audiences", widget=forms.CheckboxSelectMultiple),
        FieldPanel("prerequisites"),
        FieldPanel("completion_threshold"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("code"),
        index.SearchField("provider"),
        index.SearchField("summary"),
        index.SearchField("learning_outcomes"),
        index.SearchField("body"),
        index.FilterField("format"),
    ]
    parent_page_types = ["maillage_lms.TrainingCatalogPage"]
    subpage_types: list[str] = []
    template = "lms/module_page.html"

    class Meta:
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")

    @property
    def outcome_list(self) -> list[str]:
        return [line.strip(" -•\t") for line in self.learning_outcomes.splitlines() if line.strip()]

    def get_context(self, request, *args, **kwargs):
        from .catalog import module_context

        context = super().get_context(request, *args, **kwargs)
        context.update(module_context(self, request))
        return context


class TrainingPathPage(Page):
    """An ordered list of modules, required or elective, and its completion rule."""

    intro = models.TextField(_("introduction"), max_length=800, blank=True)
    body = StreamField(ModuleBodyBlock(), verbose_name=_("body"), blank=True)
    electives_required = models.PositiveSmallIntegerField(
        _("electives to complete"),
        default=0,
        help_text=_("The path is complete with every required module plus this many electives."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        InlinePanel("path_modules", label=_("modules"), min_num=1),
        FieldPanel("electives_required"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["maillage_lms.TrainingCatalogPage"]
    subpage_types: list[str] = []
    template = "lms/path_page.html"

    class Meta:
        verbose_name = _("training path")
        verbose_name_plural = _("training paths")

    def clean(self) -> None:
        super().clean()
        electives = [pm for pm in self.path_modules.all() if not pm.required]
        if self.electives_required > len(electives):
            raise ValidationError(
                {
                    "electives_required": _("The path has only %(count)s elective modules.")
                    % {"count": len(electives)}
                }
            )

    def get_context(self, request, *args, **kwargs):
        from .catalog import path_context

        context = super().get_context(request, *args, **kwargs)
        context.update(path_context(self, request))
        return context


class PathModule(Orderable):
    path = ParentalKey(TrainingPathPage, on_delete=models.CASCADE, related_name="path_modules")
    module = models.ForeignKey(
        ModulePage, verbose_name=_("module"), on_delete=models.CASCADE, related_name="+"
    )
    required = models.BooleanField(_("required"), default=True)

    panels = [FieldPanel("module"), FieldPanel("required")]

    class Meta(Orderable.Meta):
        verbose_name = _("module of a path")
        verbose_name_plural = _("modules of a path")
        constraints = [
            models.UniqueConstraint(fields=["path", "module"], name="path_module_unique")
        ]

    def __str__(self) -> str:
        return str(self.module)


class Approval(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic")
    REFERENT = "referent", _("By the person's organisation referent")
    COORDINATOR = "coordinator", _("By a coordinator")


class RunStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CANCELLED = "cancelled", _("Cancelled")


class CourseRunQuerySet(models.QuerySet):
    def planned(self):
        return self.filter(status=RunStatus.PLANNED)

    def upcoming(self, now: dt.datetime | None = None):
        """Planned runs whose first session has not started yet."""
        return self.planned().filter(starts_at__gt=now or timezone.now())


class CourseRun(models.Model):
    """A dated offering of a module: its sessions (a series), seats, window and approval."""

    module = models.ForeignKey(
        ModulePage, verbose_name=_("module"), on_delete=models.PROTECT, related_name="runs"
    )
    code = models.CharField(
        _("code"), max_length=40, unique=True, help_text=_("e.g. PR-VEP-2027-01")
    )
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune in charge"), on_delete=models.PROTECT, related_name="+"
    )
    series = models.OneToOneField(
        Series,
        verbose_name=_("sessions"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="course_run",
    )
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("venue"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    capacity = models.PositiveIntegerField(_("seats"), validators=[MinValueValidator(1)])
    min_participants = models.PositiveIntegerField(_("minimum participants"), default=0)
    # Seats held by confirmed, offered and finished enrolments: kept by services under the run's
    # lock and bounded by a constraint, so the database itself refuses an overbooking.
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    enrolment_opens = models.DateTimeField(_("enrolment opens"), null=True, blank=True)
    enrolment_closes = models.DateTimeField(
        _("enrolment closes"), null=True, blank=True, help_text=_("Empty: at the first session.")
    )
    cancellation_deadline_days = models.PositiveSmallIntegerField(
        _("cancellation possible until (days before)"), default=2
    )
    approval = models.CharField(
        _("approval"), max_length=12, choices=Approval.choices, default=Approval.AUTOMATIC
    )
    audience_communes = models.ManyToManyField(
        Commune,
        verbose_name=_("reserved for organisations of"),
        blank=True,
        related_name="+",
        help_text=_("Empty: open to every member of the network."),
    )
    online_link = models.URLField(
        _("online link"), blank=True, help_text=_("Shown to enrolled people only.")
    )
    offer_hold_hours = models.PositiveSmallIntegerField(
        _("a freed seat is held for (hours)"), default=48, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.PLANNED
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    # Denormalised from the series for listings: the first and last session (kept by services).
    starts_at = models.DateTimeField(_("first session"), null=True, blank=True, editable=False)
    ends_at = models.DateTimeField(_("last session ends"), null=True, blank=True, editable=False)
    interest_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CourseRunQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "code"]
        verbose_name = _("course run")
        verbose_name_plural = _("course runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")), name="run_seats_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(min_participants__lte=F("capacity")), name="run_minimum_within_capacity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.module.title}"

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_cancelled(self) -> bool:
        return self.status == RunStatus.CANCELLED

    def closes_at(self) -> dt.datetime | None:
        return self.enrolment_closes or self.starts_at

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.is_cancelled:
            return False
        if self.enrolment_opens and now < self.enrolment_opens:
            return False
        closes = self.closes_at()
        return closes is None or now < closes

    def cancellation_deadline(self) -> dt.datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at - dt.timedelta(days=self.cancellation_deadline_days)

    def clean(self) -> None:
        if (
            self.enrolment_opens
            and self.enrolment_closes
            and self.enrolment_closes <= self.enrolment_opens
        ):
            raise ValidationError({"enrolment_closes": _("Enrolment must close after it opens.")})
        if self.capacity and self.min_participants > self.capacity:
            raise ValidationError(
                {"min_participants": _("The minimum cannot exceed the number of seats.")}
            )
        if self.capacity is not None and self.capacity < self.seats_taken:
            raise ValidationError(
                {
                    "capacity": _(
                        "%(taken)s seats are already taken: the run cannot have fewer seats."
                    )
                    % {"taken": self.seats_taken}
                }
            )

    def sessions(self):
        if self.series_id is None:
            return Session.objects.none()
        return Session.objects.filter(series_id=self.series_id)


class EnrolmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting approval")
    REJECTED = "rejected", _("Refused")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    OFFERED = "offered", _("Seat offered")
    EXPIRED = "expired", _("Offer expired")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")
    NOT_COMPLETED = "not_completed", _("Not completed")


# Statuses that hold one of the run's seats (a finished enrolment keeps it: the run happened).
SEAT_HOLDING = (
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.OFFERED,
    EnrolmentStatus.COMPLETED,
    EnrolmentStatus.NOT_COMPLETED,
)
# Statuses that make a person "in" the run (a second enrolment would be a duplicate).
ACTIVE = (*SEAT_HOLDING, EnrolmentStatus.REQUESTED, EnrolmentStatus.WAITLISTED)
PENDING = (
    EnrolmentStatus.REQUESTED,
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.OFFERED,
)


class EnrolmentQuerySet(models.QuerySet):
    def holding_seat(self):
        return self.filter(status__in=SEAT_HOLDING)

    def active(self):
        return self.filter(status__in=ACTIVE)


class Enrolment(models.Model):
    """A person in a course run; its status changes only through lms.services."""

    run = models.ForeignKey(
        CourseRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="enrolments"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    status = models.CharField(
        _("status"), max_length=14, choices=EnrolmentStatus.choices, db_index=True
    )
    waitlist_position = models.PositiveIntegerField(_("position"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    requested_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
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
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["run", "status", "waitlist_position", "requested_at"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["run", "person"], name="enrolment_unique_person"),
            models.CheckConstraint(
                condition=Q(status="waitlisted", waitlist_position__isnull=False)
                | (~Q(status="waitlisted") & Q(waitlist_position__isnull=True)),
                name="enrolment_position_iff_waitlisted",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="enrolment_offer_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run.code} — {self.get_status_display()}"

    @property
    def audit_subject_user_id(self) -> int:
        return self.person_id

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_HOLDING

    def offer_is_live(self, now: dt.datetime | None = None) -> bool:
        return (
            self.status == EnrolmentStatus.OFFERED
            and self.offer_expires_at is not None
            and self.offer_expires_at > (now or timezone.now())
        )


class Interest(models.Model):
    """ "Me prévenir": a person told when a run of a module opens."""

    module = models.ForeignKey(
        ModulePage, verbose_name=_("module"), on_delete=models.CASCADE, related_name="interests"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="training_interests",
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    notified_at = models.DateTimeField(_("told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("interest")
        verbose_name_plural = _("interest list")
        constraints = [
            models.UniqueConstraint(fields=["module", "person"], name="interest_unique_person")
        ]

    def __str__(self) -> str:
        return str(self.module)

    @property
    def audit_subject_user_id(self) -> int:
        return self.person_id


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    PARTIAL = "partial", _("Partly present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class Attendance(models.Model):
    """Whether a person attended one session of their run, and for how many hours."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="attendance"
    )
    # PROTECT: regenerating a series never deletes a session that has attendance.
    session = models.ForeignKey(
        Session,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="training_attendance",
    )
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices)
    hours = models.DecimalField(
        _("hours attended"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "session"], name="attendance_unique_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} — {self.get_status_display()}"

    @property
    def audit_subject_user_id(self) -> int:
        return self.enrolment.person_id


class PathCompletion(models.Model):
    """A person completed a path (recorded once, so its signal fires once)."""

    path = models.ForeignKey(
        TrainingPathPage, verbose_name=_("path"), on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="path_completions",
    )
    completed_at = models.DateTimeField(_("completed at"), default=timezone.now)

    class Meta:
        verbose_name = _("completed path")
        verbose_name_plural = _("completed paths")
        constraints = [
            models.UniqueConstraint(fields=["path", "person"], name="path_completion_unique")
        ]

    def __str__(self) -> str:
        return str(self.path)

    @property
    def audit_subject_user_id(self) -> int:
        return self.person_id


RATING = [MinValueValidator(1), MaxValueValidator(5)]


class Evaluation(models.Model):
    """The short evaluation a person fills in after completing a run (ratings from 1 to 5)."""

    QUESTIONS = (
        ("relevance", _("The content was useful for my practice")),
        ("clarity", _("The content was clear and well organised")),
        ("trainers", _("The trainers helped me learn")),
        ("organisation", _("The practical organisation was good")),
    )

    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="evaluation"
    )
    relevance = models.PositiveSmallIntegerField(QUESTIONS[0][1], validators=RATING)
    clarity = models.PositiveSmallIntegerField(QUESTIONS[1][1], validators=RATING)
    trainers = models.PositiveSmallIntegerField(QUESTIONS[2][1], validators=RATING)
    organisation = models.PositiveSmallIntegerField(QUESTIONS[3][1], validators=RATING)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.CheckConstraint(
                condition=Q(relevance__range=(1, 5))
                & Q(clarity__range=(1, 5))
                & Q(trainers__range=(1, 5))
                & Q(organisation__range=(1, 5)),
                name="evaluation_ratings_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return str(self.enrolment.run)

    @property
    def audit_subject_user_id(self) -> int:
        return self.enrolment.person_id
