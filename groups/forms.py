"""Forms of the facilitator space: weekly availability, absences and swaps."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sessions.models import Availability

DAY_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
ABSENCE_MAX_DAYS = 366


class TimeField(forms.TimeField):
    """A time typed the Belgian way: 16:30, 16h30 or 16h."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().lower().replace(".", ":")
            if "h" in value:
                hours, _sep, minutes = value.partition("h")
                value = f"{hours}:{minutes or '00'}"
        return super().to_python(value)


def _name(person) -> str:
    return person.get_full_name() or person.get_username()


def _day_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DAY_FORMATS,
        help_text=_("dd/mm/yyyy"),
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"autocomplete": "off", "inputmode": "numeric"}
        ),
        error_messages={
            "required": _("Give a date."),
            "invalid": _("Write the date as dd/mm/yyyy, e.g. 14/03/2027."),
        },
    )


def _time_field(label) -> TimeField:
    return TimeField(
        label=label,
        input_formats=["%H:%M", "%H:%M:%S"],
        help_text=_("hh:mm, 24-hour clock"),
        widget=forms.TimeInput(format="%H:%M", attrs={"autocomplete": "off"}),
        error_messages={
            "required": _("Give a time."),
            "invalid": _("Write the time as hh:mm, e.g. 16:30."),
        },
    )


class DescribedForm(forms.Form):
    """Inputs point to their help text as `hub/includes/field.html` renders it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs.setdefault("aria-describedby", f"{self[name].auto_id}-help")


class AvailabilityForm(DescribedForm):
    """A weekly window; windows of the same day may not overlap."""

    weekday = forms.TypedChoiceField(
        label=_("Day"),
        coerce=int,
        choices=Availability._meta.get_field("weekday").choices,
        error_messages={"required": _("Choose a day.")},
    )
    start_time = _time_field(pgettext_lazy("time of day", "From"))
    end_time = _time_field(pgettext_lazy("time of day", "Until"))

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean(self):
        data = super().clean()
        start, end, weekday = data.get("start_time"), data.get("end_time"), data.get("weekday")
        if start is None or end is None or weekday is None:
            return data
        if end <= start:
            self.add_error("end_time", _("The end comes before the start."))
            return data
        overlapping = Availability.objects.filter(
            person=self.person, weekday=weekday, start_time__lt=end, end_time__gt=start
        ).first()
        if overlapping is not None:
            raise forms.ValidationError(
                _("This window overlaps one you already gave (%(window)s): remove it first.")
                % {"window": f"{overlapping.start_time:%H:%M}–{overlapping.end_time:%H:%M}"}
            )
        return data


class AbsenceForm(DescribedForm):
    first_day = _day_field(_("First day"))
    last_day = _day_field(_("Last day"))
    reason = forms.CharField(
        label=_("Reason (optional, private)"),
        required=False,
        max_length=200,
        help_text=_("Only you see it; the coordination is told the dates, never the reason."),
        error_messages={"max_length": _("At most %(limit_value)d characters.")},
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first is None or last is None:
            return data
        if last < first:
            self.add_error("last_day", _("The last day comes before the first day."))
        elif first < timezone.localdate():
            self.add_error("first_day", _("An absence starts today at the earliest."))
        elif (last - first) > dt.timedelta(days=ABSENCE_MAX_DAYS):
            self.add_error("last_day", _("An absence lasts one year at most."))
        return data


class SwapForm(DescribedForm):
    """Choose a colleague, and optionally one of their meetings to take in exchange.

    `colleagues` is a list of users; `seats` the colleagues' seats (assignments) at upcoming
    group meetings, offered by colleague and date: a meeting two colleagues share is offered
    once per colleague."""

    colleague = forms.TypedChoiceField(
        label=_("Colleague"),
        coerce=int,
        error_messages={
            "required": _("Choose a colleague."),
            "invalid_choice": _("Choose a colleague from the list."),
        },
    )
    counterpart = forms.TypedChoiceField(
        label=_("Their meeting you would take in exchange (optional)"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose a meeting from the list.")},
    )
    note = forms.CharField(
        label=_("Note for your colleague and the coordination (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Never a child's name."),
        error_messages={"max_length": _("At most %(limit_value)d characters.")},
    )

    def __init__(self, *args, colleagues=(), seats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.colleagues = {person.pk: person for person in colleagues}
        self.seats = {seat.pk: seat for seat in seats if seat.person_id in self.colleagues}
        self.fields["colleague"].choices = [
            ("", _("— choose —")),
            *((person.pk, _name(person)) for person in colleagues),
        ]
        grouped: dict[int, list] = {}
        for seat in self.seats.values():
            grouped.setdefault(seat.person_id, []).append(
                (seat.pk, self.meeting_label(seat.session))
            )
        self.fields["counterpart"].choices = [
            ("", _("None: I only give my seat")),
            *(
                (_name(person), grouped[pk])
                for pk, person in self.colleagues.items()
                if pk in grouped
            ),
        ]

    @staticmethod
    def meeting_label(session) -> str:
        local = timezone.localtime(session.start, session.series.zone)
        return f"{local:%d/%m/%Y %H:%M} — {session.series.agenda_title}"

    def clean(self):
        data = super().clean()
        colleague, counterpart = data.get("colleague"), data.get("counterpart")
        if colleague is None:
            return data
        data["colleague_user"] = self.colleagues[colleague]
        data["counterpart_session"] = None
        if counterpart is not None:
            seat = self.seats[counterpart]
            if seat.person_id != colleague:
                self.add_error(
                    "counterpart", _("This meeting is not one of the colleague you chose.")
                )
            else:
                data["counterpart_session"] = seat.session
        return data
