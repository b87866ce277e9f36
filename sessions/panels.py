"""The "Mon agenda" panel of the learner dashboard (registered from SessionsConfig.ready())."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

PANEL_SIZE = 3


def agenda_panel_context(request: HttpRequest) -> dict[str, Any] | None:
    """The next three sessions of the person's agenda and the way to the agenda page."""
    if not request.user.is_authenticated:
        return None
    from .views import agenda_items

    return {
        "items": agenda_items(request.user, limit=PANEL_SIZE),
        "agenda_url": reverse("sessions:agenda"),
    }
