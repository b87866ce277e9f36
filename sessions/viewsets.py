"""Wagtail admin screens of the agenda: venues, series, sessions, closures, staff.

Every screen subclasses network's ScopedModelViewSet: a commune coordinator reaches only the
objects of their communes, whatever the URL. Writes that span models go through services.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import dateformat
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from recurrence.forms import RecurrenceWidget
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from network import audit, exports, permissions, roles
from network.admin_views import (
    ScopedDeleteView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
)
from network.admin_views import ScopedEditView as NetworkScopedEditView
from network.export_views import export_buttons, listing_queryset
from network.import_views import import_buttons
from network.models import Commune

from . import closures_import, conflicts, services, services_staff
from . import exports as agenda_exports
from .exceptions import SessionsError
from .models import (
    Absence,
    Assignment,
    Availability,
    Closure,
    ClosureKind,
    Series,
    SeriesDate,
    Session,
    SessionStatus,
    StaffRole,
    Venue,
)
from .recurrence import localise
from .summary import summarise

# --- scope helpers -----------------------------------------------------------------------


def _communes(user):
    own = permissions.coordinated_commune_ids(user)
    return Commune.objects.all() if own is None else Commune.objects.filter(pk__in=own)


def _people(user):
    """People whose planning `user` manages: everyone for the network, else their communes'."""
    people = get_user_model().objects.filter(is_active=True)
    own = permissions.coordinated_commune_ids(user)
    if own is None:
        return people.order_by("last_name", "first_name", "username")
    return (
        people.filter(member_profile__communes__in=own)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _staff_candidates(user):
    """Who may be assigned: trainers and facilitators of the network, and people in scope."""
    staff_roles = [roles.TRAINER.name, roles.FACILITATOR.name]
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=staff_roles) | Q(pk__in=_people(user).values("pk")))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _person_label(user) -> str:
    return user.get_full_name() or user.get_username()


def _local_label(moment: dt.datetime, zone) -> str:
    return dateformat.format(moment.astimezone(zone), "l d/m/Y H:i")


class ScopedEditView(NetworkScopedEditView):
    """The edit view, whose instance stays in scope after the change (no moving it away)."""

    def save_instance(self):
        instance = super().save_instance()
        if not permissions.can(self.request.user, "change", instance):
            raise PermissionDenied
        return instance


class ScopedCreateView:
    """Mixin for create views: the new object must be in the user's scope."""

    def save_instance(self):
        instance = super().save_instance()
        if not permissions.can(self.request.user, "change", instance):
            raise PermissionDenied
        return instance


class ScopedForm(WagtailAdminModelForm):
    """Choices of commune, venue and person narrowed to the user's scope."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is None:
            return
        if "commune" in self.fields:
            self.fields["commune"].queryset = _communes(user)
        if "venue" in self.fields:
            venues = permissions.visible(user, Venue, "view").filter(is_active=True)
            if self.instance.pk and getattr(self.instance, "venue_id", None):
                venues = Venue.objects.filter(
                    Q(pk__in=venues.values("pk")) | Q(pk=self.instance.venue_id)
                )
            self.fields["venue"].queryset = venues
        if "person" in self.fields:
            self.fields["person"].queryset = _people(user)
            self.fields["person"].label_from_instance = _person_label


# --- venues ------------------------------------------------------------------------------


class VenueCreateView(ScopedCreateView, generic.CreateView):
    pass


class VenueViewSet(ScopedModelViewSet):
    model = Venue
    icon = "site"
    menu_label = gettext_lazy("Venues")
    url_prefix = "agenda/lieux"
    url_namespace = "sessions_venues"
    add_view_class = VenueCreateView
    edit_view_class = ScopedEditView
    search_fields = ["name", "address"]
    search_backend_name = None
    list_filter = ["commune", "is_active"]
    list_display = ["name", "commune", "capacity", "confidential_address", "is_active"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("commune"),
            FieldPanel("address"),
            FieldPanel("confidential_address"),
            FieldPanel("capacity"),
            FieldPanel("accessibility"),
            FieldPanel("is_active"),
        ],
        base_form_class=ScopedForm,
    )


# --- series ------------------------------------------------------------------------------


class AdminRecurrenceWidget(RecurrenceWidget):
    """django-recurrence's widget on Wagtail's own jQuery (django.contrib.admin is absent)."""

    @property
    def media(self):
        return forms.Media(
            js=[
                "sessions/js/recurrence-shim.js",
                "recurrence/js/recurrence.js",
                "recurrence/js/recurrence-widget.js",
                "recurrence/js/recurrence-widget.init.js",
            ],
            css={"all": ["recurrence/css/recurrence.css"]},
        )


def _parse_dates(text: str) -> list[tuple[dt.date, dt.time | None]]:
    found, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = line.split()
        try:
            day = dt.datetime.strptime(parts[0], "%d/%m/%Y").date()
            time = dt.datetime.strptime(parts[1], "%H:%M").time() if len(parts) > 1 else None
            if len(parts) > 2:
                raise ValueError
        except ValueError:
            errors.append(
                _("Line %(number)s: write a date as 13/01/2027, optionally followed by 14:00.")
                % {"number": number}
            )
            continue
        found.append((day, time))
    if errors:
        raise forms.ValidationError(errors)
    return sorted(set(found), key=lambda item: (item[0], item[1] or dt.time.min))


class SeriesForm(ScopedForm):
    dates_text = forms.CharField(
        label=gettext_lazy("Dates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "For a list of dates only: one per line, e.g. 13/01/2027, or 13/01/2027 09:30 "
            "when the start time differs."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["dates_text"].initial = "\n".join(
                f"{d.date:%d/%m/%Y}" + (f" {d.start_time:%H:%M}" if d.start_time else "")
                for d in self.instance.dates.all()
            )

    def clean_dates_text(self):
        return _parse_dates(self.cleaned_data.get("dates_text") or "")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mode") == Series.Mode.DATES and not cleaned.get("dates_text"):
            self.add_error("dates_text", _("Give at least one date."))
        return cleaned

    def save_dates(self, series: Series) -> None:
        if series.mode != Series.Mode.DATES:
            return
        wanted = self.cleaned_data.get("dates_text") or []
        series.dates.all().delete()
        SeriesDate.objects.bulk_create(
            SeriesDate(series=series, date=day, start_time=time) for day, time in wanted
        )


def _dates_for_display(summary, zone) -> list[str]:
    return [_local_label(start, zone) for start in summary.dates]


class SeriesFormViewMixin:
    """Preview (state the rule in words, list its dates) without saving; save regenerates."""

    preview_summary = None

    def form_valid(self, form):
        if self.request.POST.get("action-preview"):
            self.form = form
            self.preview_summary = summarise(form.instance)
            return self.render_to_response(self.get_context_data(form=form))
        return super().form_valid(form)

    def save_instance(self):
        instance = super().save_instance()
        if not permissions.can(self.request.user, "change", instance):
            raise PermissionDenied
        self.form.save_dates(instance)
        self.regeneration = services.regenerate(instance)
        return instance

    def get_success_url(self):
        return reverse("sessions_series:edit", args=[self.object.pk])

    def get_success_message(self, *args):
        summary = summarise(self.object)
        result = self.regeneration
        return _(
            "Series “%(title)s” saved: %(summary)s. Sessions created: %(created)s, "
            "updated: %(updated)s, removed: %(deleted)s, kept off the rule: %(kept)s."
        ) % {
            "title": self.object,
            "summary": summary.text,
            "created": len(result.created),
            "updated": len(result.updated),
            "deleted": result.deleted,
            "kept": len(result.kept_off_rule),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        summary = self.preview_summary
        series = context["form"].instance
        if summary is None and getattr(self, "object", None) is not None and self.object.pk:
            # The saved series: a refused form's instance may hold a zone that does not exist.
            series = Series.objects.get(pk=self.object.pk)
            summary = summarise(series)
        if summary is not None:
            zone = series.zone
            context["series_summary"] = summary
            context["series_dates"] = _dates_for_display(summary, zone)
            context["series_skipped"] = [
                (f"{day:%d/%m/%Y}", reason) for day, reason in summary.skipped
            ]
        context["is_preview"] = self.preview_summary is not None
        return context


class SeriesCreateView(SeriesFormViewMixin, generic.CreateView):
    template_name = "sessions/admin/series_create.html"


class SeriesEditView(SeriesFormViewMixin, NetworkScopedEditView):
    template_name = "sessions/admin/series_edit.html"

    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.object.mode == Series.Mode.RULE:
            buttons.append(
                HeaderButton(
                    _("Change from a date on"),
                    url=reverse("sessions_series:split", args=[self.object.pk]),
                    icon_name="arrow-right",
                )
            )
        return buttons


class SplitSeriesForm(forms.Form):
    """ "This and following": what changes from a given date on."""

    from_date = forms.DateField(
        label=gettext_lazy("From"),
        help_text=gettext_lazy("Sessions before this date stay as they are."),
    )
    start_time = forms.TimeField(label=gettext_lazy("Start time"))
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Duration (minutes)"), min_value=5, max_value=24 * 60
    )
    venue = forms.ModelChoiceField(
        label=gettext_lazy("Venue"), queryset=Venue.objects.none(), required=False
    )

    def __init__(self, *args, series, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.series = series
        self.fields["venue"].queryset = permissions.visible(user, Venue, "view").filter(
            is_active=True
        )

    def clean_from_date(self):
        day = self.cleaned_data["from_date"]
        if day <= self.series.start_date:
            raise forms.ValidationError(
                _("Choose a date after the first session; to change everything, edit the series.")
            )
        return day


class SeriesFilterSet(WagtailFilterSet):
    class Meta:
        model = Series
        fields = ["commune", "mode"]


class SeriesViewSet(ScopedModelViewSet):
    model = Series
    icon = "date"
    menu_label = gettext_lazy("Series")
    url_prefix = "agenda/series"
    url_namespace = "sessions_series"
    add_view_class = SeriesCreateView
    edit_view_class = SeriesEditView
    filterset_class = SeriesFilterSet
    search_fields = ["title", "public_title"]
    search_backend_name = None
    list_display = ["title", "commune", "venue", "start_date", "start_time", "mode"]
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("public_title"),
            FieldPanel("commune"),
            FieldPanel("venue"),
            FieldPanel("mode"),
            FieldPanel("start_date"),
            FieldPanel("start_time"),
            FieldPanel("duration_minutes"),
            FieldPanel("time_zone"),
            FieldPanel("rule", widget=AdminRecurrenceWidget),
            FieldPanel("dates_text"),
            FieldPanel("skip_public_holidays"),
            FieldPanel("skip_school_holidays"),
            FieldPanel("skip_local_closures"),
        ],
        base_form_class=SeriesForm,
    )

    def get_add_view_kwargs(self, **kwargs):
        return super().get_add_view_kwargs(template_name=SeriesCreateView.template_name, **kwargs)

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("split/<int:pk>/", self.split_view, name="split")]

    def split_view(self, request, pk):
        series = get_object_or_404(
            permissions.visible(request.user, Series, "change"), pk=pk, mode=Series.Mode.RULE
        )
        form = SplitSeriesForm(
            request.POST or None,
            series=series,
            user=request.user,
            initial={
                "start_time": series.start_time,
                "duration_minutes": series.duration_minutes,
                "venue": series.venue_id,
            },
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            new = services.split_series(
                series,
                data["from_date"],
                start_time=data["start_time"],
                duration_minutes=data["duration_minutes"],
                venue=data["venue"],
            )
            audit.record("series.split", new, actor=request.user, origin="admin")
            messages.success(
                request,
                _("From %(date)s on, the sessions follow the new settings.")
                % {"date": f"{data['from_date']:%d/%m/%Y}"},
            )
            return redirect("sessions_series:edit", new.pk)
        title = _("Change “%(title)s” from a date on") % {"title": series.title}
        return TemplateResponse(
            request,
            "sessions/admin/series_split.html",
            {
                "form": form,
                "series": series,
                "page_title": title,
                "header_title": title,
                "header_icon": "date",
            },
        )

    def get_edit_view_kwargs(self, **kwargs):
        return super().get_edit_view_kwargs(template_name=SeriesEditView.template_name, **kwargs)


# --- sessions ----------------------------------------------------------------------------


class SessionFilterSet(WagtailFilterSet):
    series = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Series"), queryset=Series.objects.none()
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=SessionStatus.choices
    )
    start = django_filters.DateFromToRangeFilter(label=gettext_lazy("Date"))

    class Meta:
        model = Session
        fields = ["series", "status", "start"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["series"].queryset = permissions.visible(request.user, Series, "view")


class SessionIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("series", "venue__commune")


class SessionInspectView(ScopedInspectView):
    @property
    def header_buttons(self):
        session = self.object
        buttons = []
        can_change = permissions.can(self.request.user, "change", session)
        if can_change and session.status != SessionStatus.CANCELLED:
            buttons.append(
                HeaderButton(
                    _("Move"),
                    url=reverse("sessions_sessions:move", args=[session.pk]),
                    icon_name="date",
                )
            )
            buttons.append(
                HeaderButton(
                    _("Cancel the session"),
                    url=reverse("sessions_sessions:cancel", args=[session.pk]),
                    icon_name="cross",
                )
            )
            buttons.append(
                HeaderButton(
                    _("Assign staff"),
                    url=reverse("sessions_assignments:assign") + f"?session={session.pk}",
                    icon_name="user",
                )
            )
        return buttons


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        help_text=gettext_lazy("Sent to the staff assigned; shown in their agenda."),
    )


class MoveForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("New date"), input_formats=["%d/%m/%Y", "%Y-%m-%d"])
    start_time = forms.TimeField(label=gettext_lazy("New start time"))
    end_time = forms.TimeField(
        label=gettext_lazy("New end time"),
        required=False,
        help_text=gettext_lazy("Empty: the same duration."),
    )
    venue = forms.ModelChoiceField(
        label=gettext_lazy("Venue"),
        queryset=Venue.objects.none(),
        required=False,
        help_text=gettext_lazy("Empty: the same venue."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)

    def __init__(self, *args, session: Session, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.user = user
        self.fields["venue"].queryset = permissions.visible(user, Venue, "view").filter(
            is_active=True
        )

    def _staff_conflicts(self, start, end, venue) -> list[str]:
        """The hard conflicts the new time or place would give the staff (absent, overlap)."""
        import copy

        probe = copy.copy(self.session)
        probe.start, probe.end = start, end
        if venue is not None:
            probe.venue = venue
        errors = []
        for assignment in self.session.assignments.select_related("person"):
            result = conflicts.check(assignment.person, probe, viewer=self.user)
            for problem in result.hard:
                name = assignment.person.get_full_name() or assignment.person.get_username()
                errors.append(f"{name} : {problem.message}")
        return errors

    def clean(self):
        cleaned = self._clean_times()
        if "start" in cleaned and not self.errors:
            for error in self._staff_conflicts(
                cleaned["start"], cleaned["end"], cleaned.get("venue")
            ):
                self.add_error(None, error)
        return cleaned

    def _clean_times(self):
        cleaned = super().clean()
        day, start_time = cleaned.get("date"), cleaned.get("start_time")
        if day is None or start_time is None:
            return cleaned
        zone = self.session.series.zone
        start = localise(dt.datetime.combine(day, start_time), zone)
        end_time = cleaned.get("end_time")
        if end_time is not None:
            end = localise(dt.datetime.combine(day, end_time), zone)
            if end <= start:
                self.add_error("end_time", _("The end comes before the start."))
        else:
            end = start + (self.session.end - self.session.start)
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


class SessionViewSet(ScopedModelViewSet):
    model = Session
    # Thousands of generated rows that reference nothing editable: indexing them would make
    # every regeneration delete row by row through Wagtail's reference-index signals.
    add_to_reference_index = False
    icon = "time"
    menu_label = gettext_lazy("Sessions")
    url_prefix = "agenda/seances"
    url_namespace = "sessions_sessions"
    index_view_class = SessionIndexView
    inspect_view_class = SessionInspectView
    inspect_view_enabled = True
    filterset_class = SessionFilterSet
    list_display = ["__str__", "venue", "status", "off_rule"]
    inspect_view_fields = [
        "series",
        "start",
        "end",
        "venue",
        "status",
        "reason",
        "sequence",
        "off_rule",
    ]
    form_fields = ["reason"]  # no add or edit view: sessions come from series

    def get_common_view_kwargs(self, **kwargs):
        # Sessions are materialised from their series: never added, edited or deleted by
        # hand; their title links to the inspect view, where cancel and move live.
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs.update(
            add_url_name=None,
            edit_url_name=self.get_url_name("inspect"),
            delete_url_name=None,
        )
        return view_kwargs

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(edit_url_name=None, **kwargs)

    @property
    def url_finder_class(self):
        finder = super().url_finder_class
        finder.edit_url_name = self.get_url_name("inspect")
        return finder

    def get_urlpatterns(self):
        kept = [p for p in super().get_urlpatterns() if p.name not in ("add", "edit", "delete")]
        return [
            *kept,
            path("annuler/<int:pk>/", self.cancel_view, name="cancel"),
            path("deplacer/<int:pk>/", self.move_view, name="move"),
        ]

    def _session(self, request, pk) -> Session:
        return get_object_or_404(
            permissions.visible(request.user, Session, "change").select_related(
                "series", "venue__commune"
            ),
            pk=pk,
        )

    def _render(self, request, session, form, question, title):
        zone = session.series.zone
        return TemplateResponse(
            request,
            "sessions/admin/session_action.html",
            {
                "page_title": title,
                "header_title": title,
                "header_icon": "time",
                "question": question,
                "session": session,
                "session_when": _local_label(session.start, zone),
                "staff": [_person_label(a.person) for a in session.assignments.all()],
                "form": form,
                "cancel_url": reverse("sessions_sessions:inspect", args=[session.pk]),
            },
        )

    def cancel_view(self, request, pk):
        session = self._session(request, pk)
        if session.status == SessionStatus.CANCELLED:
            messages.info(request, _("This session is already cancelled."))
            return redirect("sessions_sessions:inspect", session.pk)
        form = CancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            told = services_staff.cancel(request.user, session, form.cleaned_data["reason"])
            messages.success(
                request,
                _("The session is cancelled; %(count)s people assigned were told by e-mail.")
                % {"count": told},
            )
            return redirect("sessions_sessions:inspect", session.pk)
        return self._render(
            request,
            session,
            form,
            _("Cancel this session? The staff assigned are told by e-mail."),
            _("Cancel a session"),
        )

    def move_view(self, request, pk):
        session = self._session(request, pk)
        if session.status == SessionStatus.CANCELLED:
            raise Http404
        zone = session.series.zone
        local = session.start.astimezone(zone)
        form = MoveForm(
            request.POST or None,
            session=session,
            user=request.user,
            initial={
                "date": f"{local:%d/%m/%Y}",
                "start_time": f"{local:%H:%M}",
                "end_time": f"{session.end.astimezone(zone):%H:%M}",
            },
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            told = services_staff.move(
                request.user,
                session,
                start=data["start"],
                end=data["end"],
                venue=data.get("venue"),
                reason=data["reason"],
            )
            messages.success(
                request,
                _("The session is moved; %(count)s people assigned were told by e-mail.")
                % {"count": told},
            )
            return redirect("sessions_sessions:inspect", session.pk)
        return self._render(
            request,
            session,
            form,
            _("Move this session? The staff assigned are told by e-mail."),
            _("Move a session"),
        )


# --- closures ----------------------------------------------------------------------------


class ClosureForm(ScopedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None and permissions.coordinated_commune_ids(self.for_user):
            # A commune coordinator adds their commune's own closures; holidays are synced.
            self.fields["kind"].choices = [(ClosureKind.LOCAL, ClosureKind.LOCAL.label)]
            self.fields["commune"].required = True
            self.fields["commune"].empty_label = None


class ClosureIndexView(ScopedIndexView):
    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        user = self.request.user
        if self.permission_policy.user_has_permission(user, "add"):
            buttons.append(
                HeaderButton(
                    _("Import an .ics file"),
                    url=reverse("sessions_closures:import_ics"),
                    icon_name="upload",
                )
            )
        if permissions.is_network_coordination(user):
            buttons.append(
                HeaderButton(
                    _("Sync public and school holidays"),
                    url=reverse("sessions_closures:sync_holidays"),
                    icon_name="rotate",
                )
            )
        url = reverse("sessions_closures:export")
        buttons.extend(export_buttons(self.request, agenda_exports.CLOSURES, url))
        buttons.extend(import_buttons(self.request, "closures"))
        return buttons


class ClosureCreateView(ScopedCreateView, generic.CreateView):
    pass


class ClosureFilterSet(WagtailFilterSet):
    class Meta:
        model = Closure
        fields = ["kind", "commune"]


class ClosureImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("iCalendar file (.ics)"))
    commune = forms.ModelChoiceField(
        label=gettext_lazy("Commune"),
        queryset=Commune.objects.none(),
        required=False,
        help_text=gettext_lazy("Where these closures apply. Empty: everywhere."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = _communes(user)
        if permissions.coordinated_commune_ids(user) is not None:
            self.fields["commune"].required = True
            self.fields["commune"].empty_label = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > closures_import.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (at most %(size)s KB).")
                % {"size": closures_import.MAX_BYTES // 1024}
            )
        return upload


class ClosureViewSet(ScopedModelViewSet):
    model = Closure
    icon = "calendar-alt"
    menu_label = gettext_lazy("Closures")
    url_prefix = "agenda/fermetures"
    url_namespace = "sessions_closures"
    index_view_class = ClosureIndexView
    add_view_class = ClosureCreateView
    edit_view_class = ScopedEditView
    filterset_class = ClosureFilterSet
    search_fields = ["reason"]
    search_backend_name = None
    list_display = ["reason", "start_date", "end_date", "kind", "commune"]
    edit_handler = ObjectList(
        [
            FieldPanel("reason"),
            FieldPanel("start_date"),
            FieldPanel("end_date"),
            FieldPanel("kind"),
            FieldPanel("commune"),
        ],
        base_form_class=ClosureForm,
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("synchroniser/", self.sync_view, name="sync_holidays"),
            path("importer/", self.import_view, name="import_ics"),
            path("export/", self.export_view, name="export"),
        ]

    def export_view(self, request):
        rows = listing_queryset(self, request)
        return exports.export_for(
            request, agenda_exports.CLOSURES, rows, exports.requested_format(request)
        )

    def sync_view(self, request):
        if not permissions.is_network_coordination(request.user):
            raise PermissionDenied
        year = dt.date.today().year
        if request.method == "POST":
            created = services.sync_holiday_closures([year, year + 1])
            messages.success(
                request,
                _("Public and school holidays are up to date (%(count)s new closures).")
                % {"count": created},
            )
            return redirect("sessions_closures:index")
        return TemplateResponse(
            request,
            "network/admin/confirm.html",
            {
                "page_title": _("Sync public and school holidays"),
                "header_title": _("Sync public and school holidays"),
                "header_icon": "calendar-alt",
                "question": _(
                    "Bring the Belgian public holidays and the French-community school "
                    "holidays of %(year)s and %(next)s up to date?"
                )
                % {"year": year, "next": year + 1},
                "cancel_url": reverse("sessions_closures:index"),
            },
        )

    def import_view(self, request):
        if not self.permission_policy.user_has_permission(request.user, "add"):
            raise PermissionDenied
        form = ClosureImportForm(request.POST or None, request.FILES or None, user=request.user)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read(closures_import.MAX_BYTES + 1)
            try:
                created, unchanged = closures_import.import_closures(
                    request.user, data, commune=form.cleaned_data["commune"]
                )
            except closures_import.ClosureFileErrors as error:
                errors = error.errors
            except SessionsError as error:
                errors = [str(error.message)]
            else:
                messages.success(
                    request,
                    _("%(created)s closures imported, %(unchanged)s already there.")
                    % {"created": created, "unchanged": unchanged},
                )
                return redirect("sessions_closures:index")
        return TemplateResponse(
            request,
            "sessions/admin/closure_import.html",
            {
                "page_title": _("Import closures"),
                "header_title": _("Import closures"),
                "header_icon": "upload",
                "form": form,
                "errors": errors,
                "cancel_url": reverse("sessions_closures:index"),
            },
            status=400 if errors else 200,
        )


# --- staff -------------------------------------------------------------------------------


class ConflictColumn(Column):
    """The conflict reasons of an existing assignment, as the service states them now."""

    def get_value(self, instance):
        result = conflicts.check(instance.person, instance.session, viewer=self.viewer)
        if result.ok:
            return _("OK")
        return " ".join(str(problem) for problem in result.problems)

    def get_cell_context_data(self, instance, parent_context):
        self.viewer = parent_context["request"].user
        return super().get_cell_context_data(instance, parent_context)


class AssignmentIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("person", "session__series", "session__venue__commune")
        )

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.permission_policy.user_has_permission(self.request.user, "add"):
            buttons.append(
                HeaderButton(
                    _("Assign a person"),
                    url=reverse("sessions_assignments:assign"),
                    icon_name="plus",
                )
            )
        return buttons


class AssignmentDeleteView(ScopedDeleteView):
    def delete_action(self):
        try:
            services_staff.unassign(self.request.user, self.object)
        except SessionsError as error:
            raise PermissionDenied(str(error.message)) from error


class AssignmentFilterSet(WagtailFilterSet):
    session__series = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Series"), queryset=Series.objects.none()
    )
    role = django_filters.ChoiceFilter(label=gettext_lazy("Role"), choices=StaffRole.choices)

    class Meta:
        model = Assignment
        fields = ["session__series", "role"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["session__series"].queryset = permissions.visible(
                request.user, Series, "view"
            )


class AssignForm(forms.Form):
    session = forms.ModelChoiceField(label=gettext_lazy("Session"), queryset=Session.objects.none())
    person = forms.ModelChoiceField(
        label=gettext_lazy("Person"), queryset=get_user_model().objects.none()
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=StaffRole.choices)
    override_reason = forms.CharField(
        label=gettext_lazy("Reason for overriding the warnings"),
        max_length=300,
        required=False,
        help_text=gettext_lazy(
            "Needed only when the person is outside their availability or has too little "
            "time to travel. An absence or an overlap cannot be overridden."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = (
            permissions.visible(user, Session, "change")
            .active()
            .upcoming()
            .select_related("series")
        )
        self.fields["person"].queryset = _staff_candidates(user)
        self.fields["person"].label_from_instance = _person_label


class AssignmentViewSet(ScopedModelViewSet):
    model = Assignment
    add_to_reference_index = False
    icon = "user"
    menu_label = gettext_lazy("Staff assignments")
    url_prefix = "agenda/affectations"
    url_namespace = "sessions_assignments"
    index_view_class = AssignmentIndexView
    delete_view_class = AssignmentDeleteView
    filterset_class = AssignmentFilterSet
    list_display = [
        Column("person", label=gettext_lazy("Person"), accessor=lambda a: _person_label(a.person)),
        "session",
        "role",
        ConflictColumn("conflicts", label=gettext_lazy("Conflicts")),
        "override_reason",
    ]
    form_fields = ["role"]  # the person and session only through "assign"

    def get_urlpatterns(self):
        kept = [p for p in super().get_urlpatterns() if p.name != "add"]
        return [*kept, path("affecter/", self.assign_view, name="assign")]

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs["add_url_name"] = None
        return view_kwargs

    def assign_view(self, request):
        if not self.permission_policy.user_has_permission(request.user, "add"):
            raise PermissionDenied
        initial = {}
        if request.GET.get("session", "").isdigit():
            initial["session"] = request.GET["session"]
        form = AssignForm(request.POST or None, user=request.user, initial=initial)
        result = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            result = conflicts.check(data["person"], data["session"], viewer=request.user)
            if not result.hard and (not result.soft or data["override_reason"].strip()):
                try:
                    services_staff.assign(
                        request.user,
                        data["session"],
                        data["person"],
                        data["role"],
                        override_reason=data["override_reason"],
                    )
                except SessionsError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(
                        request,
                        _("%(person)s is assigned to %(session)s.")
                        % {"person": _person_label(data["person"]), "session": data["session"]},
                    )
                    return redirect("sessions_assignments:index")
            elif result.soft and not result.hard:
                form.add_error(
                    "override_reason",
                    _("Give a reason to assign this person despite the warnings."),
                )
        return TemplateResponse(
            request,
            "sessions/admin/assign.html",
            {
                "page_title": _("Assign a person"),
                "header_title": _("Assign a person"),
                "header_icon": "user",
                "form": form,
                "check": result,
                "cancel_url": reverse("sessions_assignments:index"),
            },
        )


class PlanningCreateView(ScopedCreateView, generic.CreateView):
    pass


class PlanningIndexView(ScopedIndexView):
    """The listing of availability or absences, with its export and import buttons."""

    planning_export: exports.Export
    export_url_name: str
    import_kind: str

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        url = reverse(self.export_url_name)
        buttons.extend(export_buttons(self.request, self.planning_export, url))
        buttons.extend(import_buttons(self.request, self.import_kind))
        return buttons


class AvailabilityIndexView(PlanningIndexView):
    planning_export = agenda_exports.AVAILABILITY
    export_url_name = "sessions_availability:export"
    import_kind = "availability"


class AbsenceIndexView(PlanningIndexView):
    planning_export = agenda_exports.ABSENCES
    export_url_name = "sessions_absences:export"
    import_kind = "absences"


class PlanningViewSet(ScopedModelViewSet):
    """Availability and absences: the listing's rows export in the columns of their import."""

    index_view_class: type[PlanningIndexView]

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("export/", self.export_view, name="export")]

    def export_view(self, request):
        rows = listing_queryset(self, request)
        return exports.export_for(
            request,
            self.index_view_class.planning_export,
            rows,
            exports.requested_format(request),
        )


class AvailabilityViewSet(PlanningViewSet):
    model = Availability
    icon = "tick"
    menu_label = gettext_lazy("Availability")
    url_prefix = "agenda/disponibilites"
    url_namespace = "sessions_availability"
    index_view_class = AvailabilityIndexView
    add_view_class = PlanningCreateView
    edit_view_class = ScopedEditView
    list_display = [
        "__str__",
        Column("person", label=gettext_lazy("Person"), accessor=lambda a: _person_label(a.person)),
    ]
    list_filter = ["weekday"]
    edit_handler = ObjectList(
        [
            FieldPanel("person"),
            FieldPanel("weekday"),
            FieldPanel("start_time"),
            FieldPanel("end_time"),
        ],
        base_form_class=ScopedForm,
    )


class AbsenceViewSet(PlanningViewSet):
    """Absences without their reason: it stays the person's own (never shown, nor exported)."""

    model = Absence
    icon = "cross"
    menu_label = gettext_lazy("Absences")
    url_prefix = "agenda/absences"
    url_namespace = "sessions_absences"
    index_view_class = AbsenceIndexView
    add_view_class = PlanningCreateView
    edit_view_class = ScopedEditView
    list_display = [
        "__str__",
        Column("person", label=gettext_lazy("Person"), accessor=lambda a: _person_label(a.person)),
    ]
    edit_handler = ObjectList(
        [FieldPanel("person"), FieldPanel("start_date"), FieldPanel("end_date")],
        base_form_class=ScopedForm,
    )


class AgendaViewSetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Agenda")
    menu_icon = "date"
    menu_order = 210
    items = (
        SeriesViewSet,
        SessionViewSet,
        AssignmentViewSet,
        VenueViewSet,
        ClosureViewSet,
        AvailabilityViewSet,
        AbsenceViewSet,
    )
