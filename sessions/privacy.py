"""sessions/ in the privacy registry: staffing, availability and absences are about people."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network import privacy

from .models import Absence, Assignment, Availability, Closure, Series, SeriesDate, Session, Venue


def purge_absences(now: dt.datetime) -> int:
    """Absences that ended over a year ago: no longer needed to plan anyone."""
    cutoff = timezone.localdate(now) - relativedelta(years=1)
    return privacy.delete_rows(Absence.objects.filter(end_date__lt=cutoff))


def register() -> None:
    """Declare sessions' models (called from SessionsConfig.ready(); idempotent)."""
    for model, reason in (
        (Venue, "a place; its address is an organisation's, not a person's"),
        (Closure, "days without sessions and their public reason"),
        (Series, "when and where sessions recur"),
        (SeriesDate, "a date of a series"),
        (Session, "a dated session; who staffs it is held by assignments"),
    ):
        privacy.declare_no_personal_data(model, reason)
    privacy.register(
        Assignment,
        purpose=_("Planning who runs or gives each session."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=_("As long as the session's history is kept; erased with the account."),
        export=lambda user: [
            privacy.values(a, ["session", "role", "override_reason", "created_at"])
            for a in Assignment.objects.filter(person=user).select_related("session__series")
        ],
        erase=lambda user: privacy.delete_rows(Assignment.objects.filter(person=user)),
    )
    privacy.register(
        Availability,
        purpose=_("Knowing when a facilitator or trainer can staff sessions."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=privacy.WHILE_ACCOUNT,
        export=lambda user: [
            privacy.values(a, ["weekday", "start_time", "end_time"])
            for a in Availability.objects.filter(person=user)
        ],
        erase=lambda user: privacy.delete_rows(Availability.objects.filter(person=user)),
    )
    privacy.register(
        Absence,
        purpose=_("Not planning a person on days they are away; the reason stays theirs."),
        legal_basis=privacy.PUBLIC_TASK,
        retention=_(
            "Until a year after the absence, then deleted by a daily due job; erased with the "
            "account."
        ),
        export=lambda user: [
            privacy.values(a, ["start_date", "end_date", "private_reason"])
            for a in Absence.objects.filter(person=user)
        ],
        erase=lambda user: privacy.delete_rows(Absence.objects.filter(person=user)),
        purge=purge_absences,
    )
