"""Wagtail admin of certificates: the registry (inspect, revoke, re-issue, export), external
certificates, the review queue, bulk issuing for a course run, and the templates.

Every view looks its objects up through network's permission layer: a commune coordinator
reaches only the certificates of their communes, whatever the URL. Writes go through
certificates.services; its domain errors are shown as messages, never as a 500.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, ProtectedError, Q, Value, When
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.permissions import policy_registry
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.admin_forms import communes_of, local_label, person_label
from lms.models import CourseRun, Enrolment, ModulePage
from network import audit, exports, permissions
from network.admin_views import (
    BoundedSearchMixin,
    ScopedBaseObjectMixin,
    ScopedGetObjectMixin,
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
    ScopedSingleObjectMixin,
)
from network.export_views import export_buttons
from network.import_views import import_buttons
from network.models import Commune

from . import admin_forms, services
from .exceptions import CertificateError
from .models import (
    BulkIssue,
    BulkIssueStatus,
    Certificate,
    CertificateKind,
    CertificateStatus,
    CertificateTemplate,
    IssueRequest,
    RequestStatus,
    State,
)


def _crumbs(*items: tuple[str, object]) -> list[dict]:
    """Wagtail's slim-header breadcrumbs: Home › Certificates › ... (the last one is here)."""
    return [
        {"url": reverse("wagtailadmin_home"), "label": _("Home")},
        *({"url": url, "label": label} for url, label in items),
    ]


def _page(request, template_name: str, *, title: str, icon: str, crumbs=(), **context):
    """A custom admin page with Wagtail's header and breadcrumbs."""
    return TemplateResponse(
        request,
        template_name,
        {
            "page_title": title,
            "header_title": title,
            "header_icon": icon,
            "breadcrumbs_items": _crumbs(*crumbs, ("", title)),
            **context,
        },
    )


def _registry_url(**query) -> str:
    url = reverse("certificates_registry:index")
    return f"{url}?{urlencode(query)}" if query else url


def _inspect_url(pk: int) -> str:
    return reverse("certificates_registry:inspect", args=[pk])


def _registry_crumb() -> tuple[str, str]:
    return (_registry_url(), _("Certificates"))


def _certificate(request, pk, action: str = "view") -> Certificate:
    """The certificate if the user may do `action` on it, else 404 (never say it exists)."""
    return get_object_or_404(
        permissions.visible(request.user, Certificate, action).select_related(
            "holder", "commune", "run", "module", "path", "template"
        ),
        pk=pk,
    )


def _managed_run(request, pk) -> CourseRun:
    """A run the user may change (coordinators of its commune, the network), else 404."""
    return get_object_or_404(
        permissions.visible(request.user, CourseRun, "change").select_related("module", "commune"),
        pk=pk,
    )


def _current_of_run(user, run: CourseRun):
    return (
        permissions.visible(user, Certificate, "view")
        .current()
        .filter(run=run, kind=CertificateKind.ISSUED)
    )


# --- the registry ----------------------------------------------------------------------------


def _state_condition(state: str, today: dt.date) -> Q:
    """The rows whose Certificate.state(today) is `state`, as a database condition."""
    current = Q(status=CertificateStatus.VALID, superseded_by__isnull=True)
    not_expired = Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    return {
        State.REVOKED: Q(status=CertificateStatus.REVOKED),
        State.SUPERSEDED: Q(status=CertificateStatus.VALID, superseded_by__isnull=False),
        State.EXPIRED: current & Q(valid_until__lt=today),
        State.NOT_YET: current & not_expired & Q(valid_from__gt=today),
        State.VALID: current & not_expired & Q(valid_from__lte=today),
    }.get(state, Q())


class CertificateFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=gettext_lazy("Kind"), choices=CertificateKind.choices)
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("State"), choices=State.choices, method="filter_state"
    )
    module = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Module"), queryset=ModulePage.objects.order_by("title")
    )
    commune = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Commune"), queryset=Commune.objects.none()
    )
    run = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Course run"), queryset=CourseRun.objects.none()
    )
    expiring = django_filters.BooleanFilter(
        label=gettext_lazy("Expires within 60 days"), method="filter_expiring"
    )
    this_year = django_filters.BooleanFilter(
        label=gettext_lazy("Issued this year"), method="filter_this_year"
    )

    class Meta:
        model = Certificate
        fields = ["kind", "status", "module", "commune", "run", "expiring", "this_year"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["commune"].queryset = communes_of(request.user).order_by("name")
            self.filters["run"].queryset = (
                permissions.visible(request.user, CourseRun, "view")
                .select_related("module")
                .order_by("-starts_at", "code")
            )

    def filter_state(self, queryset, name, value):
        return queryset.filter(_state_condition(value, timezone.localdate())) if value else queryset

    def filter_expiring(self, queryset, name, value):
        if value is None:
            return queryset
        today = timezone.localdate()
        soon = Q(
            status=CertificateStatus.VALID,
            superseded_by__isnull=True,
            valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=services.EXPIRY_NOTICE_DAYS),
        )
        return queryset.filter(soon) if value else queryset.exclude(soon)

    def filter_this_year(self, queryset, name, value):
        if value is None:
            return queryset
        year = timezone.localdate().year
        start = timezone.make_aware(dt.datetime(year, 1, 1))
        end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
        this_year = Q(issued_at__gte=start, issued_at__lt=end)
        return queryset.filter(this_year) if value else queryset.exclude(this_year)


class LocalDateColumn(Column):
    """A moment or a day, the Belgian way (14/10/2026), in Brussels time."""

    def get_value(self, instance):
        value = super().get_value(instance)
        if isinstance(value, dt.datetime):
            value = timezone.localdate(value)
        return admin_forms.day_label(value) or "—"


class StateColumn(StatusTagColumn):
    def get_value(self, instance):
        return admin_forms.state_label(instance.state(self.today))

    @cached_property
    def today(self):
        return timezone.localdate()


def may_export(user) -> bool:
    """Exports need the permission layer's "export" on at least one certificate."""
    return permissions.visible(user, Certificate, "export").exists()


def _registry_rows(certificates):
    rows = certificates.select_related("commune", "run")
    return admin_forms.export_rows(rows.iterator(), timezone.localdate())


# The certificate registry: coordinators (who hold the view permission of certificates) of
# their communes, the network coordination; the permission layer's "export" scopes the rows.
REGISTRY = exports.Export(
    name="certificates",
    model=Certificate,
    permission="maillage_certificates.view_certificate",
    header=admin_forms.export_header,
    rows=_registry_rows,
    filename="attestations",
)


class CertificateIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("commune")

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        # The number leads to the certificate; there is no edit form (what it says is frozen).
        column_class = self._get_title_column_class(column_class)
        return column_class(
            "number",
            label=gettext_lazy("Number"),
            accessor=str,
            sort_key="serial",
            get_url=lambda certificate: _inspect_url(certificate.pk),
        )

    @cached_property
    def add_item_label(self):
        return _("Record an external certificate")

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if may_export(self.request.user):
            url = reverse("certificates_registry:export")
            buttons.extend(export_buttons(self.request, REGISTRY, url))
        # Certificates issued on paper before Maillage existed.
        buttons.extend(import_buttons(self.request, "certificates"))
        return buttons


class CertificateInspectView(ScopedInspectView):
    """Everything about one certificate: what it says (frozen), its life, its files."""

    template_name = "certificates/admin/inspect.html"
    page_title = gettext_lazy("Certificate")

    def scoped_queryset(self):
        return (
            super()
            .scoped_queryset()
            .select_related(
                "holder",
                "commune",
                "run",
                "module",
                "path",
                "template",
                "issued_by",
                "revoked_by",
                "superseded_by",
            )
        )

    def get_fields_context(self):
        return []  # the template lays the certificate out itself (get_context_data)

    @cached_property
    def can_change(self) -> bool:
        return permissions.can(self.request.user, "change", self.object)

    @cached_property
    def header_buttons(self):
        certificate = self.object
        buttons = []
        if not certificate.is_external and not certificate.anonymised:
            buttons.append(
                HeaderButton(
                    _("Download the PDF"),
                    url=reverse("certificates:pdf", args=[certificate.pk]),
                    icon_name="download",
                    priority=10,
                )
            )
            buttons.append(
                HeaderButton(
                    _("Verification page"),
                    url=certificate.get_verification_path(),
                    icon_name="link-external",
                    priority=30,
                    attrs={"target": "_blank", "rel": "noopener noreferrer"},
                )
            )
        if certificate.credential:
            buttons.append(
                HeaderButton(
                    _("Open Badge"),
                    url=reverse("certificates:badge", args=[certificate.pk]),
                    icon_name="download",
                    priority=20,
                )
            )
        if certificate.is_external and certificate.scan:
            buttons.append(
                HeaderButton(
                    _("Download the scan"),
                    url=reverse("certificates:scan", args=[certificate.pk]),
                    icon_name="download",
                    priority=10,
                )
            )
        if self.can_change and certificate.status == CertificateStatus.VALID:
            if (
                not certificate.is_external
                and not certificate.superseded_by_id
                and certificate.holder_id
                and not certificate.anonymised
            ):
                buttons.append(
                    HeaderButton(
                        _("Re-issue"),
                        url=reverse("certificates_registry:reissue", args=[certificate.pk]),
                        icon_name="rotate",
                        priority=40,
                    )
                )
            if not certificate.superseded_by_id:  # revoke the one that replaced it instead
                buttons.append(
                    HeaderButton(
                        _("Revoke"),
                        url=reverse("certificates_registry:revoke", args=[certificate.pk]),
                        icon_name="cross",
                        priority=50,
                    )
                )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        c = self.object
        state = c.state()
        supersedes = Certificate.objects.filter(superseded_by=c).only("pk", "serial").first()
        content = c.content or {}
        frozen = [
            (label, content.get(key))
            for key, label in (
                ("title", _("Title")),
                ("holder_name", _("Holder")),
                ("body", _("Text")),
                ("achievement", _("Achievement")),
                ("hours", _("Hours")),
                ("dates", _("Dates")),
                ("place", _("Place")),
                ("provider", _("Given by")),
                ("signatory_name", _("Signatory")),
                ("signatory_title", _("Signatory's title")),
                ("issuer", _("Issuer")),
                ("issued_line", _("Issue line")),
                ("validity_line", _("Validity line")),
            )
            if content.get(key)
        ]
        facts = [
            (_("Number") if c.serial else _("Reference"), c.serial or c.reference or "—"),
            (_("Holder"), c.holder_name or "—"),
            (_("Holder's account"), c.holder.email if c.holder_id else _("none (erased)")),
            (_("Achievement"), c.title),
            (_("Kind"), c.get_kind_display()),
            (_("Hours"), c.hours),
            (_("Issued at"), local_label(c.issued_at)),
            (_("Issued by"), person_label(c.issued_by) if c.issued_by else "—"),
            (_("Valid from"), admin_forms.day_label(c.valid_from)),
            (
                _("Valid until"),
                admin_forms.day_label(c.valid_until) or _("does not expire"),
            ),
            (_("Commune"), c.commune or "—"),
            (_("Module"), c.module.title if c.module_id else "—"),
            (_("Training path"), c.path.title if c.path_id else "—"),
            (_("Template"), c.template or "—"),
        ]
        if c.is_external:
            facts.append((_("Issued by (organisation)"), c.issuer_name or "—"))
        else:
            facts.append((_("Verification code"), c.code))
        context.update(
            certificate=c,
            state=state,
            state_label=admin_forms.state_label(state),
            is_valid=state == State.VALID,
            facts=facts,
            frozen=frozen,
            supersedes=supersedes,
            run_url=reverse("lms_runs:inspect", args=[c.run_id]) if c.run_id else "",
            revoked_at=local_label(c.revoked_at),
            revoked_by=person_label(c.revoked_by) if c.revoked_by else "",
            anonymised_at=local_label(c.anonymised_at),
            verification_url="" if c.is_external else c.verification_url(),
        )
        return context


class CertificateViewSet(ScopedModelViewSet):
    """The registry: every certificate in the user's scope. Issued certificates are frozen
    (no edit) and nothing is deleted (no delete); actions are revoke and re-issue."""

    model = Certificate
    add_to_reference_index = False
    icon = "doc-full"
    menu_label = gettext_lazy("Registry")
    url_prefix = "attestations"
    url_namespace = "certificates_registry"
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    inspect_view_enabled = True
    filterset_class = CertificateFilterSet
    search_fields = ["serial", "reference", "title", "content__holder_name"]
    search_backend_name = None
    list_display = [
        "serial",
        Column("holder", label=gettext_lazy("Holder"), accessor="holder_name"),
        Column("title", label=gettext_lazy("Achievement"), sort_key="title"),
        Column("kind", label=gettext_lazy("Kind"), accessor="get_kind_display"),
        LocalDateColumn("issued_at", label=gettext_lazy("Issued on"), sort_key="issued_at"),
        LocalDateColumn("valid_until", label=gettext_lazy("Valid until"), sort_key="valid_until"),
        StateColumn("state", label=gettext_lazy("State")),
        Column("commune", label=gettext_lazy("Commune"), accessor="commune"),
    ]
    form_fields = ["title"]  # never used: the add view is the external certificate form

    @property
    def url_finder_class(self):
        class CertificateURLFinder(super().url_finder_class):
            def construct_edit_url(self, instance):
                return _inspect_url(instance.pk)

        return CertificateURLFinder

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs.update(edit_url_name=None, delete_url_name=None, history_url_name=None)
        return view_kwargs

    def get_urlpatterns(self):
        kept = [
            p for p in super().get_urlpatterns() if p.name in ("index", "index_results", "inspect")
        ]
        return [
            *kept,
            path("new/", self.external_view, name="add"),
            path("revoke/<int:pk>/", self.revoke_view, name="revoke"),
            path("reissue/<int:pk>/", self.reissue_view, name="reissue"),
            path("export/", self.export_view, name="export"),
        ]

    # --- external certificates

    def external_view(self, request):
        if not policy_registry.get_by_type(Certificate).user_has_permission(request.user, "add"):
            raise PermissionDenied
        form = admin_forms.ExternalCertificateForm(
            request.POST or None, request.FILES or None, user=request.user
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                certificate = services.record_external(
                    holder=data["holder"],
                    module=data["module"],
                    title=data["title"],
                    issuer_name=data["issuer_name"],
                    issued_on=data["issued_on"],
                    hours=data["hours"],
                    reference=data["reference"],
                    valid_until=data["valid_until"],
                    scan=data["scan"],
                    actor=request.user,
                    origin="admin",
                )
            except CertificateError as error:
                form.add_error(None, error.message)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(
                    request,
                    _("The external certificate of %(name)s is recorded.")
                    % {"name": certificate.holder_name},
                )
                return redirect(_inspect_url(certificate.pk))
        return _page(
            request,
            "certificates/admin/external_form.html",
            title=_("Record an external certificate"),
            icon="upload",
            crumbs=[_registry_crumb()],
            form=form,
            cancel_url=_registry_url(),
        )

    # --- revoking, re-issuing

    def revoke_view(self, request, pk):
        certificate = _certificate(request, pk, "change")
        if certificate.status == CertificateStatus.REVOKED:
            messages.info(request, _("This certificate is already revoked."))
            return redirect(_inspect_url(certificate.pk))
        form = admin_forms.RevokeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.revoke(
                    certificate,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    origin="admin",
                )
            except CertificateError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("Certificate %(number)s is revoked.") % {"number": certificate},
                )
            return redirect(_inspect_url(certificate.pk))
        title = _("Revoke certificate %(number)s") % {"number": certificate}
        return _page(
            request,
            "certificates/admin/revoke.html",
            title=title,
            icon="cross",
            crumbs=[_registry_crumb(), (_inspect_url(certificate.pk), str(certificate))],
            certificate=certificate,
            form=form,
            cancel_url=_inspect_url(certificate.pk),
        )

    def reissue_view(self, request, pk):
        certificate = _certificate(request, pk, "change")
        if request.method == "POST":
            try:
                new = services.reissue(certificate, actor=request.user, origin="admin")
            except CertificateError as error:
                messages.error(request, error.message)
                return redirect(_inspect_url(certificate.pk))
            messages.success(
                request,
                _("Certificate %(new)s replaces %(old)s; the holder receives it by e-mail.")
                % {"new": new, "old": certificate},
            )
            return redirect(_inspect_url(new.pk))
        title = _("Re-issue certificate %(number)s") % {"number": certificate}
        return _page(
            request,
            "certificates/admin/reissue.html",
            title=title,
            icon="rotate",
            crumbs=[_registry_crumb(), (_inspect_url(certificate.pk), str(certificate))],
            certificate=certificate,
            cancel_url=_inspect_url(certificate.pk),
        )

    # --- export

    def _listing(self, request):
        """The listing's rows as its filters and search narrow them."""
        view_class = self.index_view_class
        kwargs = {**self.get_common_view_kwargs(), **self.get_index_view_kwargs()}
        view = view_class(
            **{
                key: value
                for key, value in kwargs.items()
                if hasattr(view_class, key) and value is not self.UNDEFINED
            }
        )
        view.setup(request)
        return view.get_queryset()

    def export_view(self, request):
        if not may_export(request.user):
            return exports.forbidden(request)
        return exports.export_for(
            request, REGISTRY, self._listing(request), exports.requested_format(request)
        )


# --- the review queue ------------------------------------------------------------------------


def _request(request, pk) -> IssueRequest:
    return get_object_or_404(
        permissions.visible(request.user, IssueRequest, "change").select_related(
            "holder", "template", "run", "commune"
        ),
        pk=pk,
    )


def _queue_url() -> str:
    return reverse("certificates_requests:index")


class IssueRequestIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("holder", "template", "run", "commune", "decided_by")
            .annotate(
                pending_first=Case(
                    When(status=RequestStatus.PENDING, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
        )

    def order_queryset(self, queryset):
        if self.is_explicitly_ordered and self.ordering:
            return super().order_queryset(queryset)
        return queryset.order_by("pending_first", "created_at", "pk")

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        column_class = self._get_title_column_class(column_class)

        def url(item):
            if item.status == RequestStatus.PENDING:
                return reverse("certificates_requests:issue", args=[item.pk])
            if item.certificate_id:
                return _inspect_url(item.certificate_id)
            return None

        return column_class(
            "holder",
            label=gettext_lazy("Holder"),
            accessor=lambda item: person_label(item.holder),
            get_url=url,
        )

    def get_list_buttons(self, instance):
        if instance.status != RequestStatus.PENDING:
            return []
        return [
            Button(
                _("Issue"),
                url=reverse("certificates_requests:issue", args=[instance.pk]),
                icon_name="tick",
                classname="button-small",
                priority=10,
            ),
            Button(
                _("Decline"),
                url=reverse("certificates_requests:decline", args=[instance.pk]),
                icon_name="cross",
                classname="button-small button-secondary",
                priority=20,
            ),
        ]


class IssueRequestViewSet(ScopedModelViewSet):
    """Certificates of templates in review mode, waiting for a coordinator's decision."""

    model = IssueRequest
    add_to_reference_index = False
    icon = "tasks"
    menu_label = gettext_lazy("To review")
    url_prefix = "attestations/a-verifier"
    url_namespace = "certificates_requests"
    index_view_class = IssueRequestIndexView
    list_filter = ["status"]
    search_fields = ["holder__first_name", "holder__last_name", "template__name"]
    search_backend_name = None
    list_display = [
        "holder",
        Column("template", label=gettext_lazy("Template"), accessor="template"),
        Column(
            "run",
            label=gettext_lazy("Course run"),
            accessor=lambda item: item.run.code if item.run_id else "—",
        ),
        Column("commune", label=gettext_lazy("Commune"), accessor="commune"),
        LocalDateColumn("created_at", label=gettext_lazy("Asked on"), sort_key="created_at"),
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
        Column("reason", label=gettext_lazy("Reason"), accessor="reason"),
    ]
    form_fields = ["reason"]  # no add or edit view: decisions go through services

    @property
    def url_finder_class(self):
        class IssueRequestURLFinder(super().url_finder_class):
            def construct_edit_url(self, instance):
                return _queue_url()

        return IssueRequestURLFinder

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs.update(
            add_url_name=None, edit_url_name=None, delete_url_name=None, history_url_name=None
        )
        return view_kwargs

    def get_urlpatterns(self):
        kept = [p for p in super().get_urlpatterns() if p.name in ("index", "index_results")]
        return [
            *kept,
            path("issue/<int:pk>/", self.issue_view, name="issue"),
            path("decline/<int:pk>/", self.decline_view, name="decline"),
        ]

    def _decide(self, request, item, *, approve: bool, reason: str = ""):
        try:
            certificate = services.decide_request(
                item, actor=request.user, approve=approve, reason=reason, origin="admin"
            )
        except CertificateError as error:
            messages.error(request, error.message)
            return redirect(_queue_url())
        name = person_label(item.holder)
        if certificate is not None:
            messages.success(
                request,
                _("Certificate %(number)s is issued to %(name)s.")
                % {"number": certificate, "name": name},
            )
        else:
            messages.success(
                request, _("The certificate of %(name)s is declined.") % {"name": name}
            )
        return redirect(_queue_url())

    def _render(self, request, item, *, title, icon, template_name, **context):
        return _page(
            request,
            template_name,
            title=title,
            icon=icon,
            crumbs=[(_queue_url(), _("Certificates to review"))],
            item=item,
            holder=person_label(item.holder),
            cancel_url=_queue_url(),
            **context,
        )

    def issue_view(self, request, pk):
        item = _request(request, pk)
        if request.method == "POST":
            return self._decide(request, item, approve=True)
        return self._render(
            request,
            item,
            title=_("Issue a certificate"),
            icon="tick",
            template_name="certificates/admin/request_issue.html",
        )

    def decline_view(self, request, pk):
        item = _request(request, pk)
        form = admin_forms.DeclineForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._decide(request, item, approve=False, reason=form.cleaned_data["reason"])
        return self._render(
            request,
            item,
            title=_("Decline a certificate"),
            icon="cross",
            template_name="certificates/admin/request_decline.html",
            form=form,
        )


# --- templates (a snippet: the network coordination's) ---------------------------------------


class TemplateIndexView(BoundedSearchMixin, snippet_views.IndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related("module", "path")
        return queryset.filter(
            pk__in=permissions.visible(self.request.user, CertificateTemplate).values("pk")
        )


class TemplateEditView(ScopedSingleObjectMixin, snippet_views.EditView):
    scope_action = "change"


class TemplateDeleteView(ScopedSingleObjectMixin, snippet_views.DeleteView):
    scope_action = "delete"

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ProtectedError:
            messages.error(self.request, str(USED_TEMPLATE_MESSAGE))
            return redirect(reverse("certificates_templates:edit", args=[self.object.pk]))


class TemplateInspectView(ScopedGetObjectMixin, snippet_views.InspectView):
    scope_action = "view"


class TemplateHistoryView(ScopedBaseObjectMixin, snippet_views.HistoryView):
    scope_action = "view"


class TemplateUsageView(ScopedBaseObjectMixin, snippet_views.UsageView):
    scope_action = "view"


USED_TEMPLATE_MESSAGE = gettext_lazy(
    "This template was used for certificates: it cannot be deleted. Take it out of use "
    "instead (untick “In use”)."
)


def refuse_deleting_used_templates(request, instances):
    """The before_delete_snippet hook: a template with certificates or requests stays."""
    used = [
        t
        for t in instances
        if isinstance(t, CertificateTemplate)
        and (
            Certificate.objects.filter(template=t).exists()
            or IssueRequest.objects.filter(template=t).exists()
        )
    ]
    if not used:
        return None
    messages.error(request, str(USED_TEMPLATE_MESSAGE))
    return redirect(reverse("certificates_templates:list"))


class TemplateViewSet(SnippetViewSet):
    """Certificate templates: the network coordination writes them, coordinators read them."""

    model = CertificateTemplate
    icon = "doc-empty"
    menu_label = gettext_lazy("Templates")
    menu_item_is_registered = True  # in the Certificates menu, not under Snippets
    url_prefix = "attestations/modeles"
    url_namespace = "certificates_templates"
    index_view_class = TemplateIndexView
    edit_view_class = TemplateEditView
    delete_view_class = TemplateDeleteView
    inspect_view_class = TemplateInspectView
    history_view_class = TemplateHistoryView
    usage_view_class = TemplateUsageView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_export: list[str] = []
    list_display = ["name", "module", "path", "issue_mode", "validity_months", "active"]
    list_filter = ["issue_mode", "active"]
    search_fields = ["name", "title"]
    search_backend_name = None
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            # Plain selects (a short list): the page chooser would add an inline script.
            FieldRowPanel(
                [
                    FieldPanel("module", widget=forms.Select),
                    FieldPanel("path", widget=forms.Select),
                ]
            ),
            FieldPanel("title"),
            FieldPanel("body", help_text=admin_forms.placeholder_help()),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("signatory_name"), FieldPanel("signatory_title")]),
                    FieldRowPanel([FieldPanel("signature"), FieldPanel("logo")]),
                ],
                heading=gettext_lazy("Signature"),
            ),
            FieldRowPanel(
                [FieldPanel("validity_months"), FieldPanel("issue_mode"), FieldPanel("active")]
            ),
        ],
        base_form_class=admin_forms.CertificateTemplateForm,
    )

    def register_chooser_viewset(self):
        # Nothing chooses a template (a certificate keeps the one it was issued from): no
        # chooser, so no chooser URL that would list templates outside the permission layer.
        pass


class CertificatesViewSetGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Certificates")
    menu_icon = "doc-full"
    menu_order = 230
    items = (CertificateViewSet, IssueRequestViewSet, TemplateViewSet)


# --- bulk issuing for a course run -----------------------------------------------------------


def _bulk_payload(bulk: BulkIssue) -> dict:
    finished = bulk.status in (BulkIssueStatus.DONE, BulkIssueStatus.FAILED)
    return {
        "status": bulk.status,
        "status_label": bulk.get_status_display(),
        "done": bulk.done,
        "total": bulk.total,
        "issued": bulk.issued,
        "percent": bulk.percent,
        "finished": finished,
        "summary": _bulk_summary(bulk),
    }


def _bulk_summary(bulk: BulkIssue) -> str:
    if bulk.status == BulkIssueStatus.FAILED:
        return _(
            "Issuing stopped after %(done)s of %(total)s; %(issued)s certificates were issued. "
            "Start again: nobody gets a certificate twice."
        ) % {"done": bulk.done, "total": bulk.total, "issued": bulk.issued}
    if bulk.status == BulkIssueStatus.DONE:
        return ngettext(
            "Done: %(issued)s certificate issued out of %(total)s.",
            "Done: %(issued)s certificates issued out of %(total)s.",
            bulk.issued,
        ) % {"issued": bulk.issued, "total": bulk.total}
    if bulk.status == BulkIssueStatus.QUEUED:
        return _("Waiting to start…")
    return _("%(done)s of %(total)s done, %(issued)s issued.") % {
        "done": bulk.done,
        "total": bulk.total,
        "issued": bulk.issued,
    }


def run_header_buttons(request, run) -> list[HeaderButton]:
    """lms' run page: issue the run's certificates, download them all."""
    if not permissions.can(request.user, "change", run):
        return []
    buttons = [
        HeaderButton(
            _("Issue certificates"),
            url=reverse("certificates_bulk:preview", args=[run.pk]),
            icon_name="doc-full",
            priority=60,
        )
    ]
    if _current_of_run(request.user, run).exists():
        buttons.append(
            HeaderButton(
                _("Download all certificates (ZIP)"),
                url=reverse("certificates_bulk:zip", args=[run.pk]),
                icon_name="download",
                priority=70,
            )
        )
    return buttons


class BulkIssueViewSet(ViewSet):
    """Issue the certificates of a whole run: preview, start, follow, download (no menu:
    reached from the run's page)."""

    name = "certificates_bulk"
    icon = "doc-full"
    url_prefix = "attestations/sessions"
    url_namespace = "certificates_bulk"

    def get_urlpatterns(self):
        return [
            path("<int:run_id>/", self.preview_view, name="preview"),
            path("<int:run_id>/zip/", self.zip_view, name="zip"),
            path("envoi/<int:pk>/", self.progress_view, name="progress"),
            path("envoi/<int:pk>/etat/", self.status_view, name="status"),
        ]

    def _bulk(self, request, pk) -> BulkIssue:
        return get_object_or_404(
            permissions.visible(request.user, BulkIssue, "change").select_related(
                "run__module", "run__commune"
            ),
            pk=pk,
        )

    def preview_view(self, request, run_id):
        run = _managed_run(request, run_id)
        preview_url = reverse("certificates_bulk:preview", args=[run.pk])
        if request.method == "POST" and request.POST.get("enrolment"):
            # One person, by hand, now (the e-mail goes as for the others).
            enrolment = Enrolment.objects.filter(
                run=run, pk=request.POST["enrolment"] if request.POST["enrolment"].isdigit() else 0
            ).first()
            if enrolment is None:
                messages.error(request, _("This person is not enrolled in this run."))
                return redirect(preview_url)
            try:
                certificate = services.issue_by_hand(enrolment, actor=request.user, origin="admin")
            except CertificateError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("Certificate %(number)s is issued and e-mailed to its holder.")
                    % {"number": certificate.serial},
                )
            return redirect(preview_url)
        if request.method == "POST":
            try:
                bulk = services.start_bulk_issue(run, actor=request.user)
            except CertificateError as error:
                messages.error(request, error.message)
                return redirect(preview_url)
            return redirect(reverse("certificates_bulk:progress", args=[bulk.pk]))
        candidates = services.bulk_preview(run)
        running = (
            BulkIssue.objects.filter(
                run=run, status__in=[BulkIssueStatus.QUEUED, BulkIssueStatus.RUNNING]
            )
            .order_by("-created_at")
            .first()
        )
        title = _("Certificates of %(run)s") % {"run": run.code}
        return _page(
            request,
            "certificates/admin/bulk_preview.html",
            title=title,
            icon="doc-full",
            crumbs=[(reverse("lms_runs:inspect", args=[run.pk]), run.code)],
            run=run,
            template=services.template_for(module=run.module),
            rows=[
                {
                    "enrolment_id": c.enrolment.pk,
                    "name": person_label(c.enrolment.person),
                    "status": c.enrolment.get_status_display(),
                    "will_issue": c.will_issue,
                    "reason": c.reason,
                    "existing": c.existing,
                }
                for c in candidates
            ],
            count=sum(1 for c in candidates if c.will_issue),
            running=running,
            registry_url=_registry_url(run=run.pk),
            zip_url=reverse("certificates_bulk:zip", args=[run.pk]),
            has_certificates=any(c.existing for c in candidates),
            run_url=reverse("lms_runs:inspect", args=[run.pk]),
        )

    def progress_view(self, request, pk):
        bulk = self._bulk(request, pk)
        run = bulk.run
        title = _("Issuing the certificates of %(run)s") % {"run": run.code}
        return _page(
            request,
            "certificates/admin/bulk_progress.html",
            title=title,
            icon="doc-full",
            crumbs=[
                (reverse("lms_runs:inspect", args=[run.pk]), run.code),
                (reverse("certificates_bulk:preview", args=[run.pk]), _("Certificates")),
            ],
            bulk=bulk,
            run=run,
            payload=_bulk_payload(bulk),
            status_url=reverse("certificates_bulk:status", args=[bulk.pk]),
            registry_url=_registry_url(run=run.pk),
            zip_url=reverse("certificates_bulk:zip", args=[run.pk]),
            preview_url=reverse("certificates_bulk:preview", args=[run.pk]),
        )

    def status_view(self, request, pk):
        response = JsonResponse(_bulk_payload(self._bulk(request, pk)))
        response["Cache-Control"] = "no-store"
        return response

    def zip_view(self, request, run_id):
        run = _managed_run(request, run_id)
        certificates = list(
            _current_of_run(request.user, run).select_related("holder").order_by("serial")
        )
        if not any(not c.anonymised for c in certificates):
            messages.info(request, _("This run has no certificate to download yet."))
            return redirect(reverse("certificates_bulk:preview", args=[run.pk]))
        audit.record("certificate.zip", run, actor=request.user, origin="admin")
        response = HttpResponse(services.zip_of(certificates), content_type="application/zip")
        name = get_valid_filename(f"attestations-{run.code}.zip")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response
