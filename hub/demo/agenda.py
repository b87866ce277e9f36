"""Demo agenda: the facilitators' monthly intervision meetings, staffed, around the holidays."""

from __future__ import annotations

import datetime as dt

import recurrence
from django.contrib.auth import get_user_model

from network.models import Commune
from sessions import services
from sessions.models import Assignment, Closure, ClosureKind, Series, StaffRole, Venue

VENUES = (
    # name, address, commune, capacity, confidential
    ("Maison de la cohésion sociale", "Rue de la Station 12", "Chaudfontaine", 30, False),
    ("Salle du conseil du CPAS", "Place du Village 3", "Esneux", 20, False),
    ("Local d'accueil", "Adresse communiquée aux animateur·rices", "Esneux", 10, True),
)


def _first_weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def load_agenda(communes: dict[str, Commune], today: dt.date) -> dict[str, int]:
    venues = {}
    for name, address, commune, capacity, confidential in VENUES:
        venue, _ = Venue.objects.update_or_create(
            name=name,
            commune=communes[commune],
            defaults={
                "address": address,
                "capacity": capacity,
                "confidential_address": confidential,
            },
        )
        venues[name] = venue
    services.sync_holiday_closures([today.year, today.year + 1])
    Closure.objects.update_or_create(
        kind=ClosureKind.LOCAL,
        start_date=dt.date(today.year, 12, 24)
        if today.month < 12
        else dt.date(today.year + 1, 12, 24),
        reason="Fermeture des bureaux communaux",
        commune=communes["Chaudfontaine"],
        defaults={"end_date": dt.date(today.year if today.month < 12 else today.year + 1, 12, 31)},
    )
    # Monthly intervision: the last Thursday of the month, 13:30-16:00, ten meetings from the
    # first one after today (dates relative to today, deterministic for a given day).
    start = _first_weekday_on_or_after(today.replace(day=1), 3)
    series, _ = Series.objects.update_or_create(
        title="Intervision des animateur·rices",
        defaults={
            "public_title": "Intervision — réseau Secova",
            "commune": communes["Chaudfontaine"],
            "venue": venues["Maison de la cohésion sociale"],
            "start_date": start,
            "start_time": dt.time(13, 30),
            "duration_minutes": 150,
            "rule": recurrence.deserialize("RRULE:FREQ=MONTHLY;BYDAY=-1TH;COUNT=10"),
            "skip_public_holidays": True,
            "skip_school_holidays": False,
        },
    )
    services.regenerate(series)
    user_model = get_user_model()
    staff = list(
        user_model.objects.filter(username__in=["animateur", "anim-01", "anim-02"]).order_by(
            "username"
        )
    )
    lead = user_model.objects.filter(username="formatrice").first()
    upcoming = list(series.sessions.filter(start__date__gte=today).order_by("start"))
    for session in upcoming:
        if lead is not None:
            Assignment.objects.get_or_create(
                session=session, person=lead, defaults={"role": StaffRole.LEAD}
            )
        for person in staff:
            Assignment.objects.get_or_create(
                session=session, person=person, defaults={"role": StaffRole.CO}
            )
    return {"series": Series.objects.count(), "sessions": series.sessions.count()}
