"""The model permissions each role needs for the certificate screens of the Wagtail admin."""

from __future__ import annotations

from network import roles

APP = "maillage_certificates"


def grant_permissions() -> None:
    managed = [
        f"{APP}.add_certificate",
        f"{APP}.change_certificate",
        f"{APP}.view_certificate",
        f"{APP}.change_issuerequest",
        f"{APP}.view_issuerequest",
        f"{APP}.view_certificatetemplate",
    ]
    for role in (roles.COMMUNE_COORDINATOR, roles.NETWORK_COORDINATION):
        roles.grant(role, *managed)
    roles.grant(
        roles.NETWORK_COORDINATION,
        f"{APP}.add_certificatetemplate",
        f"{APP}.change_certificatetemplate",
        f"{APP}.delete_certificatetemplate",
    )
