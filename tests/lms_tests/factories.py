"""Builders for training tests: a catalogue, modules, scheduled runs, demo members."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo

from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import Page

from lms import services
from lms.models import CourseRun, ModulePage, TrainingCatalogPage, TrainingPathPage
from network.models import Commune
from sessions.models import Venue

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
_numbers = itertools.count(1)


def catalogue() -> TrainingCatalogPage:
    """The catalogue under the home page (the one there is, or a new one)."""
    found = TrainingCatalogPage.objects.first()
    if found is not None:
        return found
    home = Page.objects.get(depth=2)
    page = TrainingCatalogPage(title="Formations", slug="formations")
    home.add_child(instance=page)
    return page


def module(title: str = "Repérer les violences intrafamiliales", **fields) -> ModulePage:
    number = next(_numbers)
    fields.setdefault("code", f"TEST-{number:03d}")
    prerequisites = fields.pop("prerequisites", [])
    page = ModulePage(title=title, slug=f"module-test-{number}", **fields)
    catalogue().add_child(instance=page)
    if prerequisites:
        page.prerequisites.set(prerequisites)
        page.save()
    return page


def path(title: str, modules: list[tuple[ModulePage, bool]], electives_required: int = 0):
    from lms.models import PathModule

    number = next(_numbers)
    page = TrainingPathPage(
        title=title, slug=f"parcours-test-{number}", electives_required=electives_required
    )
    for order, (the_module, required) in enumerate(modules):
        page.path_modules.add(PathModule(module=the_module, required=required, sort_order=order))
    catalogue().add_child(instance=page)
    return page


def commune(name: str = "Esneux") -> Commune:
    return Commune.objects.get_or_create(name=name, defaults={"slug": name.lower()})[0]


def venue(name: str = "Salle du conseil", commune_name: str = "Esneux", **fields) -> Venue:
    fields.setdefault("address", "Place Jean d'Ardenne 1")
    return Venue.objects.create(name=name, commune=commune(commune_name), **fields)


def future_day(days: int = 20) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def run(
    of: ModulePage | None = None,
    *,
    days: list[dt.date] | None = None,
    at: dt.time = dt.time(9, 0),
    duration_minutes: int = 180,
    commune_name: str = "Esneux",
    **fields,
) -> CourseRun:
    """A planned run with dated sessions (default: one morning, 20 days from today)."""
    of = of or module()
    number = next(_numbers)
    fields.setdefault("capacity", 5)
    fields.setdefault("venue", venue(commune_name=commune_name))
    made = CourseRun.objects.create(
        module=of, code=f"{of.code}-R{number}", commune=commune(commune_name), **fields
    )
    services.schedule_run(
        made, [(day, at) for day in (days or [future_day()])], duration_minutes=duration_minutes
    )
    made.refresh_from_db()
    return made


def user(username: str):
    return get_user_model().objects.get(username=username)


def pros(count: int, start: int = 1) -> list:
    """Active professionals of the demo network, pro-01 onwards."""
    names = [f"pro-{n:02d}" for n in range(start, start + count)]
    found = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    return [found[name] for name in names]
