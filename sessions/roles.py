"""The model permissions the coordinating roles need for the agenda's admin screens.

Wagtail shows a screen only to a role holding the model permission; the permission layer then
narrows it to the objects of the role's communes. Call `grant_admin_permissions()` in ready().
"""

from __future__ import annotations

from network import roles

APP = "maillage_sessions"
MANAGED = ("venue", "series", "closure", "assignment", "availability", "absence")


def admin_permissions() -> list[str]:
    dotted = [
        f"{APP}.{action}_{model}"
        for model in MANAGED
        for action in ("add", "change", "delete", "view")
    ]
    # Sessions come from their series: changed (cancel, move), never added or deleted by hand.
    dotted += [f"{APP}.change_session", f"{APP}.view_session"]
    return dotted


def grant_admin_permissions() -> None:
    for role in (roles.COMMUNE_COORDINATOR, roles.NETWORK_COORDINATION):
        roles.grant(role, *admin_permissions())
