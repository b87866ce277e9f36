"""The "Mes attestations" panel of "Mon parcours" (registered from CertificatesConfig.ready())."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network import registries

from .services import holder_certificates


def certificates_context(request: HttpRequest) -> dict[str, Any] | None:
    if not request.user.is_authenticated:
        return None
    today = timezone.localdate()
    certificates = [
        {"certificate": c, "state": c.state(today)} for c in holder_certificates(request.user)
    ]
    pending = request.user.certificate_requests.filter(status="pending").select_related("template")
    return {"certificates": certificates, "pending": list(pending), "today": today}


def register() -> None:
    registries.dashboard_panels.register(
        registries.DashboardPanel(
            key="certificates.mine",
            title=_("My certificates"),
            template="certificates/panels/certificates.html",
            get_context=certificates_context,
            order=125,
        )
    )
