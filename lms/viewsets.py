"""Wagtail admin of training for coordinators: runs, their enrolments, evaluations, audiences.

Every screen subclasses network's ScopedModelViewSet, and every custom view looks its object
up in `permissions.visible(...)`: a commune coordinator reaches only their commune's runs,
whatever the URL. Writes go through lms.services and sessions.services_staff.
"""

from __future__ import annotations

import zoneinfo

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from network import exports, permissions
from network.admin_views import (
    BoundedSearchMixin,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
)
from network.export_views import export_buttons
from network.import_views import import_buttons
from network.models import Commune, Organisation
from sessions.models import SessionStatus

from . import admin_forms, registries, services
from .exceptions import EnrolmentError
from .models import (
    Attendance,
    AttendanceStatus,
    Audience,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    ModulePage,
    RunStatus,
)

# --- helpers -------------------------------------------------------------------------------


def _enrolment_rows(enrolments):
    enrolments = enrolments.select_related("person__member_profile__organisation").order_by(
        "status", "waitlist_position", "person__last_name", "person__first_name"
    )
    return admin_forms.export_rows(enrolments, admin_forms.hours_attended(enrolments))


# A run's enrolment list: coordinators (who hold the view permission of enrolments) of the run's
# commune, the network coordination; the permission layer's "export" scopes the rows.
ENROLMENTS = exports.Export(
    name="enrolments",
    model=Enrolment,
    permission="maillage_lms.view_enrolment",
    header=admin_forms.export_header,
    rows=_enrolment_rows,
    filename="inscriptions",
)


# The words the attendance import reads back (lms.resources.STATUS_WORDS).
ATTENDANCE_WORDS = {
    AttendanceStatus.PRESENT: "présent",
    AttendanceStatus.PARTIAL: "partiel",
    AttendanceStatus.ABSENT: "absent",
    AttendanceStatus.EXCUSED: "excusé",
}


def _attendance_header() -> list[str]:
    # The attendance import's own columns (lms.resources.AttendanceResource), so that the
    # sheet can be corrected and imported back; "Nom" is for reading and is ignored then.
    return ["Code formation", "Nom", "E-mail", "Date", "Présence", "Heures"]


def _attendance_rows(attendance):
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    marks = attendance.select_related("enrolment__run", "enrolment__person", "session")
    for mark in marks.order_by(
        "session__start", "enrolment__person__last_name", "enrolment__person__first_name", "pk"
    ):
        yield (
            mark.enrolment.run.code,
            admin_forms.person_label(mark.enrolment.person),
            mark.enrolment.person.email,
            mark.session.start.astimezone(zone).date(),
            ATTENDANCE_WORDS.get(mark.status, mark.status),
            mark.hours,
        )


# A run's attendance sheet, in the import's format: coordinators of the run's commune and the
# network coordination (the "export" action of the permission layer scopes the rows).
ATTENDANCE = exports.Export(
    name="attendance",
    model=Attendance,
    permission="maillage_lms.view_attendance",
    header=_attendance_header,
    rows=_attendance_rows,
    filename="presences",
)


def _run(request, pk, action: str = "view") -> CourseRun:
    """The run if the user may do `action` on it, else 404 (never reveal that it exists)."""
    return get_object_or_404(
        permissions.visible(request.user, CourseRun, action).select_related(
            "module", "commune", "venue", "series"
        ),
        pk=pk,
    )


def _enrolment(request, pk) -> Enrolment:
    return get_object_or_404(
        permissions.visible(request.user, Enrolment, "change").select_related(
            "run__module", "person__member_profile__organisation"
        ),
        pk=pk,
    )


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: redirect() would take any other word for a URL name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _run_url(run_id: int) -> str:
    return reverse("lms_runs:inspect", args=[run_id])


# --- runs ------------------------------------------------------------------------------------


class SeatsColumn(Column):
    def get_value(self, instance):
        return f"{instance.seats_taken} / {instance.capacity}"


class LocalTimeColumn(Column):
    def get_value(self, instance):
        return admin_forms.local_label(super().get_value(instance))


class RunFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=RunStatus.choices)
    commune = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Commune"), queryset=Commune.objects.order_by("name")
    )
    module = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Module"), queryset=ModulePage.objects.order_by("title")
    )
    upcoming = django_filters.BooleanFilter(
        label=gettext_lazy("Not started yet"), method="filter_upcoming"
    )

    class Meta:
        model = CourseRun
        fields = ["status", "commune", "module", "upcoming"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["commune"].queryset = admin_forms.communes_of(request.user).order_by(
                "name"
            )

    def filter_upcoming(self, queryset, name, value):
        now = timezone.now()
        if value is True:
            return queryset.filter(starts_at__gt=now)
        if value is False:
            return queryset.filter(starts_at__lte=now)
        return queryset


class RunIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("module", "commune")
            .annotate(
                waiting=Count(
                    "enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)
                ),
                requests=Count(
                    "enrolments", filter=Q(enrolments__status=EnrolmentStatus.REQUESTED)
                ),
            )
        )

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        # The run's title leads to its page (enrolments, sessions); editing is one click away.
        column_class = self._get_title_column_class(column_class)
        return self._get_custom_column(
            field_name, column_class, get_url=lambda run: _run_url(run.pk), **kwargs
        )


class RunCreateView(generic.CreateView):
    def save_instance(self):
        with transaction.atomic():
            run = super().save_instance()
            if not permissions.can(self.request.user, "change", run):
                raise PermissionDenied
            admin_forms.schedule_from_form(run, self.form)
        _after_save(self.request, run, self.form)
        return run

    def get_success_url(self):
        return _run_url(self.object.pk)

    def get_success_message(self, instance):
        return _("Run “%(code)s” created with %(count)s sessions.") % {
            "code": instance.code,
            "count": instance.sessions().count(),
        }


class RunEditView(ScopedEditView):
    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except IntegrityError:
            # Someone signed up between the check and the save: the constraint refused it.
            form.add_error(
                "capacity",
                _("Seats were taken in the meantime: the run cannot have fewer seats than taken."),
            )
            return self.form_invalid(form)

    def save_instance(self):
        with transaction.atomic():
            run = super().save_instance()
            if not permissions.can(self.request.user, "change", run):
                raise PermissionDenied  # moved out of the user's communes
            admin_forms.schedule_from_form(run, self.form)
        _after_save(self.request, run, self.form)
        return run

    def get_success_url(self):
        return _run_url(self.object.pk)


def _after_save(request, run: CourseRun, form: admin_forms.CourseRunForm) -> None:
    """Trainers and freed seats, after the run and its sessions are saved."""
    problems = admin_forms.sync_trainers(request.user, run, form.cleaned_data.get("trainers", []))
    for problem in problems:
        messages.warning(request, problem)
    if form.capacity_raised:
        offered = services.fill_free_seats(run)
        if offered:
            messages.info(
                request,
                _("%(count)s seats were offered to people on the waiting list.")
                % {"count": offered},
            )


class RunDetailView(ScopedInspectView):
    """The run's page: figures, sessions with their attendance sheet, enrolments and actions."""

    template_name = "lms/admin/run_detail.html"

    def get_page_subtitle(self):
        return str(self.object)

    @cached_property
    def can_manage(self) -> bool:
        return services.may_manage(self.request.user, self.object)

    @cached_property
    def header_buttons(self):
        run = self.object
        buttons = []
        if permissions.can(self.request.user, "export", run):
            url = reverse("lms_runs:export", args=[run.pk])
            buttons.extend(export_buttons(self.request, ENROLMENTS, url, keep_query=False))
            if ATTENDANCE.allowed(self.request.user):
                buttons.append(
                    HeaderButton(
                        _("Export attendance (CSV)"),
                        url=reverse("lms_runs:export_attendance", args=[run.pk]),
                        icon_name="download",
                        priority=22,
                    )
                )
        if self.can_manage:
            # Enrolment lists and attendance sheets typed after the training day.
            buttons.extend(import_buttons(self.request, "enrolments", "attendance"))
        if self.can_manage:
            buttons.append(
                HeaderButton(
                    _("Evaluation results"),
                    url=reverse("lms_runs:evaluations", args=[run.pk]),
                    icon_name="list-ul",
                )
            )
            if not run.is_cancelled:
                buttons.append(
                    HeaderButton(
                        _("Cancel the run"),
                        url=reverse("lms_runs:cancel", args=[run.pk]),
                        icon_name="cross",
                    )
                )
        buttons.extend(registries.run_header_buttons(self.request, run))
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        services.expire_offers([run.pk])
        run.refresh_from_db(fields=["seats_taken", "capacity", "starts_at", "ends_at", "status"])
        sessions = list(run.sessions().select_related("venue").prefetch_related("assignments"))
        trainers = {t.pk: admin_forms.person_label(t) for t in services.trainers_of(run)}
        context["sessions"] = [
            {
                "session": s,
                "start": admin_forms.local_label(s.start),
                "end": timezone.localtime(s.end).strftime("%H:%M"),
                "cancelled": s.status == SessionStatus.CANCELLED,
                "trainers": [
                    trainers[a.person_id] for a in s.assignments.all() if a.person_id in trainers
                ],
            }
            for s in sessions
        ]
        enrolments = permissions.visible(self.request.user, Enrolment, "view").filter(run=run)
        filters = admin_forms.EnrolmentFilterForm(self.request.GET or None, run=run)
        enrolments = filters.apply(enrolments).select_related(
            "person__member_profile__organisation"
        )
        enrolments = sorted(
            enrolments,
            key=lambda e: (
                [s.value for s in EnrolmentStatus].index(e.status),
                e.waitlist_position or 0,
                e.requested_at,
            ),
        )
        hours = admin_forms.hours_attended([e.pk for e in enrolments])
        counts = dict(
            Enrolment.objects.filter(run=run)
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        context.update(
            run=run,
            can_manage=self.can_manage,
            filters=filters,
            enrolments=[
                {
                    "enrolment": e,
                    "name": admin_forms.person_label(e.person),
                    "organisation": getattr(
                        getattr(e.person, "member_profile", None), "organisation", ""
                    ),
                    "requested_at": admin_forms.local_label(e.requested_at),
                    "offer_expires_at": admin_forms.local_label(e.offer_expires_at),
                    "hours": hours.get(e.pk, 0),
                    "can_approve": e.status == EnrolmentStatus.REQUESTED,
                    "can_promote": e.status == EnrolmentStatus.WAITLISTED,
                    "can_cancel": e.status
                    in (
                        EnrolmentStatus.REQUESTED,
                        EnrolmentStatus.CONFIRMED,
                        EnrolmentStatus.WAITLISTED,
                        EnrolmentStatus.OFFERED,
                    ),
                }
                for e in enrolments
            ],
            status_counts=[
                (label, counts.get(value, 0))
                for value, label in EnrolmentStatus.choices
                if counts.get(value)
            ],
            figures=[
                (_("Module"), run.module.title),
                (_("Commune in charge"), run.commune),
                (_("Venue"), run.venue or "—"),
                (_("Seats taken"), f"{run.seats_taken} / {run.capacity}"),
                (_("Minimum participants"), run.min_participants),
                (_("First session"), admin_forms.local_label(run.starts_at) or "—"),
                (_("Enrolment opens"), admin_forms.local_label(run.enrolment_opens) or "—"),
                (_("Enrolment closes"), admin_forms.local_label(run.closes_at()) or "—"),
                (
                    _("Cancellation possible until"),
                    admin_forms.local_label(run.cancellation_deadline()) or "—",
                ),
                (_("Approval"), run.get_approval_display()),
                (_("Status"), run.get_status_display()),
            ],
            this_url=self.request.get_full_path(),
        )
        return context


class RunViewSet(ScopedModelViewSet):
    model = CourseRun
    icon = "calendar-check"
    menu_label = gettext_lazy("Course runs")
    url_prefix = "formations/sessions"
    url_namespace = "lms_runs"
    index_view_class = RunIndexView
    add_view_class = RunCreateView
    edit_view_class = RunEditView
    inspect_view_class = RunDetailView
    inspect_view_enabled = True
    filterset_class = RunFilterSet
    search_fields = ["code"]
    search_backend_name = None
    ordering = ["starts_at", "code"]
    list_display = [
        "__str__",
        "commune",
        LocalTimeColumn("starts_at", label=gettext_lazy("First session"), sort_key="starts_at"),
        SeatsColumn("seats", label=gettext_lazy("Seats taken")),
        Column("waiting", label=gettext_lazy("Waiting")),
        Column("requests", label=gettext_lazy("Awaiting approval")),
        "status",
    ]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("module"), FieldPanel("code")]),
            FieldRowPanel([FieldPanel("commune"), FieldPanel("venue")]),
            MultiFieldPanel(
                [
                    FieldPanel("dates_text"),
                    FieldPanel("duration_minutes"),
                    FieldPanel("trainers"),
                ],
                heading=gettext_lazy("Sessions and trainers"),
            ),
            FieldRowPanel([FieldPanel("capacity"), FieldPanel("min_participants")]),
            FieldRowPanel([FieldPanel("enrolment_opens"), FieldPanel("enrolment_closes")]),
            FieldPanel("cancellation_deadline_days"),
            FieldPanel("approval"),
            FieldPanel("audience_communes", widget=forms.CheckboxSelectMultiple),
            FieldPanel("online_link"),
            FieldPanel("offer_hold_hours"),
        ],
        base_form_class=admin_forms.CourseRunForm,
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("cancel/<int:pk>/", self.cancel_view, name="cancel"),
            path("export/<int:pk>/", self.export_view, name="export"),
            path(
                "export/<int:pk>/presences/",
                self.export_attendance_view,
                name="export_attendance",
            ),
            path("evaluations/<int:pk>/", self.evaluations_view, name="evaluations"),
        ]

    def cancel_view(self, request, pk):
        run = _run(request, pk, "change")
        if run.is_cancelled:
            messages.info(request, _("This run is already cancelled."))
            return redirect(_run_url(run.pk))
        form = admin_forms.CancelRunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                told = services.cancel_run(
                    run, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except EnrolmentError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("The run is cancelled; %(count)s people enrolled were told.")
                    % {"count": told},
                )
                return redirect(_run_url(run.pk))
        pending = Enrolment.objects.filter(
            run=run,
            status__in=[
                EnrolmentStatus.REQUESTED,
                EnrolmentStatus.CONFIRMED,
                EnrolmentStatus.WAITLISTED,
                EnrolmentStatus.OFFERED,
            ],
        ).count()
        title = _("Cancel the run %(code)s") % {"code": run.code}
        return TemplateResponse(
            request,
            "lms/admin/run_cancel.html",
            {
                "page_title": title,
                "header_title": title,
                "header_icon": "cross",
                "run": run,
                "pending": pending,
                "form": form,
                "cancel_url": _run_url(run.pk),
            },
        )

    def export_view(self, request, pk):
        run = _run(request, pk, "view")
        if not permissions.can(request.user, "export", run):
            return exports.forbidden(request)
        return exports.export_for(
            request,
            ENROLMENTS,
            Enrolment.objects.filter(run=run),
            exports.requested_format(request),
            filename=f"inscriptions-{run.code}",
            obj=run,
        )

    def export_attendance_view(self, request, pk):
        run = _run(request, pk, "view")
        if not permissions.can(request.user, "export", run):
            return exports.forbidden(request)
        return exports.export_for(
            request,
            ATTENDANCE,
            Attendance.objects.filter(enrolment__run=run),
            exports.requested_format(request),
            filename=f"presences-{run.code}",
            obj=run,
        )

    def evaluations_view(self, request, pk):
        run = _run(request, pk, "change")
        evaluations = permissions.visible(request.user, Evaluation, "view").filter(
            enrolment__run=run
        )
        summary = admin_forms.evaluation_summary(evaluations)
        title = _("Evaluation results")
        return TemplateResponse(
            request,
            "lms/admin/evaluations.html",
            {
                "page_title": title,
                "header_title": title,
                "header_icon": "list-ul",
                "run": run,
                "summary": summary,
                "run_url": _run_url(run.pk),
            },
        )


# --- enrolments ----------------------------------------------------------------------------


class EnrolmentFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=EnrolmentStatus.choices
    )
    run = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Run"), queryset=CourseRun.objects.none()
    )
    run__commune = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Commune in charge"), queryset=Commune.objects.none()
    )
    person__member_profile__organisation = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Organisation"), queryset=Organisation.objects.order_by("name")
    )

    class Meta:
        model = Enrolment
        fields = ["status", "run", "run__commune", "person__member_profile__organisation"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["run"].queryset = permissions.visible(
                request.user, CourseRun, "view"
            ).select_related("module")
            self.filters["run__commune"].queryset = admin_forms.communes_of(request.user).order_by(
                "name"
            )


class EnrolmentIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("run__module", "run__commune", "person__member_profile__organisation")
        )

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        # No edit form: an enrolment changes through actions on its run's page.
        column_class = self._get_title_column_class(column_class)
        return column_class(
            "person",
            label=gettext_lazy("Person"),
            accessor=lambda e: admin_forms.person_label(e.person),
            get_url=lambda e: _run_url(e.run_id) + f"#enrolment-{e.pk}",
        )


class EnrolmentViewSet(ScopedModelViewSet):
    """Every enrolment in the user's scope; the actions live on the run's page."""

    model = Enrolment
    add_to_reference_index = False
    icon = "group"
    menu_label = gettext_lazy("Enrolments")
    url_prefix = "formations/inscriptions"
    url_namespace = "lms_enrolments"
    index_view_class = EnrolmentIndexView
    filterset_class = EnrolmentFilterSet
    search_fields = ["person__first_name", "person__last_name", "run__code"]
    search_backend_name = None
    list_display = [
        "person",
        Column(
            "organisation",
            label=gettext_lazy("Organisation"),
            accessor=lambda e: getattr(
                getattr(e.person, "member_profile", None), "organisation", ""
            ),
        ),
        Column("run", label=gettext_lazy("Run"), accessor=lambda e: e.run.code),
        Column("commune", label=gettext_lazy("Commune in charge"), accessor="run.commune"),
        "status",
        "waitlist_position",
        LocalTimeColumn("requested_at", label=gettext_lazy("Enrolled at"), sort_key="requested_at"),
    ]
    form_fields = ["reason"]  # no add or edit view: enrolments change through services

    @property
    def url_finder_class(self):
        class EnrolmentURLFinder(super().url_finder_class):
            def construct_edit_url(self, instance):
                return _run_url(instance.run_id) + f"#enrolment-{instance.pk}"

        return EnrolmentURLFinder

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs.update(add_url_name=None, edit_url_name=None, delete_url_name=None)
        return view_kwargs

    def get_urlpatterns(self):
        kept = [
            p
            for p in super().get_urlpatterns()
            if p.name in ("index", "index_results", "history", "history_results", "usage")
        ]
        return [
            *kept,
            path("approve/<int:pk>/", self.approve_view, name="approve"),
            path("reject/<int:pk>/", self.reject_view, name="reject"),
            path("promote/<int:pk>/", self.promote_view, name="promote"),
            path("cancel/<int:pk>/", self.cancel_view, name="cancel"),
        ]

    def _render(self, request, enrolment, *, title, question, form=None, buttons):
        return TemplateResponse(
            request,
            "lms/admin/enrolment_action.html",
            {
                "page_title": title,
                "header_title": title,
                "header_icon": "group",
                "enrolment": enrolment,
                "person": admin_forms.person_label(enrolment.person),
                "question": question,
                "form": form,
                "buttons": buttons,
                "next": _next_url(request, _run_url(enrolment.run_id)),
                "cancel_url": _next_url(request, _run_url(enrolment.run_id)),
            },
        )

    def _act(self, request, enrolment, action, success: str):
        try:
            action()
        except EnrolmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, success % {"person": admin_forms.person_label(enrolment.person)}
            )
        return redirect(_next_url(request, _run_url(enrolment.run_id)))

    def approve_view(self, request, pk):
        enrolment = _enrolment(request, pk)
        if request.method == "POST":
            return self._act(
                request,
                enrolment,
                lambda: services.approve(enrolment, actor=request.user, origin="admin"),
                _("The request of %(person)s is approved."),
            )
        return self._render(
            request,
            enrolment,
            title=_("Approve a request"),
            question=_(
                "Approve this request? The person gets a seat if one is free, else joins the "
                "waiting list."
            ),
            buttons=[("approve", _("Approve"))],
        )

    def reject_view(self, request, pk):
        enrolment = _enrolment(request, pk)
        form = admin_forms.ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._act(
                request,
                enrolment,
                lambda: services.reject(
                    enrolment,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    origin="admin",
                ),
                _("The request of %(person)s is refused."),
            )
        return self._render(
            request,
            enrolment,
            title=_("Refuse a request"),
            question=_("Refuse this request? The person is told the reason."),
            form=form,
            buttons=[("reject", _("Refuse"))],
        )

    def promote_view(self, request, pk):
        enrolment = _enrolment(request, pk)
        if request.method == "POST":
            add_seat = request.POST.get("add_seat") == "1"
            return self._act(
                request,
                enrolment,
                lambda: services.promote(enrolment, actor=request.user, add_seat=add_seat),
                _("%(person)s was moved from the waiting list."),
            )
        return self._render(
            request,
            enrolment,
            title=_("Move from the waiting list"),
            question=_(
                "Confirm this person on a free seat (or, without one, put them at the head of "
                "the waiting list), or add a seat to the run for them?"
            ),
            buttons=[("promote", _("Confirm on a free seat")), ("add_seat", _("Add a seat"))],
        )

    def cancel_view(self, request, pk):
        enrolment = _enrolment(request, pk)
        form = admin_forms.ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._act(
                request,
                enrolment,
                lambda: services.cancel(
                    enrolment,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    origin="admin",
                ),
                _("The enrolment of %(person)s is cancelled."),
            )
        return self._render(
            request,
            enrolment,
            title=_("Cancel an enrolment"),
            question=_(
                "Cancel this enrolment? A seat it held goes to the first person waiting; the "
                "person is told the reason."
            ),
            form=form,
            buttons=[("cancel", _("Cancel the enrolment"))],
        )


# --- audiences -----------------------------------------------------------------------------


class AudienceIndexView(BoundedSearchMixin, generic.IndexView):
    pass


class AudienceViewSet(ModelViewSet):
    """Publics of the modules: network-wide, no personal data (Wagtail model permissions)."""

    model = Audience
    index_view_class = AudienceIndexView
    icon = "group"
    menu_label = gettext_lazy("Audiences")
    url_prefix = "formations/publics"
    url_namespace = "lms_audiences"
    form_fields = ["name", "slug"]
    list_display = ["name", "slug"]
    search_fields = ["name"]
    search_backend_name = None
    copy_view_enabled = False
    list_export: list[str] = []


class TrainingViewSetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Training courses")
    menu_icon = "calendar-check"
    menu_order = 220
    items = (RunViewSet, EnrolmentViewSet, AudienceViewSet)
