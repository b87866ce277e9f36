"""The model permissions each role needs for the training screens of the Wagtail admin.

Wagtail shows a screen only to a role holding the model permission; the permission layer then
narrows it to the runs of the role's communes.
"""

from __future__ import annotations

from network import roles

APP = "maillage_lms"


def grant_permissions() -> None:
    managed = [
        f"{APP}.{action}_{model}"
        for model in ("courserun",)
        for action in ("add", "change", "delete", "view")
    ]
    managed += [
        f"{APP}.add_enrolment",  # the import of enrolments (no add view)
        f"{APP}.change_enrolment",
        f"{APP}.view_enrolment",
        f"{APP}.change_attendance",
        f"{APP}.view_attendance",
        f"{APP}.view_evaluation",
        f"{APP}.view_interest",
    ]
    for role in (roles.COMMUNE_COORDINATOR, roles.NETWORK_COORDINATION):
        roles.grant(role, *managed)
    roles.grant(
        roles.NETWORK_COORDINATION,
        f"{APP}.add_audience",
        f"{APP}.change_audience",
        f"{APP}.delete_audience",
        f"{APP}.view_audience",
    )
