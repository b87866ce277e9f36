"""The coordinators' panels on the Wagtail admin home (construct_homepage_panels).

The network coordination sees every commune, a commune coordinator theirs, plus what waits
for them. Each panel reads its figures in a fixed number of queries (hub.dashboards).
Trainers, facilitators and referents have no admin access: their panels are on "Mon parcours".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from wagtail.admin.ui.components import Component

from lms.models import EnrolmentStatus, ModulePage
from network.models import MemberStatus

from . import charts, dashboards

ORDER = 40  # before Wagtail's own panels (moderation 210, recent edits 250)


@dataclass
class Figures:
    """What the panels of one request share: the scope, the period, the chosen module."""

    request: HttpRequest

    @cached_property
    def scope(self) -> dashboards.Scope:
        return dashboards.scope_for(self.request.user)

    @cached_property
    def period(self) -> dashboards.Period:
        return dashboards.Period.last_months(dashboards.TREND_MONTHS)

    @cached_property
    def modules(self) -> list[tuple[int, str]]:
        return list(ModulePage.objects.live().order_by("title").values_list("pk", "title"))

    @cached_property
    def module_id(self) -> int | None:
        wanted = self.request.GET.get("module", "")
        known = {pk for pk, _title in self.modules}
        # isdecimal, not isdigit: int() refuses "²", which isdigit accepts.
        return int(wanted) if wanted.isdecimal() and int(wanted) in known else None


def figures_of(request: HttpRequest) -> Figures:
    cached = getattr(request, "_maillage_dashboard", None)
    if cached is None:
        cached = request._maillage_dashboard = Figures(request)
    return cached


class DashboardPanel(Component):
    template_name = "hub/admin/panel.html"
    heading = ""
    body_template = ""

    class Media:
        css = {"all": ["hub/css/dashboard.css"]}

    def __init__(self, request: HttpRequest) -> None:
        self.figures = figures_of(request)

    def context(self) -> dict:
        return {}

    def get_context_data(self, parent_context):
        return {
            "panel_id": self.name,
            "heading": self.heading,
            "body_template": self.body_template,
            **self.context(),
        }


class TrainedPanel(DashboardPanel):
    name = "maillage-trained"
    order = ORDER
    body_template = "hub/admin/trained.html"

    @property
    def heading(self):  # type: ignore[override]
        return _("Professionals trained")

    def context(self) -> dict:
        f = self.figures
        trained = dashboards.trained(f.scope, f.period, f.module_id)
        monthly = dashboards.monthly_completions(f.scope, f.period)
        return {
            "period": f.period,
            "trained": trained,
            "modules": f.modules,
            "module_id": f.module_id,
            "charts": charts.trained_charts(
                "trained", trained.by_commune, trained.by_kind, monthly
            ),
        }


class RunsPanel(DashboardPanel):
    name = "maillage-runs"
    order = ORDER + 1
    body_template = "hub/admin/runs.html"

    @property
    def heading(self):  # type: ignore[override]
        return _("Next training sessions")

    def context(self) -> dict:
        rows = dashboards.upcoming_runs(self.figures.scope)
        return {
            "rows": rows,
            "chart": charts.bar_chart(
                "runs-fill",
                _("Seats taken in the next training sessions"),
                [(f"{row.code} — {row.module}", row.fill_rate) for row in rows],
                label_header=_("Training session"),
                value_header=_("Seats taken (%)"),
                unit=" %",
                maximum=100,
            ),
        }


class PendingPanel(DashboardPanel):
    """Commune coordinators: requests, registrations and waiting lists of their communes."""

    name = "maillage-pending"
    order = ORDER - 1
    body_template = "hub/admin/pending.html"

    @property
    def heading(self):  # type: ignore[override]
        return _("Waiting for you")

    def context(self) -> dict:
        pending = dashboards.pending(self.figures.scope)
        enrolments = reverse("lms_enrolments:index")
        return {
            "pending": pending,
            "requests_url": enrolments + "?" + urlencode({"status": EnrolmentStatus.REQUESTED}),
            "waitlist_url": enrolments + "?" + urlencode({"status": EnrolmentStatus.WAITLISTED}),
            "registrations_url": reverse("network_members:index")
            + "?"
            + urlencode({"status": MemberStatus.PENDING}),
        }


class GapsPanel(DashboardPanel):
    name = "maillage-gaps"
    order = ORDER + 2
    body_template = "hub/admin/gaps.html"

    @property
    def heading(self):  # type: ignore[override]
        return _("Group meetings lacking facilitators (next %(days)s days)") % {
            "days": dashboards.GAP_DAYS
        }

    def context(self) -> dict:
        scope = self.figures.scope
        found = dashboards.gaps(scope)
        return {
            "rows": found.listed,
            "more": found.more,
            "seats": found.seats,
            "board_url": reverse("groups_roster:board"),
            "chart": charts.bar_chart(
                "gaps-commune",
                _("Open facilitator seats per commune"),
                found.by_commune(scope),
                label_header=_("Commune"),
                value_header=_("Open seats"),
            ),
        }


class ExpiringPanel(DashboardPanel):
    name = "maillage-expiring"
    order = ORDER + 3
    body_template = "hub/admin/expiring.html"

    @property
    def heading(self):  # type: ignore[override]
        return _("Certificates expiring within %(days)s days") % {"days": dashboards.EXPIRY_DAYS}

    def context(self) -> dict:
        rows = dashboards.expiring(self.figures.scope)
        listed = list(rows[: dashboards.LISTED])
        return {
            "rows": listed,
            "count": rows.count(),
            "registry_url": reverse("certificates_registry:index"),
            "today": timezone.localdate(),
        }


class GroupStatisticsPanel(DashboardPanel):
    name = "maillage-group-statistics"
    order = ORDER + 4
    body_template = "hub/admin/group_statistics.html"

    @property
    def heading(self):  # type: ignore[override]
        return _("Support groups in figures")

    def context(self) -> dict:
        from groups import statistics

        return {
            "year": statistics.SchoolYear.current(),
            "rows": dashboards.group_figures(self.figures.request.user, self.figures.scope),
            "statistics_url": reverse("groups_statistics:index"),
            "masked": statistics.MASKED,
        }


def panels_for(request: HttpRequest) -> list[Component]:
    """The panels a coordinator sees; nothing for anyone else."""
    user = request.user
    if not dashboards.may_see(user):
        return []
    return [
        PendingPanel(request),
        TrainedPanel(request),
        RunsPanel(request),
        GapsPanel(request),
        ExpiringPanel(request),
        GroupStatisticsPanel(request),
    ]
