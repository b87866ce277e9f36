"""The agenda's exports (network's export layer): facilitators' availability and absences, and
closures, in the columns their imports read (sessions.resources), so that an exported file
imports back as it is, every row unchanged.

Absences leave out their reason: it stays the person's own (sessions.models.Absence).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from network.exports import Export

from .models import Absence, Availability, Closure

# --- availability ------------------------------------------------------------------------------


def availability_header() -> list[str]:
    return [_("E-mail"), _("Day"), _("Start time"), _("End time")]


def availability_rows(windows):
    windows = windows.select_related("person").order_by(
        "person__last_name", "person__first_name", "person__email", "weekday", "start_time", "pk"
    )
    for window in windows:
        yield (
            window.person.email,
            window.get_weekday_display(),
            window.start_time.strftime("%H:%M"),
            window.end_time.strftime("%H:%M"),
        )


# Commune coordinators and the network coordination hold the view permission; the permission
# layer's "export" keeps a coordinator's rows to the people working in their communes.
AVAILABILITY = Export(
    name="availability",
    model=Availability,
    permission="maillage_sessions.view_availability",
    header=availability_header,
    rows=availability_rows,
    filename="disponibilites",
)


# --- absences ----------------------------------------------------------------------------------


def absence_header() -> list[str]:
    return [_("E-mail"), _("First day"), _("Last day")]


def absence_rows(absences):
    absences = absences.select_related("person").order_by(
        "person__last_name", "person__first_name", "person__email", "start_date", "pk"
    )
    for absence in absences:
        yield (absence.person.email, absence.start_date, absence.end_date)


ABSENCES = Export(
    name="absences",
    model=Absence,
    permission="maillage_sessions.view_absence",
    header=absence_header,
    rows=absence_rows,
    filename="absences",
)


# --- closures ----------------------------------------------------------------------------------


def closure_header() -> list[str]:
    return [_("Commune"), _("First day"), _("Last day"), _("Reason"), _("Kind")]


def closure_rows(closures):
    closures = closures.select_related("commune").order_by(
        "start_date", "commune__name", "reason", "pk"
    )
    for closure in closures:
        yield (
            closure.commune.name if closure.commune_id else "",
            closure.start_date,
            closure.end_date,
            closure.reason,
            closure.get_kind_display(),
        )


# Closures are public, but only coordinators hold their view permission; the permission
# layer's "export" keeps a commune coordinator's rows to their communes' own closures (the
# network's closures, holidays included, are the network coordination's to import).
CLOSURES = Export(
    name="closures",
    model=Closure,
    permission="maillage_sessions.view_closure",
    header=closure_header,
    rows=closure_rows,
    filename="fermetures",
)
