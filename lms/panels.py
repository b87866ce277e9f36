"""The "Mon parcours" panels of lms/ (registered from LmsConfig.ready()).

Each panel fetches what it shows in a fixed number of queries, whatever the person's history.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network import registries, roles
from network.permissions import standing
from sessions.models import Assignment, Session, SessionStatus, StaffRole

from .models import (
    PENDING,
    SEAT_HOLDING,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    PathCompletion,
    TrainingPathPage,
)

FINISHED = (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
HISTORY = (
    EnrolmentStatus.CANCELLED,
    EnrolmentStatus.REJECTED,
    EnrolmentStatus.EXPIRED,
    EnrolmentStatus.NOT_COMPLETED,
)


def _enrolments(request: HttpRequest) -> list[Enrolment]:
    """All the person's enrolments, fetched once per request for every panel."""
    cached = getattr(request, "_lms_enrolments", None)
    if cached is None:
        from .services import expire_offers

        # An expired seat offer is passed on when read, whether run_due_jobs ran or not.
        mine = Enrolment.objects.filter(person=request.user)
        expire_offers(run_ids=mine.values_list("run_id", flat=True))
        cached = list(
            Enrolment.objects.filter(person=request.user)
            .select_related("run__module", "run__venue__commune", "run__series")
            .prefetch_related(
                Prefetch(
                    "run__series__sessions",
                    queryset=Session.objects.exclude(status=SessionStatus.CANCELLED)
                    .select_related("venue__commune")
                    .order_by("start"),
                    to_attr="active_sessions",
                )
            )
            .order_by("-requested_at")
        )
        request._lms_enrolments = cached
    return cached


def _sessions(enrolment: Enrolment) -> list[Session]:
    series = enrolment.run.series
    return getattr(series, "active_sessions", []) if series is not None else []


def training_context(request: HttpRequest) -> dict[str, Any] | None:
    if not request.user.is_authenticated:
        return None
    now = timezone.now()
    current = []
    for enrolment in _enrolments(request):
        if enrolment.status not in PENDING:
            continue
        sessions = _sessions(enrolment)
        upcoming = [s for s in sessions if s.end >= now]
        if enrolment.run.ends_at and enrolment.run.ends_at < now and not upcoming:
            continue
        deadline = enrolment.run.cancellation_deadline()
        current.append(
            {
                "enrolment": enrolment,
                "sessions": upcoming,
                "offer_live": enrolment.offer_is_live(now),
                "can_cancel": enrolment.status != EnrolmentStatus.CONFIRMED
                or deadline is None
                or now <= deadline,
                "deadline": deadline,
                "online_link": enrolment.run.online_link if enrolment.holds_seat else "",
            }
        )
    current.sort(key=lambda item: item["enrolment"].run.starts_at or now)
    return {"current": current, "now": now}


def paths_context(request: HttpRequest) -> dict[str, Any] | None:
    if not request.user.is_authenticated:
        return None
    from .services import path_progress

    enrolments = _enrolments(request)
    completed = {e.run.module_id for e in enrolments if e.status == EnrolmentStatus.COMPLETED}
    ongoing = {
        e.run.module_id
        for e in enrolments
        if e.status in (EnrolmentStatus.CONFIRMED, EnrolmentStatus.OFFERED)
    }
    paths = list(
        TrainingPathPage.objects.live()
        .public()
        .prefetch_related("path_modules__module")
        .order_by("title")
    )
    done_paths = set(
        PathCompletion.objects.filter(person=request.user).values_list("path_id", flat=True)
    )
    rows = []
    for path in paths:
        links = sorted(path.path_modules.all(), key=lambda link: link.sort_order or 0)
        progress = path_progress(path, links, completed, ongoing)
        # A path shows once the person has started it, or while they have started none.
        rows.append({"progress": progress, "recorded": path.pk in done_paths})
    started = [r for r in rows if r["progress"].done or r["progress"].in_progress]
    return {"paths": started or rows, "suggested": not started}


def completed_context(request: HttpRequest) -> dict[str, Any] | None:
    if not request.user.is_authenticated:
        return None
    enrolments = _enrolments(request)
    finished = [e for e in enrolments if e.status == EnrolmentStatus.COMPLETED]
    evaluated = set(
        Evaluation.objects.filter(enrolment__person=request.user).values_list(
            "enrolment_id", flat=True
        )
    )
    history = [e for e in enrolments if e.status in HISTORY]
    if not finished and not history:
        return {"finished": [], "history": [], "evaluated": set()}
    return {
        "finished": sorted(finished, key=lambda e: e.completed_at or e.requested_at, reverse=True),
        "history": history[:20],
        "evaluated": evaluated,
    }


def requests_context(request: HttpRequest) -> dict[str, Any] | None:
    if not request.user.is_authenticated or not standing(request.user).has(roles.REFERENT):
        return None
    from .services import requests_for_referent

    return {"count": requests_for_referent(request.user).count()}


def teaching_context(request: HttpRequest) -> dict[str, Any] | None:
    """A trainer's sessions of the last 30 days and next ones; a past session whose sheet
    lacks someone holding a seat is "to mark" (one query)."""
    if not request.user.is_authenticated:
        return None
    now = timezone.now()
    assignments = list(
        Assignment.objects.filter(
            person=request.user,
            role=StaffRole.TRAINER,
            session__series__course_run__isnull=False,
            session__start__gte=now - timezone.timedelta(days=30),
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .annotate(
            marked=Count("session__training_attendance", distinct=True),
            expected=Count(
                "session__series__course_run__enrolments",
                filter=Q(session__series__course_run__enrolments__status__in=SEAT_HOLDING),
                distinct=True,
            ),
        )
        .select_related("session__series__course_run__module", "session__venue__commune")
        .order_by("session__start")[:12]
    )
    if not assignments:
        return None
    to_mark = [a.session for a in assignments if a.session.end <= now and a.marked < a.expected]
    return {
        "to_mark": to_mark,
        "sessions": [a.session for a in assignments if a.session not in to_mark][:8],
        "now": now,
    }


def register() -> None:
    for key, title, template, get_context, order in (
        ("lms.requests", _("Requests to approve"), "requests", requests_context, 50),
        ("lms.training", _("My training"), "training", training_context, 100),
        ("lms.teaching", _("Sessions I teach"), "teaching", teaching_context, 110),
        ("lms.paths", _("My paths"), "paths", paths_context, 120),
        ("lms.completed", _("Completed training"), "completed", completed_context, 130),
    ):
        registries.dashboard_panels.register(
            registries.DashboardPanel(
                key=key,
                title=title,
                template=f"lms/panels/{template}.html",
                get_context=get_context,
                order=order,
            )
        )
