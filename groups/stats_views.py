"""The support-group statistics in the Wagtail admin: a table per commune and school year, and
its CSV and XLSX export. Commune coordinators see their communes, the network coordination every
commune; anyone else gets a 403. Registered from wagtail_hooks.py (`get_urls()`, and
`menu_item()` in the "Support groups" admin menu).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, include, path, reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from network import audit, exports

from . import statistics
from .models import ReferralSource

TITLE = _("Support groups in figures")
YEARS_SHOWN = 5
YEAR_PARAMETER = "annee"


def forbidden(request: HttpRequest) -> HttpResponse:
    """A plain 403: Wagtail would turn PermissionDenied into a redirect to the dashboard."""
    return TemplateResponse(
        request,
        "groups/statistics_forbidden.html",
        {"page_title": TITLE, "header_icon": "table", "header_title": TITLE},
        status=403,
    )


def _year(request: HttpRequest) -> statistics.SchoolYear:
    """The school year asked for (its first calendar year), among those offered; else the
    current one."""
    current = statistics.SchoolYear.current()
    offered = {y.start_year for y in current.previous(YEARS_SHOWN)}
    try:
        asked = int(request.GET.get(YEAR_PARAMETER, ""))
    except ValueError:
        return current
    return statistics.SchoolYear(asked) if asked in offered else current


class CoordinatorsOnlyMixin:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not statistics.may_see(request.user):
            return forbidden(request)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class StatisticsView(CoordinatorsOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "groups/statistics.html"
    page_title = TITLE
    header_icon = "table"

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": TITLE}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        year = _year(self.request)
        rows = statistics.figures(self.request.user, year)
        export_url = reverse("groups_statistics:export")
        context |= {
            "year": year,
            "years": statistics.SchoolYear.current().previous(YEARS_SHOWN),
            "year_parameter": YEAR_PARAMETER,
            "rows": rows,
            "totals": statistics.totals(rows) if len(rows) > 1 else None,
            "statuses": statistics.status_labels(),
            "sources": list(ReferralSource.labels),
            "masked": statistics.MASKED,
            "export_url": f"{export_url}?{YEAR_PARAMETER}={year.start_year}",
        }
        return context


class ExportView(CoordinatorsOnlyMixin, View):
    """The table as CSV or XLSX (formulas neutralised; aggregates only), audited."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        year = _year(request)
        rows = statistics.figures(request.user, year)
        audit.record(
            "export.group_statistics",
            None,
            actor=request.user,
            origin="admin",
            object_type="maillage_groups.statistics",
        )
        return exports.export_response(
            f"groupes-statistiques-{year.start_year}",
            statistics.export_header(),
            statistics.export_rows(rows, year),
            fmt=exports.requested_format(request),
        )


def get_urls() -> list[URLPattern | URLResolver]:
    """Admin URLs, for the register_admin_urls hook (Wagtail adds its admin-access check)."""
    urls = [
        path("", StatisticsView.as_view(), name="index"),
        path("export/", ExportView.as_view(), name="export"),
    ]
    return [
        path(
            "groupes/statistiques/",
            include((urls, "groups_statistics"), namespace="groups_statistics"),
        )
    ]


class StatisticsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return statistics.may_see(request.user)


def menu_item() -> MenuItem:
    """The entry of the "Support groups" admin menu, for those who may see the figures."""
    return StatisticsMenuItem(
        TITLE,
        reverse_lazy("groups_statistics:index"),
        name="groups-statistics",
        icon_name="table",
        order=900,
    )
