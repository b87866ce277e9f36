"""Builders for support-group tests: a programme, a cycle with dated meetings, facilitators."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from groups.models import Audience, Cycle, Programme
from lms.models import ModulePage
from network import roles
from network.models import Commune, MemberProfile, Organisation
from sessions import services as session_services
from sessions.models import Assignment, Series, SeriesDate, Session, StaffRole

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
FACILITATORS = ("animateur", *(f"anim-{n:02d}" for n in range(1, 8)))
_numbers = itertools.count(1)


def quiet_month(months_ahead: int = 13) -> dt.date:
    """The first day of a month beyond anything the demo schedules (it plans ~9 months)."""
    return timezone.localdate().replace(day=1) + relativedelta(months=months_ahead)


def wednesdays(first_of_month: dt.date, count: int) -> list[dt.date]:
    """`count` consecutive Wednesdays from the month's first one."""
    first = first_of_month + dt.timedelta(days=(2 - first_of_month.weekday()) % 7)
    return [first + dt.timedelta(weeks=n) for n in range(count)]


def local(day: dt.date, at: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=BRUSSELS)


def commune(name: str = "Esneux") -> Commune:
    return Commune.objects.get_or_create(name=name, defaults={"slug": name.lower()})[0]


def programme(modules: tuple[str, ...] = ("RES-GRP",), **fields) -> Programme:
    fields.setdefault("name", f"Groupe enfants {next(_numbers)}")
    fields.setdefault("audience", Audience.CHILDREN)
    made = Programme.objects.create(**fields)
    made.required_modules.set(ModulePage.objects.filter(code__in=modules))
    return made


def dated_series(
    days: list[dt.date],
    *,
    at: dt.time = dt.time(16, 0),
    minutes: int = 90,
    commune_name: str = "Esneux",
    title: str = "Groupe enfants",
) -> Series:
    """A series made of a list of dates, materialised as sessions (sessions.services)."""
    series = Series.objects.create(
        title=title,
        public_title=f"Groupe enfants — {commune_name}",
        commune=commune(commune_name),
        mode=Series.Mode.DATES,
        start_date=days[0],
        start_time=at,
        duration_minutes=minutes,
        skip_public_holidays=False,
        skip_school_holidays=False,
        skip_local_closures=False,
    )
    SeriesDate.objects.bulk_create(SeriesDate(series=series, date=day) for day in days)
    session_services.regenerate(series, until=max(days))
    return series


def cycle(
    days: list[dt.date],
    *,
    of: Programme | None = None,
    commune_name: str = "Esneux",
    at: dt.time = dt.time(16, 0),
    minutes: int = 90,
    **fields,
) -> Cycle:
    """A cycle of a programme in a commune, its meetings on `days`."""
    fields.setdefault("name", f"Groupe 6–11 ans, {commune_name} {next(_numbers)}")
    return Cycle.objects.create(
        programme=of or programme(),
        commune=commune(commune_name),
        series=dated_series(days, at=at, minutes=minutes, commune_name=commune_name),
        **fields,
    )


def meetings(of: Cycle) -> list[Session]:
    return list(of.series.sessions.order_by("start"))


def assign(session: Session, person, role: str = StaffRole.CO) -> Assignment:
    return Assignment.objects.create(session=session, person=person, role=role)


def user(username: str):
    return get_user_model().objects.get(username=username)


def member(username: str, role: roles.Role, communes: tuple[str, ...] = ()):
    """A new active member with one role (and the communes they act in)."""
    roles.setup_roles()
    person = get_user_model().objects.create_user(
        username,
        f"{username}@test.example",
        "a-long-password",
        first_name="Test",
        last_name=username,
    )
    person.groups.add(Group.objects.get(name=role.name))
    organisation = Organisation.objects.order_by("pk").first() or Organisation.objects.create(
        name="Organisation de test", kind="cpas"
    )
    profile = MemberProfile.objects.create(user=person, organisation=organisation)
    profile.communes.set([commune(name) for name in communes])
    return person
