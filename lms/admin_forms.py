"""Forms of the training admin, and the small typed steps that save what a run form holds.

The run form carries more than the model: its dates (turned into sessions by
`services.schedule_run`) and its trainers (assigned through `sessions.services_staff`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from network import permissions, roles
from network.models import Commune, Organisation
from sessions import services_staff
from sessions.exceptions import SessionsError
from sessions.models import Assignment, SessionStatus, StaffRole, Venue

from . import services
from .models import (
    Attendance,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
)

DEFAULT_DURATION_MINUTES = 180
# The fields a run form writes: never the seat count, status or schedule the services keep.
RUN_FORM_FIELDS = [
    "module",
    "code",
    "commune",
    "venue",
    "capacity",
    "min_participants",
    "enrolment_opens",
    "enrolment_closes",
    "cancellation_deadline_days",
    "approval",
    "online_link",
    "offer_hold_hours",
]


def person_label(user) -> str:
    return user.get_full_name() or user.get_username()


def local_label(moment: dt.datetime | None) -> str:
    """A moment the Belgian way, in Brussels time: 13/01/2027 14:00."""
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def parse_session_lines(text: str) -> list[tuple[dt.date, dt.time]]:
    """One session a line, "13/01/2027 09:30"; every bad line is reported at once."""
    found, errors = set(), []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            moment = dt.datetime.strptime(" ".join(line.split()), "%d/%m/%Y %H:%M")
        except ValueError:
            errors.append(
                _("Line %(number)s: write a date and a start time, e.g. 13/01/2027 09:30.")
                % {"number": number}
            )
            continue
        found.add((moment.date(), moment.time()))
    if errors:
        raise forms.ValidationError(errors)
    return sorted(found)


def communes_of(user):
    own = permissions.coordinated_commune_ids(user)
    return Commune.objects.all() if own is None else Commune.objects.filter(pk__in=own)


def trainer_candidates():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.TRAINER.name)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class CourseRunForm(WagtailAdminModelForm):
    """A run with its dates, duration and trainers; choices narrowed to the user's scope."""

    dates_text = forms.CharField(
        label=gettext_lazy("Sessions"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "One session per line: date and start time, e.g. 13/01/2027 09:30 (Brussels time)."
        ),
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Duration of each session (minutes)"),
        min_value=15,
        max_value=12 * 60,
        initial=DEFAULT_DURATION_MINUTES,
    )
    trainers = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Trainers"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Assigned to every coming session of the run. A trainer with a conflict is "
            "reported after saving; assign them from Agenda › Staff assignments."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        run = self.instance
        self.previous_capacity = run.capacity if run.pk else None
        self.fields["trainers"].queryset = trainer_candidates()
        self.fields["trainers"].label_from_instance = person_label
        user = self.for_user
        if user is not None:
            self.fields["commune"].queryset = communes_of(user)
            venues = permissions.visible(user, Venue, "view").filter(is_active=True)
            if run.pk and run.venue_id:
                venues = Venue.objects.filter(Q(pk__in=venues.values("pk")) | Q(pk=run.venue_id))
            self.fields["venue"].queryset = venues
        if run.pk and not self.is_bound:
            series = run.series
            if series is not None:
                self.fields["dates_text"].initial = "\n".join(
                    f"{d.date:%d/%m/%Y} {(d.start_time or series.start_time):%H:%M}"
                    for d in series.dates.order_by("date", "start_time")
                )
                self.fields["duration_minutes"].initial = series.duration_minutes
            self.fields["trainers"].initial = list(services.trainers_of(run))

    def clean_dates_text(self) -> list[tuple[dt.date, dt.time]]:
        dates = parse_session_lines(self.cleaned_data.get("dates_text") or "")
        if not dates:
            raise forms.ValidationError(_("Give at least one session."))
        return dates

    def _post_clean(self):
        # Seats taken may have changed since the form was shown: check capacity against now.
        if self.instance.pk:
            self.instance.seats_taken = (
                CourseRun.objects.filter(pk=self.instance.pk)
                .values_list("seats_taken", flat=True)
                .first()
                or 0
            )
        super()._post_clean()

    def save(self, commit=True):
        run = super().save(commit=False)
        if commit:
            if run._state.adding:
                run.save()
            else:
                # Only what the form edits: the seat count is the services' (under the lock).
                run.save(update_fields=[*RUN_FORM_FIELDS, "updated_at"])
            self._save_m2m()
        return run

    @property
    def capacity_raised(self) -> bool:
        return (
            self.previous_capacity is not None
            and self.cleaned_data.get("capacity", 0) > self.previous_capacity
        )


def schedule_from_form(run: CourseRun, form: CourseRunForm) -> None:
    services.schedule_run(
        run, form.cleaned_data["dates_text"], duration_minutes=form.cleaned_data["duration_minutes"]
    )


def sync_trainers(actor, run: CourseRun, trainers: Iterable, now: dt.datetime | None = None):
    """Assign the trainers to every coming session of the run and unassign those removed.

    Returns the problems met, as sentences: the run itself is saved whatever they are.
    """
    now = now or timezone.now()
    coming = list(
        run.sessions()
        .filter(start__gt=now)
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("start")
    )
    wanted = {person.pk: person for person in trainers}
    problems: list[str] = []
    for assignment in Assignment.objects.filter(
        session__in=coming, role=StaffRole.TRAINER
    ).select_related("person", "session"):
        if assignment.person_id not in wanted:
            try:
                services_staff.unassign(actor, assignment)
            except SessionsError as error:
                problems.append(_error_line(assignment.person, assignment.session, error))
    taken = set(
        Assignment.objects.filter(session__in=coming).values_list("session_id", "person_id")
    )
    for person in wanted.values():
        for session in coming:
            if (session.pk, person.pk) in taken:
                continue
            try:
                services_staff.assign(actor, session, person, StaffRole.TRAINER)
            except SessionsError as error:
                problems.append(_error_line(person, session, error))
    return problems


def _error_line(person, session, error: SessionsError) -> str:
    return _("%(person)s, session of %(when)s: %(error)s") % {
        "person": person_label(person),
        "when": local_label(session.start),
        "error": error.message,
    }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The person reads it in the e-mail they receive."),
    )


class CancelRunForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for cancelling"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Sent to every person enrolled, with a calendar cancellation."),
    )


class EnrolmentFilterForm(forms.Form):
    """The enrolments of one run, narrowed by status, organisation or commune."""

    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All"))] + list(EnrolmentStatus.choices),
    )
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    commune = forms.ModelChoiceField(
        label=gettext_lazy("Commune"),
        queryset=Commune.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("All"),
        help_text=gettext_lazy("Served by the person's organisation."),
    )

    def __init__(self, *args, run: CourseRun, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            members__user__enrolments__run=run
        ).distinct()

    def apply(self, enrolments):
        if not self.is_valid():
            return enrolments
        data = self.cleaned_data
        if data.get("status"):
            enrolments = enrolments.filter(status=data["status"])
        if data.get("organisation"):
            enrolments = enrolments.filter(
                person__member_profile__organisation=data["organisation"]
            )
        if data.get("commune"):
            enrolments = enrolments.filter(
                person__member_profile__organisation__communes=data["commune"]
            ).distinct()
        return enrolments


def hours_attended(enrolments) -> dict[int, object]:
    """Hours attended per enrolment id (sessions cancelled since do not count)."""
    rows = (
        Attendance.objects.filter(
            enrolment__in=enrolments,
            session__status__in=[SessionStatus.PLANNED, SessionStatus.MOVED],
        )
        .values("enrolment_id")
        .annotate(total=Sum("hours"))
    )
    return {row["enrolment_id"]: row["total"] for row in rows}


def export_rows(enrolments: Iterable[Enrolment], hours: dict[int, object]):
    for enrolment in enrolments:
        person = enrolment.person
        profile = getattr(person, "member_profile", None)
        yield (
            person_label(person),
            profile.organisation.name if profile is not None else "",
            person.email,
            enrolment.get_status_display(),
            enrolment.waitlist_position,
            hours.get(enrolment.pk, 0),
            _("yes") if enrolment.status == EnrolmentStatus.COMPLETED else _("no"),
        )


def export_header() -> list[str]:
    return [
        _("Name"),
        _("Organisation"),
        _("E-mail"),
        _("Status"),
        _("Waiting list position"),
        _("Hours attended"),
        _("Completed"),
    ]


def evaluation_summary(evaluations) -> dict:
    """Average of each rating, how many answered, and the comments without who wrote them."""
    from django.db.models import Avg, Count

    names = [name for name, _label in Evaluation.QUESTIONS]
    figures = evaluations.aggregate(count=Count("pk"), **{name: Avg(name) for name in names})
    averages = [
        (label, round(figures[name], 1) if figures[name] is not None else None)
        for name, label in Evaluation.QUESTIONS
    ]
    # Sorted by text, not by date: the order must not tell who wrote what.
    comments = sorted(
        comment.strip()
        for comment in evaluations.exclude(comment="").values_list("comment", flat=True)
        if comment.strip()
    )
    return {"count": figures["count"], "averages": averages, "comments": comments}
