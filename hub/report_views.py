"""The "Rapports" admin page: the dashboards' figures for a chosen period and communes, shown
and downloaded as XLSX or PDF (audited). Coordinators only; registered from wagtail_hooks.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, include, path, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from network import audit, exports

from . import charts, dashboards, reports

TITLE = gettext_lazy("Activity reports")
MAX_DAYS = 5 * 366
PDF_CONTENT_TYPE = "application/pdf"


class ReportForm(forms.Form):
    first_day = forms.DateField(
        label=gettext_lazy("First day of the period"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last_day = forms.DateField(
        label=gettext_lazy("Last day of the period"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    communes = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Communes"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every commune you see."),
    )

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["communes"].queryset = dashboards.allowed_communes(user)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last:
            if first > last:
                self.add_error("last_day", _("The end of the period comes before its start."))
            elif (last - first).days > MAX_DAYS:
                self.add_error("last_day", _("A report covers five years at most."))
        return data


def default_period(today: dt.date | None = None) -> dashboards.Period:
    """From 1 January to today: the year so far, as the yearly activity report counts."""
    today = today or timezone.localdate()
    return dashboards.Period(dt.date(today.year, 1, 1), today)


def forbidden(request: HttpRequest) -> HttpResponse:
    """A plain 403 (Wagtail would turn PermissionDenied into a redirect to the dashboard)."""
    return TemplateResponse(
        request,
        "hub/admin/reports_forbidden.html",
        {"page_title": TITLE, "header_icon": "table", "header_title": TITLE},
        status=403,
    )


class ReportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "hub/admin/reports.html"
    page_title = TITLE
    header_icon = "table"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not dashboards.may_see(request.user):
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": TITLE}]

    def _form(self) -> ReportForm:
        if "first_day" in self.request.GET or "last_day" in self.request.GET:
            return ReportForm(self.request.GET, user=self.request.user)
        period = default_period()
        return ReportForm(
            initial={"first_day": period.first_day, "last_day": period.last_day},
            user=self.request.user,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form()
        if form.is_bound and not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, report=None))
        if form.is_bound:
            period = dashboards.Period(
                form.cleaned_data["first_day"], form.cleaned_data["last_day"]
            )
            commune_ids = [c.pk for c in form.cleaned_data["communes"]]
        else:
            period, commune_ids = default_period(), []
        report = reports.build(request.user, period, commune_ids)
        wanted = request.GET.get("format")
        if wanted in ("xlsx", "pdf"):
            return self.download(report, wanted)
        return self.render_to_response(self.get_context_data(form=form, report=report))

    def download(self, report: reports.Report, fmt: str) -> HttpResponse:
        audit.record(
            f"export.report_{fmt}",
            None,
            actor=self.request.user,
            origin="admin",
            object_type="maillage_hub.report",
        )
        stem = f"rapport-{report.period.first_day:%Y%m%d}-{report.period.last_day:%Y%m%d}"
        if fmt == "pdf":
            return exports.file_response(stem, "pdf", reports.pdf_bytes(report), PDF_CONTENT_TYPE)
        sheets = [
            (reports.sheet_title(s.sheet), s.header, s.rows) for s in reports.sections(report)
        ]
        return exports.file_response(
            stem, "xlsx", exports.xlsx_workbook_bytes(sheets), exports.XLSX_CONTENT_TYPE
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        report = kwargs.get("report")
        if report is not None:
            query = self.request.GET.copy()
            query.pop("format", None)
            if not query:
                query["first_day"] = report.period.first_day.isoformat()
                query["last_day"] = report.period.last_day.isoformat()
            context |= {
                "sections": reports.shown(reports.sections(report)),
                "charts": charts.trained_charts(
                    "report", report.trained.by_commune, report.trained.by_kind, report.monthly
                ),
                "download_query": query.urlencode(),
            }
        return context


def get_urls() -> list[URLPattern]:
    """Admin URLs, for the register_admin_urls hook (Wagtail adds its admin-access check)."""
    return [path("rapports/", include(([path("", ReportView.as_view(), name="index")], "reports")))]


class ReportsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return dashboards.may_see(request.user)


def menu_item() -> MenuItem:
    return ReportsMenuItem(
        TITLE, reverse_lazy("reports:index"), name="reports", icon_name="table", order=950
    )
