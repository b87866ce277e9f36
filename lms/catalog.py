"""What the catalogue, module and path pages show: a constant number of queries per page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest
from django.utils import timezone

from network.models import Commune
from sessions.models import Session, SessionStatus

from . import eligibility
from .models import (
    Audience,
    CourseRun,
    EnrolmentStatus,
    Format,
    ModulePage,
    TrainingPathPage,
)

PAGE_SIZE = 20


@dataclass(frozen=True)
class RunCard:
    """A run as the person sees it: its dates, seats, and what signing up would do."""

    run: CourseRun
    sessions: list[Session]
    waiting: int
    own_status: str  # the person's enrolment status in this run, "" if none
    outcome: str  # what "S'inscrire" would do: confirmed / waitlisted / requested / ""
    position: int | None
    refusal: str

    @property
    def seats_left(self) -> int:
        return self.run.seats_left

    @property
    def own_status_label(self) -> str:
        return str(EnrolmentStatus(self.own_status).label) if self.own_status else ""


def upcoming_runs(now: dt.datetime | None = None):
    """Runs open to sign-up listings: planned, not started, with their sessions and audience."""
    now = now or timezone.now()
    return (
        CourseRun.objects.upcoming(now)
        .select_related("venue__commune", "commune")
        .annotate(
            waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED))
        )
        .prefetch_related(
            "audience_communes",
            Prefetch(
                "series__sessions",
                queryset=Session.objects.exclude(status=SessionStatus.CANCELLED)
                .select_related("venue__commune")
                .order_by("start"),
                to_attr="active_sessions",
            ),
        )
        .order_by("starts_at", "code")
    )


def run_cards(
    runs,
    facts: eligibility.Facts | None,
    prerequisites: dict[int, list[ModulePage]],
    now: dt.datetime | None = None,
) -> list[RunCard]:
    now = now or timezone.now()
    cards = []
    for run in runs:
        sessions = getattr(run.series, "active_sessions", []) if run.series_id else []
        own = facts.enrolments.get(run.pk, ("", 0, ""))[0] if facts else ""
        shown = eligibility.Outcome("")
        if facts is not None:
            found = eligibility.problem(
                facts, run, prerequisites=prerequisites.get(run.module_id, []), now=now
            )
            shown = eligibility.outcome(run, run.waiting, found)
        cards.append(
            RunCard(run, sessions, run.waiting, own, shown.status, shown.position, shown.refusal)
        )
    return cards


def catalog_context(page, request: HttpRequest) -> dict:
    """Modules below the catalogue, filtered (audience, commune, format, upcoming) and searched."""
    params = request.GET
    modules = (
        ModulePage.objects.live()
        .public()
        .child_of(page)
        .prefetch_related("audiences")
        .order_by("title")
    )
    query = params.get("q", "").strip()[:100]
    audience = params.get("public", "")
    commune = params.get("commune", "")
    format_ = params.get("format", "")
    upcoming_only = params.get("dates") == "1"
    now = timezone.now()
    runs = upcoming_runs(now)
    if commune:
        runs = runs.filter(Q(commune__slug=commune) | Q(venue__commune__slug=commune))
    if audience:
        modules = modules.filter(audiences__slug=audience)
    if format_ in Format.values:
        modules = modules.filter(format=format_)
    if upcoming_only or commune:
        modules = modules.filter(pk__in=runs.values("module_id"))
    if query:
        found = ModulePage.objects.live().child_of(page).search(query)
        modules = modules.filter(pk__in=[m.pk for m in found])
    paginator = Paginator(modules.distinct(), PAGE_SIZE)
    listing = paginator.get_page(params.get("page"))
    shown = list(listing.object_list)
    next_run: dict[int, CourseRun] = {}
    for run in runs.filter(module_id__in=[m.pk for m in shown]).order_by("module_id", "starts_at"):
        next_run.setdefault(run.module_id, run)
    paths = (
        TrainingPathPage.objects.live().public().child_of(page).order_by("title")
        if not (query or audience or commune or format_ or upcoming_only)
        else TrainingPathPage.objects.none()
    )
    filters = params.copy()
    filters.pop("page", None)
    return {
        "modules": [(m, next_run.get(m.pk)) for m in shown],
        "page_obj": listing,
        "paths": list(paths),
        "audiences": list(Audience.objects.all()),
        "communes": list(Commune.objects.order_by("name")),
        "formats": Format.choices,
        "filters": {
            "q": query,
            "public": audience,
            "commune": commune,
            "format": format_,
            "dates": upcoming_only,
        },
        "filter_query": filters.urlencode(),
        "filtered": bool(query or audience or commune or format_ or upcoming_only),
    }


def module_context(page: ModulePage, request: HttpRequest) -> dict:
    """The module's upcoming runs with seats left, and what signing up would do for the visitor."""
    from .models import Interest
    from .services import expire_offers

    # Seats shown are true now: an expired offer is passed on when read.
    expire_offers(run_ids=CourseRun.objects.filter(module=page).values_list("pk", flat=True))
    now = timezone.now()
    user = request.user
    facts = eligibility.facts_for(user) if user.is_authenticated else None
    runs = list(upcoming_runs(now).filter(module=page))
    cards = run_cards(runs, facts, {page.pk: list(page.prerequisites.all())}, now)
    interested = (
        user.is_authenticated and Interest.objects.filter(module=page, person=user).exists()
    )
    return {
        "cards": cards,
        "prerequisites": list(page.prerequisites.live()),
        "audience_list": list(page.audiences.all()),
        "interested": interested,
        "completed": bool(facts and page.pk in facts.completed_module_ids),
    }


def path_context(page: TrainingPathPage, request: HttpRequest) -> dict:
    from .services import path_progress

    links = list(page.path_modules.select_related("module").order_by("sort_order"))
    progress = None
    if request.user.is_authenticated:
        facts = eligibility.facts_for(request.user)
        ongoing = {m for s, m, _c in facts.enrolments.values() if s in ("confirmed", "offered")}
        progress = path_progress(page, links, set(facts.completed_module_ids), ongoing)
    return {"links": links, "progress": progress}
