"""The model permissions the coordinating roles need for the support-group admin screens.

Wagtail shows a screen only to a role holding the model permission; the permission layer
(groups.rules) then narrows it to the objects of the role's communes, or, for the network
coordination and children's records, to the cycles where it holds a role.
Call `grant_admin_permissions()` in ready().
"""

from __future__ import annotations

from network import roles

APP = "maillage_groups"


def _all(model: str) -> list[str]:
    return [f"{APP}.{action}_{model}" for action in ("add", "change", "delete", "view")]


def grant_admin_permissions() -> None:
    roles.grant(
        roles.COMMUNE_COORDINATOR,
        f"{APP}.view_programme",
        *_all("cycle"),
        *_all("participant"),
        f"{APP}.view_swap",
        f"{APP}.change_swap",
    )
    # The network coordination writes programmes and every cycle, and reads children's
    # records only where it holds a role (rules.ParticipantRule): no add, change or delete.
    roles.grant(
        roles.NETWORK_COORDINATION,
        *_all("programme"),
        *_all("cycle"),
        f"{APP}.view_participant",
        f"{APP}.view_swap",
        f"{APP}.change_swap",
    )
