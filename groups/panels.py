"""The "Support groups in figures" panel of "Mon parcours" (registered from GroupsConfig.ready()):
commune coordinators see their communes, the network coordination every commune; counts of
children masked below five (groups.statistics). Nobody else sees it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from network import registries

from . import statistics


def statistics_context(request: HttpRequest) -> dict[str, Any] | None:
    if not request.user.is_authenticated or not statistics.may_see(request.user):
        return None
    year = statistics.SchoolYear.current()
    rows = statistics.figures(request.user, year)
    return {
        "year": year,
        "rows": rows,
        "url": reverse("groups_statistics:index"),
        "masked": statistics.MASKED,
    }


def register() -> None:
    registries.dashboard_panels.register(
        registries.DashboardPanel(
            key="groups.statistics",
            title=_("Support groups in figures"),
            template="groups/panels/statistics.html",
            get_context=statistics_context,
            order=60,
        )
    )
